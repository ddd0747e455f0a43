//! One test per normalisation rule, on small fixture specs written for the purpose.

use super::names::pascal_case;
use super::*;

fn spec(paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "fixture", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

fn ok_response(schema: &str) -> Value {
    json!({"200": {"description": "", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}})
}

fn overlay(overrides: Value) -> Overlay {
    Overlay {
        overrides,
        docs: json!({}),
    }
}

fn run(doc: Value, o: &Overlay) -> Outcome {
    normalise(doc, o).expect("fixture normalises")
}

fn id_type_param(name: &str) -> Value {
    json!({"name": name, "in": "query", "required": false,
           "schema": {"type": "string", "enum": ["user_id", "external_id", "phone"], "default": "user_id"}})
}

#[test]
fn repeated_inline_enum_becomes_one_component_used_everywhere() {
    let doc = spec(
        json!({
            "/a": {"get": {"operationId": "getA", "parameters": [id_type_param("userIdType")], "responses": ok_response("R")}},
            "/b": {"get": {"operationId": "getB", "parameters": [id_type_param("userIdType")], "responses": ok_response("R")}}
        }),
        json!({"R": {"type": "object", "properties": {
            "userIdType": {"type": "string", "enum": ["phone", "user_id", "external_id"]},
            "other": {"type": "string", "enum": ["x", "y"]}
        }}}),
    );
    let out = run(doc, &Overlay::empty()).spec;
    let component = &out["components"]["schemas"]["UserIdType"];
    assert_eq!(
        component["enum"],
        json!(["user_id", "external_id", "phone"])
    );
    assert_eq!(component["default"], json!("user_id"));
    let r = json!({"$ref": "#/components/schemas/UserIdType"});
    assert_eq!(out["paths"]["/a"]["get"]["parameters"][0]["schema"], r);
    assert_eq!(out["paths"]["/b"]["get"]["parameters"][0]["schema"], r);
    assert_eq!(
        out["components"]["schemas"]["R"]["properties"]["userIdType"],
        r
    );
    // An enum that appears once stays inline.
    assert_eq!(
        out["components"]["schemas"]["R"]["properties"]["other"]["enum"],
        json!(["x", "y"])
    );
}

#[test]
fn same_name_with_different_value_sets_stays_distinct() {
    let doc = spec(
        json!({}),
        json!({
            "A": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}},
            "B": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}},
            "C": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["c", "d"]}}},
            "D": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["c", "d"]}}}
        }),
    );
    let out = run(doc.clone(), &Overlay::empty());
    assert!(out.spec["components"]["schemas"].get("Kind").is_none());
    assert_eq!(
        out.spec["components"]["schemas"]["C"]["properties"]["kind"]["enum"],
        json!(["c", "d"])
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("`Kind` fits 2 different value sets")),
        "{:?}",
        out.notes
    );

    // Naming one set in the overrides shares it under that name, which leaves `Kind` unambiguous
    // for the other set.
    let o = overlay(json!({"enums": {"names": [{"name": "AbKind", "values": ["b", "a"]}]}}));
    let out = run(doc, &o).spec;
    let schemas = &out["components"]["schemas"];
    assert_eq!(
        schemas["A"]["properties"]["kind"],
        json!({"$ref": "#/components/schemas/AbKind"})
    );
    assert_eq!(schemas["AbKind"]["enum"], json!(["a", "b"]));
    assert_eq!(
        schemas["C"]["properties"]["kind"],
        json!({"$ref": "#/components/schemas/Kind"})
    );
    assert_eq!(schemas["Kind"]["enum"], json!(["c", "d"]));
}

