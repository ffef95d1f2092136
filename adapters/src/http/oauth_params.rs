//! The parameters of an OAuth request, from a query string or a form body, remembering
//! repeats: a known parameter sent twice is `invalid_request` (RFC 6749 §3.1, SPEC §4).

/// Decoded parameters in the order sent; empty values count as absent (RFC 6749 §3.1).
/// A request carries a handful, so a list searched in order beats a hash map.
#[derive(Debug, Default)]
pub(crate) struct OAuthParams {
    values: Vec<(String, String)>,
}

impl OAuthParams {
    /// Decodes `application/x-www-form-urlencoded` bytes (a query string or a form body).
    pub(crate) fn parse(input: &[u8]) -> Self {
        let values = url::form_urlencoded::parse(input)
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Self { values }
    }

    /// The value of `name`, if sent (the first, when repeated).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first of `names` that was sent more than once.
    pub(crate) fn repeated<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|name| {
            self.values
                .iter()
                .filter(|(n, _)| n == name)
                .nth(1)
                .is_some()
        })
    }

    /// The value of `name` unless it was repeated.
    pub(crate) fn single(&self, name: &str) -> Option<&str> {
        match self.repeated(&[name]) {
            Some(_) => None,
            None => self.get(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded_and_empty_ones_are_absent() {
        let p = OAuthParams::parse(b"scope=user%3Aread+mcp&state=&x=1");
        assert_eq!(p.get("scope"), Some("user:read mcp"));
        assert_eq!(p.get("state"), None);
        assert_eq!(p.get("missing"), None);
    }

    #[test]
    fn a_repeated_known_parameter_is_reported_and_has_no_single_value() {
        let p = OAuthParams::parse(b"state=a&state=b&code=c");
        assert_eq!(p.repeated(&["code", "state"]), Some("state"));
        assert_eq!(p.single("state"), None);
        assert_eq!(p.single("code"), Some("c"));
        assert_eq!(p.repeated(&["code"]), None);
    }
}
