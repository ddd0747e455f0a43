//! The user schema of `createUsersBatch` and the checks made against it before anything is
//! sent: each row's user, and the `--options` shared by every chunk.

use serde_json::Value;

use super::BATCH_OPERATION;
use crate::cli::ImportArgs;
use crate::output::Failure;
use crate::spec::{CheckOptions, Spec, closest, did_you_mean};

/// The schemas `import` checks against: a user of the batch body's `list`, and its `options`.
pub struct UserSchemas<'a> {
    /// The schema of one user (`CreateUserInfoDto`).
    pub user: &'a Value,
    /// The schema of the shared options (`CreateUserOptionsDto`), if the body has them.
    pub options: Option<&'a Value>,
}

/// Finds the schemas in the spec's body of `createUsersBatch`.
pub fn user_schemas(spec: &Spec) -> Result<UserSchemas<'_>, Failure> {
    let missing = |what: &str| Failure::Other(format!("the embedded spec has no {what}"));
    let op = spec
        .operation(BATCH_OPERATION)
        .ok_or_else(|| missing("createUsersBatch"))?;
    let body = spec
        .body(op)
        .ok_or_else(|| missing("body for createUsersBatch"))?;
    let (props, _) = spec
        .properties(body.schema)
        .ok_or_else(|| missing("fields in the createUsersBatch body"))?;
    let list = props
        .get("list")
        .ok_or_else(|| missing("`list` in the createUsersBatch body"))?;
    let user = spec
        .resolve(list)
        .get("items")
        .ok_or_else(|| missing("user schema in `list`"))?;
    Ok(UserSchemas {
        user,
        options: props.get("options"),
    })
}

/// The problems of one user object: the spec's schema (known fields, types, enums, required
/// fields), and the rule of `createUsersBatch` that each user has an email, phone or username.
pub fn user_problems(spec: &Spec, schema: &Value, user: &Value) -> Vec<String> {
    let mut findings = Vec::new();
    spec.check(
        schema,
        user,
        "",
        CheckOptions {
            max_items: None,
            required: true,
        },
        &mut findings,
    );
    let mut problems: Vec<String> = findings
        .iter()
        .map(|f| {
            let mut text = f.describe();
            if f.kind == crate::spec::FindingKind::UnknownField
                && !f.path.contains(['.', '['])
                && let Some((props, _)) = spec.properties(schema)
            {
                text.push_str(&did_you_mean(&closest(
                    &f.path,
                    props.keys().map(String::as_str),
                )));
            }
            text
        })
        .collect();
    if let Value::Object(fields) = user {
        let has = |name: &str| {
            fields
                .get(name)
                .is_some_and(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
        };
        if !(has("email") || has("phone") || has("username")) {
            problems.push("needs an email, phone or username".into());
        }
    }
    problems
}

/// Parses and checks `--options` against the batch body's options schema.
pub(super) fn batch_options(
    args: &ImportArgs,
    spec: &Spec,
    schemas: &UserSchemas<'_>,
) -> Result<Option<Value>, Failure> {
    match (&args.options, schemas.options) {
        (None, _) => Ok(None),
        (Some(_), None) => Err(Failure::Usage(
            "createUsersBatch takes no options in this spec".into(),
        )),
        (Some(text), Some(schema)) => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| Failure::Usage(format!("--options is not JSON: {e}")))?;
            let mut findings = Vec::new();
            spec.check(
                schema,
                &value,
                "options",
                CheckOptions {
                    max_items: None,
                    required: true,
                },
                &mut findings,
            );
            if !findings.is_empty() {
                let list: Vec<String> = findings.iter().map(|f| f.describe()).collect();
                return Err(Failure::Usage(format!(
                    "--options does not match the spec: {}",
                    list.join("; ")
                )));
            }
            Ok(Some(value))
        }
    }
}