#[test]
fn integers_follow_the_overrides_file_and_query_numbers_are_integers() {
    let doc = spec(
        json!({"/l": {"get": {"operationId": "listL", "parameters": [
            {"name": "page", "in": "query", "schema": {"type": "number", "default": 1}},
            {"name": "ratio", "in": "query", "schema": {"type": "number"}}
        ], "responses": ok_response("R")}}}),
        json!({"R": {"type": "object", "properties": {
            "statusCode": {"type": "number"},
            "counts": {"type": "array", "items": {"type": "number"}},
            "lat": {"type": "number"}
        }}}),
    );
    let out = run(
        doc,
        &overlay(json!({"integers": {"names": ["page", "statusCode", "counts"]}})),
    )
    .spec;
    let int = json!({"type": "integer", "format": "int64"});
    let params = &out["paths"]["/l"]["get"]["parameters"];
    assert_eq!(
        params[0]["schema"],
        json!({"type": "integer", "format": "int64", "default": 1})
    );
    // Not listed, but a query number: written as `1`, never `1.0`.
    assert_eq!(params[1]["schema"], int);
    let props = &out["components"]["schemas"]["R"]["properties"];
    assert_eq!(props["statusCode"], int);
    assert_eq!(props["counts"]["items"], int);
    assert_eq!(props["lat"], json!({"type": "number"}));
}

#[test]
fn query_arrays_take_the_bracket_wire_name_once() {
    let doc = spec(
        json!({"/b": {"get": {"operationId": "getBatch", "parameters": [
            {"name": "userIds", "in": "query", "required": true, "schema": {"type": "array", "items": {"type": "string"}}, "x-sdk-query-array-format": "brackets"},
            {"name": "single", "in": "query", "schema": {"type": "string"}}
        ], "responses": ok_response("R")}}}),
        json!({"R": {"type": "object"}}),
    );
    let once = run(doc, &Overlay::empty()).spec;
    let p = &once["paths"]["/b"]["get"]["parameters"];
    assert_eq!(p[0]["name"], "userIds[]");
    assert_eq!(p[0]["x-genauth-array-format"], "brackets");
    assert!(p[0].get("x-sdk-query-array-format").is_none());
    assert_eq!(p[1]["name"], "single");
    let twice = run(once.clone(), &Overlay::empty()).spec;
    assert_eq!(twice, once, "renaming is idempotent");
}

#[test]
fn sensitive_strings_are_marked_and_other_types_untouched() {
    let doc = spec(
        json!({}),
        json!({"S": {"type": "object", "properties": {
            "secret": {"type": "string"},
            "password": {"type": "boolean"},
            "name": {"type": "string"}
        }}}),
    );
    let out = run(
        doc,
        &overlay(json!({"sensitive": {"names": ["secret", "password"]}})),
    )
    .spec;
    let props = &out["components"]["schemas"]["S"]["properties"];
    assert_eq!(
        props["secret"],
        json!({"type": "string", "format": "password", "x-genauth-sensitive": true})
    );
    assert_eq!(props["password"], json!({"type": "boolean"}));
    assert_eq!(props["name"], json!({"type": "string"}));
}

#[test]
fn reads_come_from_method_verb_and_pins() {
    let doc = spec(
        json!({
            "/g": {"get": {"operationId": "importTemplate", "responses": ok_response("R")}},
            "/l": {"post": {"operationId": "listUsers", "responses": ok_response("R")}},
            "/c": {"post": {"operationId": "createUser", "responses": ok_response("R")}},
            "/s": {"post": {"operationId": "getSomethingThatWrites", "responses": ok_response("R")}}
        }),
        json!({"R": {"type": "object"}}),
    );
    let o = overlay(json!({"reads": {"verbs": ["get", "list"], "writes": [
        {"operation": "getSomethingThatWrites", "reason": "it writes"}
    ]}}));
    let out = run(doc, &o).spec;
    assert_eq!(out["paths"]["/g"]["get"]["x-genauth-read"], true);
    assert_eq!(out["paths"]["/l"]["post"]["x-genauth-read"], true);
    assert_eq!(out["paths"]["/c"]["post"]["x-genauth-read"], false);
    assert_eq!(out["paths"]["/s"]["post"]["x-genauth-read"], false);

    let pin = json!({"operation": "x", "reason": "r"});
    let both = overlay(json!({"reads": {"writes": [pin], "reads": [pin]}}));
    let err = normalise(spec(json!({}), json!({})), &both)
        .err()
        .expect("contradiction rejected");
    assert!(err.contains("both as a read and as a write"), "{err}");
    let unexplained = overlay(json!({"reads": {"writes": ["x"]}}));
    let err = normalise(spec(json!({}), json!({})), &unexplained)
        .err()
        .expect("a pin without a reason is rejected");
    assert!(err.contains("needs `operation` and a `reason`"), "{err}");
}

