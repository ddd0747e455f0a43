//! For the unit tests: progenitor's output for a small spec, generated the way build.rs
//! generates the real client, and a small spec shaped like the real one.

use progenitor::Generator;

/// The client progenitor generates from `spec` with build.rs's settings, parsed, and the
/// generator (whose type space some passes read).
pub(crate) fn generate(spec: &serde_json::Value) -> (syn::File, Generator) {
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(spec.clone()).expect("the test spec is OpenAPI 3.0");
    let mut generator = Generator::new(&crate::settings(false));
    let tokens = generator
        .generate_tokens(&openapi)
        .expect("progenitor accepts the test spec");
    let file = syn::parse2(tokens).expect("the generated client parses");
    (file, generator)
}

/// The envelope the API wraps every answer in, with `data` of schema `data`.
pub(crate) fn envelope(data: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "statusCode": { "type": "integer", "format": "int64" },
            "message": { "type": "string" },
            "apiCode": { "type": "integer", "format": "int64" },
            "requestId": { "type": "string" },
            "data": { "$ref": format!("#/components/schemas/{data}") }
        },
        "required": ["statusCode", "message", "data"]
    })
}

/// The answer of an operation: a JSON body of schema `name`.
fn answer(name: &str) -> serde_json::Value {
    serde_json::json!({
        "200": {
            "description": "",
            "content": {
                "application/json": {
                    "schema": { "$ref": format!("#/components/schemas/{name}") }
                }
            }
        }
    })
}

/// Two operations of the tag `Users`: `getUser`, a read (GET with a path parameter and a
/// query), and `createUser`, a write (POST with a JSON body). Both answer an envelope of a
/// `User`.
pub(crate) fn two_operations() -> serde_json::Value {
    serde_json::json!({
        "openapi": "3.0.3",
        "info": { "title": "Test", "version": "1.0.0" },
        "servers": [{ "url": "https://api.example.com" }],
        "tags": [{ "name": "Users", "x-genauth-guide": "The accounts." }],
        "paths": {
            "/api/v3/users/{userId}": {
                "get": {
                    "operationId": "getUser",
                    "summary": "Get one user.",
                    "tags": ["Users"],
                    "x-genauth-read": true,
                    "parameters": [
                        {
                            "in": "path",
                            "name": "userId",
                            "required": true,
                            "schema": { "type": "string" }
                        },
                        {
                            "in": "query",
                            "name": "withDetail",
                            "required": false,
                            "schema": { "type": "boolean" }
                        }
                    ],
                    "responses": answer("UserRespDto")
                }
            },
            "/api/v3/create-user": {
                "post": {
                    "operationId": "createUser",
                    "summary": "Create a user.",
                    "tags": ["Users"],
                    "x-genauth-read": false,
                    "requestBody": {
                        "required": true,
                        "content": {
                            "application/json": {
                                "schema": { "$ref": "#/components/schemas/CreateUserReqDto" }
                            }
                        }
                    },
                    "responses": answer("UserRespDto")
                }
            }
        },
        "components": {
            "schemas": {
                "CreateUserReqDto": {
                    "type": "object",
                    "properties": {
                        "name": { "type": "string" },
                        "email": { "type": "string" }
                    },
                    "required": ["name"]
                },
                "UserRespDto": envelope("User"),
                "User": {
                    "type": "object",
                    "properties": {
                        "userId": { "type": "string" },
                        "name": { "type": "string" }
                    },
                    "required": ["userId"]
                }
            }
        }
    })
}
