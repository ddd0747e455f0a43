//! The state the generated client carries, and the hooks that run around every request.

use progenitor_client::{ClientHooks, Error as GenError, OperationInfo};

use crate::generated::Client;

/// Configuration and shared state behind every clone of the client.
#[derive(Clone, Debug, Default)]
pub struct ClientState {}

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), GenError<E>> {
        // progenitor stamps the spec's info.version as `api-version`; the API has no such header.
        request.headers_mut().remove("api-version");
        literal_brackets(request.url_mut());
        Ok(())
    }
}

/// Writes bracket-form array keys (`userIds%5B%5D=a`) with literal brackets (`userIds[]=a`), as
/// the official SDKs send them. Only a key can produce `%5B%5D=`: inside a value `=` is `%3D`.
pub(crate) fn literal_brackets(url: &mut reqwest::Url) {
    if let Some(query) = url.query().filter(|q| q.contains("%5B%5D=")) {
        let rewritten = query.replace("%5B%5D=", "[]=");
        url.set_query(Some(&rewritten));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_become_literal_in_keys_only() {
        let mut url =
            reqwest::Url::parse("https://h/p?userIds%5B%5D=a&userIds%5B%5D=b%5B%5D%3D&x=1")
                .unwrap();
        literal_brackets(&mut url);
        assert_eq!(url.query(), Some("userIds[]=a&userIds[]=b%5B%5D%3D&x=1"));
        let mut plain = reqwest::Url::parse("https://h/p?a=1").unwrap();
        literal_brackets(&mut plain);
        assert_eq!(plain.query(), Some("a=1"));
    }
}