#[test]
fn fixes_correct_facts_and_are_no_ops_when_already_right() {
    let fixes = json!({"fixes": [
        {"fix": "rename_property", "schema": "E", "from": "eequestId", "to": "requestId", "reason": "typo"},
        {"fix": "replace_enum_value", "schema": "E", "property": "on", "from": " profile", "to": "profile", "reason": "space"},
        {"fix": "add_property", "schema": "E", "property": "appType", "schema_of_property": {"type": "string"}, "reason": "docs"},
        {"fix": "add_query_parameter", "name": "tenantId", "schema_of_parameter": {"type": "string"}, "operations": ["getE"], "reason": "docs"},
        {"fix": "add_enum_value", "operation": "getE", "parameter": "targetType", "value": "ORG", "reason": "docs"}
    ]});
    let doc = spec(
        json!({"/e": {"get": {"operationId": "getE", "parameters": [
            {"name": "targetType", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["USER"]}}}
        ], "responses": ok_response("E")}}}),
        json!({"E": {"type": "object", "required": ["eequestId"], "properties": {
            "eequestId": {"type": "string"},
            "on": {"type": "array", "items": {"type": "string", "enum": ["id", " profile"]}}
        }}}),
    );
    let once = run(doc, &overlay(fixes.clone())).spec;
    let e = &once["components"]["schemas"]["E"];
    assert!(e["properties"].get("eequestId").is_none());
    assert_eq!(e["required"], json!(["requestId"]));
    assert_eq!(
        e["properties"]["on"]["items"]["enum"],
        json!(["id", "profile"])
    );
    assert_eq!(e["properties"]["appType"], json!({"type": "string"}));
    let params = once["paths"]["/e"]["get"]["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0]["schema"]["items"]["enum"], json!(["USER", "ORG"]));
    assert_eq!(params[1]["name"], "tenantId");
    // Already-correct input: every fix is inert.
    assert_eq!(run(once.clone(), &overlay(fixes)).spec, once);

    let unexplained = overlay(
        json!({"fixes": [{"fix": "rename_property", "schema": "E", "from": "a", "to": "b"}]}),
    );
    let err = normalise(spec(json!({}), json!({})), &unexplained)
        .err()
        .unwrap();
    assert!(err.contains("no `reason`"), "{err}");
}

#[test]
fn generator_safety_rejects_with_clear_messages() {
    let dup = spec(
        json!({
            "/a": {"get": {"operationId": "same", "responses": ok_response("R")}},
            "/b": {"get": {"operationId": "same", "responses": ok_response("R")}}
        }),
        json!({"R": {"type": "object"}}),
    );
    let err = normalise(dup, &Overlay::empty()).err().unwrap();
    assert!(
        err.contains("operationId `same` is used twice: by GET /a and by GET /b"),
        "{err}"
    );

    let missing = spec(
        json!({"/a": {"get": {"responses": ok_response("R")}}}),
        json!({"R": {}}),
    );
    assert!(
        normalise(missing, &Overlay::empty())
            .err()
            .unwrap()
            .contains("GET /a has no operationId")
    );

    let mut v31 = spec(json!({}), json!({}));
    v31["openapi"] = json!("3.1.0");
    assert!(
        normalise(v31, &Overlay::empty())
            .err()
            .unwrap()
            .contains("OpenAPI 3.1.0 is not supported")
    );

    let collide = spec(
        json!({}),
        json!({"R": {"type": "string", "enum": ["wechat:pc", "wechat-pc"]}}),
    );
    let err = normalise(collide, &Overlay::empty()).err().unwrap();
    assert!(
        err.contains("\"wechat:pc\" and \"wechat-pc\" both become variant `WechatPc`"),
        "{err}"
    );

    let xml = spec(
        json!({"/x": {"post": {"operationId": "postX", "requestBody": {"content": {"application/xml": {}}}, "responses": ok_response("R")}}}),
        json!({"R": {}}),
    );
    assert!(
        normalise(xml, &Overlay::empty())
            .err()
            .unwrap()
            .contains("no application/json content")
    );

    let unbound = spec(
        json!({"/d/{id}": {"delete": {"operationId": "deleteD", "responses": ok_response("R")}}}),
        json!({"R": {}}),
    );
    assert!(
        normalise(unbound, &Overlay::empty())
            .err()
            .unwrap()
            .contains("path template names")
    );
}

