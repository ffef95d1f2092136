//! RFC 7591 client metadata read from a JSON object: a registration body or a Client ID
//! Metadata Document. Unknown members are ignored (RFC 7591 §2); a member of the wrong type is
//! refused with a fixed description that names it.

use serde_json::{Map, Value};
use tessera_domain::ClientMetadataInput;

/// The string member `$name` of `$map`, if present; its description names it when it is not
/// a string.
macro_rules! text {
    ($map:expr, $name:literal) => {
        match $map.get($name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(concat!($name, " must be a string.")),
        }
    };
}

/// The list-of-strings member `$name` of `$map`, if present.
macro_rules! list {
    ($map:expr, $name:literal) => {
        match $map.get($name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or(concat!($name, " must be a list of strings.")),
            Some(_) => Err(concat!($name, " must be a list of strings.")),
        }
    };
}

/// The metadata members of `map`, not yet judged by the domain's rules.
pub(crate) fn metadata_from_object(
    map: &Map<String, Value>,
) -> Result<ClientMetadataInput, &'static str> {
    let jwks = match map.get("jwks") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v.to_string()),
        Some(_) => return Err("jwks must be a JSON Web Key Set object."),
    };
    Ok(ClientMetadataInput {
        redirect_uris: list!(map, "redirect_uris")?,
        client_name: text!(map, "client_name")?,
        client_uri: text!(map, "client_uri")?,
        logo_uri: text!(map, "logo_uri")?,
        tos_uri: text!(map, "tos_uri")?,
        policy_uri: text!(map, "policy_uri")?,
        jwks_uri: text!(map, "jwks_uri")?,
        jwks,
        software_id: text!(map, "software_id")?,
        software_version: text!(map, "software_version")?,
        grant_types: list!(map, "grant_types")?,
        response_types: list!(map, "response_types")?,
        token_endpoint_auth_method: text!(map, "token_endpoint_auth_method")?,
        application_type: text!(map, "application_type")?,
        scope: text!(map, "scope")?,
        contacts: list!(map, "contacts")?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refused(value: Value) -> &'static str {
        let Value::Object(map) = value else {
            panic!("an object")
        };
        metadata_from_object(&map).unwrap_err()
    }

    #[test]
    fn a_member_of_the_wrong_type_is_named() {
        assert_eq!(
            refused(json!({"client_name": 7})),
            "client_name must be a string."
        );
        assert_eq!(
            refused(json!({"redirect_uris": "https://a.example/cb"})),
            "redirect_uris must be a list of strings."
        );
        assert_eq!(
            refused(json!({"grant_types": ["authorization_code", 1]})),
            "grant_types must be a list of strings."
        );
        assert_eq!(
            refused(json!({"jwks": "keys"})),
            "jwks must be a JSON Web Key Set object."
        );
    }

    #[test]
    fn null_members_are_absent_and_unknown_ones_ignored() {
        let Value::Object(map) = json!({"client_name": null, "frobnicate": 1}) else {
            panic!("an object")
        };
        let input = metadata_from_object(&map).unwrap();
        assert_eq!(input, ClientMetadataInput::default());
    }
}
