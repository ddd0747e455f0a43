//! The table of every Management API operation: name, route, read or write, group.

/// One operation of the Management API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The client method, e.g. `get_otp_secret_by_user`; also the operation's name in
    /// tracing spans.
    pub method: &'static str,
    /// The operationId in the spec, e.g. `getOtpSecretByUser`.
    pub id: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub http_method: &'static str,
    /// The path template, e.g. `/api/v3/user-list/{id}`.
    pub path: &'static str,
    /// Whether the operation only reads, so that retrying it is safe. Decided by `cargo xtask
    /// regen` from the HTTP method and the operationId's verb, reviewed in `openapi/overrides.json`.
    pub read_only: bool,
    /// Whether the operation pages, so that its request builder has an `into_stream()` over
    /// every item (see [`crate::pagination`]). Marked by regen (`x-genauth-pagination`).
    pub paginated: bool,
    /// Where the page number goes, for an operation that pages.
    pub page: Option<PagePlace>,
    /// The API group (the spec's tag), e.g. `Users`. Each group is a cargo feature (see
    /// [`groups`]).
    pub group: &'static str,
}

/// Where an operation that pages takes its page number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagePlace {
    /// The query parameter `page`.
    Query,
    /// A field of the JSON body, by its path of JSON names, e.g. `["options", "pagination",
    /// "page"]`.
    Body(&'static [&'static str]),
}

// `OPERATIONS`, `GROUPS` and one constant per operation (`op::GET_USER`), written by build.rs
// from the spec.
include!(concat!(env!("OUT_DIR"), "/operations.rs"));

/// The API groups compiled into this build, in the spec's order: those whose cargo feature
/// is on (`users`, `roles`, `data-resources-and-permissions`, ...; all by default).
pub fn groups() -> &'static [&'static str] {
    GROUPS
}

/// Every operation of the API groups compiled in, sorted by [`Operation::method`].
pub fn all() -> &'static [Operation] {
    OPERATIONS
}

/// The operation a request for `http_method` and `path` (without the query) is for: each
/// `{parameter}` of a template matches one path segment.
pub fn by_route(http_method: &str, path: &str) -> Option<&'static Operation> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    all().iter().find(|op| {
        op.http_method.eq_ignore_ascii_case(http_method) && {
            let template: Vec<&str> = op.path.split('/').collect();
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        }
    })
}

/// Looks an operation up by its client method name.
pub fn by_method(method: &str) -> Option<&'static Operation> {
    let table = all();
    table
        .binary_search_by(|op| op.method.cmp(method))
        .ok()
        .map(|i| &table[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "all-groups")]
    fn table_is_sorted_complete_and_marks_reads() {
        let table = all();
        assert_eq!(table.len(), 496);
        assert!(table.windows(2).all(|w| w[0].method < w[1].method));
        let seed = by_method("get_otp_secret_by_user").expect("seed operation");
        assert_eq!(seed.id, "getOtpSecretByUser");
        assert!(seed.read_only);
        assert!(by_method("list_users").expect("POST list").read_only);
        assert!(!by_method("create_user").expect("write").read_only);
        assert!(
            !by_method("get_public_account_of_groups")
                .expect("pinned write")
                .read_only
        );
        for (method, why) in [
            ("get_all_metadata_row", "a scroll cursor"),
            ("get_wechat_mp_access_token_info", "may mint a token"),
        ] {
            assert!(
                !by_method(method).expect(method).read_only,
                "{method}: {why}"
            );
        }
        assert!(
            by_method("list_tenants")
                .expect("an Authing-only operation")
                .read_only,
            "GET"
        );
        assert_eq!(by_method("no_such_operation"), None);
        assert_eq!(
            by_route("GET", "/api/v3/get-otp-secret-by-user").map(|op| op.id),
            Some("getOtpSecretByUser")
        );
        assert_eq!(
            by_route("DELETE", "/api/v3/user-list/u%2F1").map(|op| op.method),
            Some("delete_user_list_by_id")
        );
        assert_eq!(by_route("DELETE", "/api/v3/user-list/"), None);
        assert_eq!(by_route("POST", "/api/v3/get-otp-secret-by-user"), None);
    }
}
