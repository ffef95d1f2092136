//! RFC 7591 client metadata read from a JSON object: a registration body or a Client ID
//! Metadata Document. Unknown members are ignored (RFC 7591 §2); members of the wrong type
//! are refused with a fixed description.

use serde_json::{Map, Value};
use tessera_domain::ClientMetadataInput;

/// The metadata members of `map`, not yet judged by the domain's rules.
pub(crate) fn metadata_from_object(
    map: &Map<String, Value>,
) -> Result<ClientMetadataInput, &'static str> {
    let text = |name: &str| -> Result<Option<String>, &'static str> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err("A metadata member that must be a string is not."),
        }
    };
    let list = |name: &str| -> Result<Option<Vec<String>>, &'static str> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or("A metadata list must hold only strings."),
            Some(_) => Err("A metadata member that must be a list is not."),
        }
    };
    let jwks = match map.get("jwks") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v.to_string()),
        Some(_) => return Err("jwks must be a JSON Web Key Set object."),
    };
    Ok(ClientMetadataInput {
        redirect_uris: list("redirect_uris")?,
        client_name: text("client_name")?,
        client_uri: text("client_uri")?,
        logo_uri: text("logo_uri")?,
        tos_uri: text("tos_uri")?,
        policy_uri: text("policy_uri")?,
        jwks_uri: text("jwks_uri")?,
        jwks,
        software_id: text("software_id")?,
        software_version: text("software_version")?,
        grant_types: list("grant_types")?,
        response_types: list("response_types")?,
        token_endpoint_auth_method: text("token_endpoint_auth_method")?,
        application_type: text("application_type")?,
        scope: text("scope")?,
        contacts: list("contacts")?,
    })
}