#[test]
fn generator_safety_repairs_what_has_one_repair() {
    let doc = spec(
        json!({"/a": {"post": {
            "operationId": "postA",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}, "text/plain": {}}},
            "responses": {
                "200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}}},
                "201": {"description": "", "content": {"application/json": {"schema": {"type": "string"}}}}
            }
        }}}),
        json!({"R": {"type": "string", "enum": ["a", "b"], "default": "c"}}),
    );
    let out = run(doc, &Overlay::empty());
    let op = &out.spec["paths"]["/a"]["post"];
    assert!(op["responses"].get("201").is_none());
    assert_eq!(op["requestBody"]["content"].as_object().unwrap().len(), 1);
    assert!(
        out.spec["components"]["schemas"]["R"]
            .get("default")
            .is_none()
    );
    assert_eq!(out.notes.len(), 3, "{:?}", out.notes);
}

#[test]
fn docs_overlay_is_merged_and_unknown_targets_reported() {
    let mut doc = spec(
        json!({"/o": {"get": {"operationId": "getO", "tags": ["T"], "x-docs-page": "g/o.md", "parameters": [
            {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
        ], "responses": ok_response("R")}},
        "/n": {"get": {"operationId": "getN", "x-listed-by": ["sdk-a", "sdk-b"], "responses": ok_response("R")}}}),
        json!({"R": {"type": "object", "properties": {"a": {"type": "string"}, "s": {"$ref": "#/components/schemas/S"}}},
               "S": {"type": "object"}}),
    );
    doc["tags"] = json!([{"name": "T"}]);
    let o = Overlay {
        overrides: json!({}),
        docs: json!({
            "info": {"title": "Ours"},
            "tags": {"T": "What T is for.\n\n```rust\nexample();\n```", "Gone": "x"},
            "operations": {"getO": {"summary": "Get an O.", "description": "Gets an O.", "parameters": {"ids": "Which ones.", "old": "x"}}, "gone": {"summary": "x"}},
            "schemas": {"R": {"description": "An R.", "properties": {"a": "The a.", "s": "The s.", "zz": "?"}}, "Q": {}}
        }),
    };
    let out = run(doc, &o);
    assert_eq!(out.spec["info"]["title"], "Ours");
    assert_eq!(out.spec["tags"][0]["description"], "What T is for.");
    assert!(
        out.spec["tags"][0]["x-genauth-guide"]
            .as_str()
            .unwrap()
            .contains("example();")
    );
    let op = &out.spec["paths"]["/o"]["get"];
    assert_eq!(op["summary"], "Get an O.");
    assert_eq!(
        op["description"], "Gets an O.",
        "documented upstream: no extra line"
    );
    assert_eq!(op["parameters"][0]["description"], "Which ones.");
    assert_eq!(
        out.spec["paths"]["/n"]["get"]["description"],
        "GenAuth's API reference has no page for this operation. Known from sdk-a, sdk-b."
    );
    let r = &out.spec["components"]["schemas"]["R"];
    assert_eq!(r["description"], "An R.");
    assert_eq!(r["properties"]["a"]["description"], "The a.");
    assert_eq!(r["properties"]["s"]["x-genauth-doc"], "The s.");
    assert!(
        r["properties"]["s"].get("description").is_none(),
        "a $ref takes no description"
    );
    for needle in [
        "tag `Gone` is not in the spec",
        "`getO` has no parameter `old`",
        "operation `gone` is not in the spec",
        "schema `R` has no property `zz`",
        "schema `Q` is not in the spec",
    ] {
        assert!(
            out.stale.iter().any(|n| n.contains(needle)),
            "{needle}: {:?}",
            out.stale
        );
    }
    assert_eq!(
        out.coverage.operations,
        (1, 2),
        "the added line is not a description"
    );
    assert_eq!(out.coverage.parameters, (1, 1));
    assert_eq!(out.coverage.fields, (2, 2));
    let short = out.coverage.shortfalls();
    assert_eq!(short.len(), 1, "{short:?}");
    assert!(
        short[0].starts_with("operations with a description: 50.0%"),
        "{short:?}"
    );

    // A second pass neither repeats the line nor changes the figures.
    let again = run(out.spec.clone(), &o);
    assert_eq!(to_pretty(&again.spec), to_pretty(&out.spec));
    assert_eq!(again.coverage, out.coverage);
}

#[test]
fn docs_must_not_promise_a_stream_where_there_is_none() {
    let doc = spec(
        json!({"/o": {"get": {"operationId": "getO", "x-docs-page": "p", "responses": ok_response("R")}}}),
        json!({"R": {"type": "object"}}),
    );
    let o = Overlay {
        overrides: json!({}),
        docs: json!({"operations": {"getO": {"description": "Pages; `into_stream()` walks them."}}}),
    };
    let out = run(doc, &o);
    assert!(
        out.stale
            .iter()
            .any(|s| s.contains("promises `into_stream()`")),
        "{:?}",
        out.stale
    );
}

#[test]
fn generator_hazards_are_repaired_with_notes() {
    let doc = spec(
        json!({"/t": {"get": {"operationId": "listT", "parameters": [
            {"name": "source", "in": "query", "schema": {}},
            {"name": "type", "in": "query", "schema": {"type": "string"}}
        ], "responses": ok_response("Holder")}}}),
        json!({
            "Holder": {"type": "object", "properties": {
                "r": {"$ref": "#/components/schemas/Result"},
                "e": {"type": "array", "items": {"$ref": "#/components/schemas/errorEmailMsg"}},
                "status": {"enum": ["pass", -1]}
            }},
            "Result": {"type": "object", "properties": {"n": {"type": "number"}}},
            "errorEmailMsg": {"type": "object"}
        }),
    );
    let out = run(doc, &Overlay::empty());
    let schemas = &out.spec["components"]["schemas"];
    assert!(schemas.get("Result").is_none() && schemas.get("ResultDto").is_some());
    assert!(schemas.get("errorEmailMsg").is_none() && schemas.get("ErrorEmailMsg").is_some());
    let holder = &schemas["Holder"]["properties"];
    assert_eq!(holder["r"]["$ref"], "#/components/schemas/ResultDto");
    assert_eq!(
        holder["e"]["items"]["$ref"],
        "#/components/schemas/ErrorEmailMsg"
    );
    assert!(holder["status"].get("enum").is_none());
    assert_eq!(
        holder["status"]["x-genauth-enum-values"],
        json!(["pass", -1])
    );
    let params = &out.spec["paths"]["/t"]["get"]["parameters"];
    assert_eq!(params[0]["schema"], json!({"type": "string"}));
    let notes = out.notes.join("\n");
    for needle in [
        "schema `Result` renamed `ResultDto`",
        "schema `errorEmailMsg` renamed `ErrorEmailMsg`",
        "mixes JSON types; typed as any JSON value",
        "query parameter `source` has no type; typed as string",
        "parameter `type` is a Rust keyword; its setter is `type_`",
    ] {
        assert!(notes.contains(needle), "{needle} missing from\n{notes}");
    }

    // A rename onto a taken name is refused.
    let clash = spec(
        json!({}),
        json!({"Result": {"type": "object"}, "ResultDto": {"type": "object"}}),
    );
    let err = normalise(clash, &Overlay::empty()).err().unwrap();
    assert!(err.contains("`ResultDto` is taken"), "{err}");
}

#[test]
fn a_second_pass_changes_nothing() {
    let mut doc = spec(json!({}), json!({}));
    doc["info"]["x-upstream"] = json!([{"label": "a", "source": "in.json", "sha256": "ab"}]);
    let once = run(doc, &Overlay::empty()).spec;
    assert_eq!(once["info"]["x-upstream"][0]["source"], "in.json");
    let twice = run(once.clone(), &Overlay::empty()).spec;
    assert_eq!(to_pretty(&twice), to_pretty(&once));
    assert!(to_pretty(&once).ends_with("}\n"));
}

#[test]
fn pascal_case_matches_rust_variant_naming() {
    assert_eq!(pascal_case("user_id"), "UserId");
    assert_eq!(pascal_case("userIdType"), "UserIdType");
    assert_eq!(
        pascal_case("wechat:miniprogram:default"),
        "WechatMiniprogramDefault"
    );
    assert_eq!(pascal_case("USERNAME"), "Username");
    assert_eq!(pascal_case("azure-ad"), "AzureAd");
}

#[test]
fn paging_operations_are_marked_with_where_the_page_goes() {
    let page_params = json!([
        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer"}},
        {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}
    ]);
    let body = |schema: &str| json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let doc = spec(
        json!({
            "/q": {"get": {"operationId": "listQ", "parameters": page_params, "responses": ok_response("PageResp")}},
            "/b": {"post": {"operationId": "listB", "requestBody": body("BodyPaged"), "responses": ok_response("PageResp")}},
            "/o": {"post": {"operationId": "listO", "requestBody": body("OptionsPaged"), "responses": ok_response("NoTotalResp")}},
            "/n": {"post": {"operationId": "getN", "requestBody": body("BodyPaged"), "responses": ok_response("PlainResp")}},
            "/p": {"post": {"operationId": "listP", "requestBody": body("PaginationPaged"), "responses": ok_response("PageResp")}}
        }),
        json!({
            "PageResp": {"type": "object", "properties": {"statusCode": {"type": "integer"}, "data": {"$ref": "#/components/schemas/Paging"}}},
            "NoTotalResp": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/ListOnly"}}},
            "PlainResp": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/ListOnly2"}}},
            "Paging": {"type": "object", "properties": {"list": {"type": "array", "items": {"type": "string"}}, "totalCount": {"type": "integer"}}},
            "ListOnly": {"type": "object", "properties": {"list": {"type": "array", "items": {"type": "string"}}}},
            "ListOnly2": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}}}},
            "BodyPaged": {"type": "object", "properties": {"page": {"type": "integer"}, "limit": {"type": "integer"}}},
            "OptionsPaged": {"type": "object", "properties": {"options": {"$ref": "#/components/schemas/Opts"}}},
            "Opts": {"type": "object", "properties": {"pagination": {"$ref": "#/components/schemas/Pagination"}}},
            "PaginationPaged": {"type": "object", "properties": {"pagination": {"$ref": "#/components/schemas/Pagination"}}},
            "Pagination": {"type": "object", "properties": {"page": {"type": "integer"}, "limit": {"type": "integer"}}}
        }),
    );
    let out = run(doc, &Overlay::empty()).spec;
    let mark =
        |path: &str, method: &str| out["paths"][path][method]["x-genauth-pagination"].clone();
    assert_eq!(
        mark("/q", "get"),
        json!({"page": "query", "items": "list", "total": "totalCount"})
    );
    assert_eq!(
        mark("/b", "post"),
        json!({"page": "body", "items": "list", "total": "totalCount"})
    );
    assert_eq!(
        mark("/o", "post"),
        json!({"page": "body.options.pagination", "items": "list", "total": null})
    );
    assert_eq!(
        mark("/p", "post"),
        json!({"page": "body.pagination", "items": "list", "total": "totalCount"})
    );
    assert_eq!(mark("/n", "post"), Value::Null, "no list, no stream");
    // A fixpoint: normalising again changes nothing.
    assert_eq!(run(out.clone(), &Overlay::empty()).spec, out);
}
