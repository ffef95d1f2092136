//! OAuth2 apps as admins manage them (SPEC §3): a validated draft, the stored app, and its
//! client secrets.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    AppName, ApplicationType, ClientType, HttpUrl, RedirectUri, RegistrationSource,
    TokenEndpointAuthMethod,
};

/// One field of an admin's app that failed validation, named as the API names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The request field, e.g. `callback_url` or `redirect_uris[1]`.
    pub field: String,
    /// What is wrong, in words.
    pub detail: String,
}

/// What an admin asks for when creating or replacing an app, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDraft {
    /// Shown on consent.
    pub name: AppName,
    /// Coder's single callback URL; always one of `redirect_uris`.
    pub callback_url: RedirectUri,
    /// Every redirect URI the app may use, `callback_url` first.
    pub redirect_uris: Vec<RedirectUri>,
    /// An http(s) icon URL, shown on consent.
    pub icon: Option<HttpUrl>,
    /// Confidential (client secrets, `client_secret_basic`) or public (PKCE only).
    pub client_type: ClientType,
}

impl AppDraft {
    /// Validates every field and reports each bad one. Admin apps may use any redirect URI
    /// SPEC §5 allows for some client: https, http on loopback, reverse-DNS private schemes.
    pub fn parse(
        name: &str,
        callback_url: &str,
        redirect_uris: Option<&[String]>,
        icon: Option<&str>,
        client_type: Option<&str>,
    ) -> Result<Self, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut note =
            |field: String, detail: String| problems.push(FieldProblem { field, detail });
        let name = AppName::parse(name)
            .map_err(|e| note("name".into(), e.to_string()))
            .ok();
        let callback = parse_redirect(callback_url)
            .map_err(|d| note("callback_url".into(), d))
            .ok();
        let mut uris = Vec::new();
        for (i, uri) in redirect_uris.unwrap_or_default().iter().enumerate() {
            match parse_redirect(uri) {
                Ok(uri) => uris.push(uri),
                Err(d) => note(format!("redirect_uris[{i}]"), d),
            }
        }
        let icon = match icon.map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(s) => HttpUrl::parse(s)
                .map(Some)
                .map_err(|e| note("icon".into(), e.to_string()))
                .ok(),
        };
        let client_type = match client_type.unwrap_or("confidential") {
            "confidential" => Some(ClientType::Confidential),
            "public" => Some(ClientType::Public),
            _ => {
                note(
                    "client_type".into(),
                    "must be \"confidential\" or \"public\"".into(),
                );
                None
            }
        };
        match (name, callback, icon, client_type) {
            (Some(name), Some(callback_url), Some(icon), Some(client_type))
                if problems.is_empty() =>
            {
                let mut redirect_uris = vec![callback_url.clone()];
                uris.into_iter()
                    .filter(|u| u != &callback_url)
                    .for_each(|u| {
                        if !redirect_uris.contains(&u) {
                            redirect_uris.push(u)
                        }
                    });
                Ok(Self {
                    name,
                    callback_url,
                    redirect_uris,
                    icon,
                    client_type,
                })
            }
            _ => Err(problems),
        }
    }

    /// The `application_type` its redirect URIs call for, so that a dynamically registered
    /// client edited by an admin still passes the registration rules (SPEC §5).
    pub fn application_type(&self) -> ApplicationType {
        ApplicationType::inferred_from(&self.redirect_uris)
    }

    /// How the app authenticates at the token endpoint.
    pub fn token_endpoint_auth_method(&self) -> TokenEndpointAuthMethod {
        match self.client_type {
            ClientType::Confidential => TokenEndpointAuthMethod::ClientSecretBasic,
            ClientType::Public => TokenEndpointAuthMethod::None,
        }
    }
}

fn parse_redirect(s: &str) -> Result<RedirectUri, String> {
    let uri = RedirectUri::parse(s).map_err(|e| e.to_string())?;
    uri.validate_for_registration(ApplicationType::Native)
        .map_err(|e| e.to_string())?;
    Ok(uri)
}

/// Where a dynamically registered or CIMD client came from, for the admin page (SPEC §8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOrigin {
    /// The IP that registered it.
    pub ip: Option<std::net::IpAddr>,
    /// The user agent that registered it.
    pub user_agent: Option<String>,
    /// The `software_id` it registered.
    pub software_id: Option<String>,
    /// For a CIMD client, its metadata document URL (its `client_id`).
    pub document_url: Option<String>,
    /// When that document was last fetched.
    pub document_fetched_at: Option<OffsetDateTime>,
}

/// An app as stored: its id is the OAuth `client_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The app's id, also its `client_id`.
    pub id: Uuid,
    /// What the admin set.
    pub draft: AppDraft,
    /// Who created it: an admin, dynamic registration, or a metadata document.
    pub source: RegistrationSource,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// Where it came from, when it registered itself.
    pub origin: ClientOrigin,
    /// When it last obtained a token, to the minute.
    pub last_token_at: Option<OffsetDateTime>,
    /// Blocked by an admin: it cannot authorize, and its tokens stop working.
    pub blocked: bool,
}

/// A client secret as listed: never the secret, only its last characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSecretInfo {
    /// The secret's id.
    pub id: Uuid,
    /// The last 6 characters of the secret, so people can tell secrets apart.
    pub display_suffix: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last authenticated a client, if ever.
    pub last_used_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_draft_lists_its_callback_first_and_each_redirect_uri_once() {
        let extra = uris(&[
            "https://b.example/cb",
            "https://a.example/cb",
            "https://b.example/cb",
        ]);
        let draft =
            AppDraft::parse("App", "https://a.example/cb", Some(&extra), None, None).unwrap();
        let got: Vec<&str> = draft
            .redirect_uris
            .iter()
            .map(RedirectUri::as_str)
            .collect();
        assert_eq!(got, ["https://a.example/cb", "https://b.example/cb"]);
        assert_eq!(
            draft.token_endpoint_auth_method(),
            TokenEndpointAuthMethod::ClientSecretBasic
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = uris(&["https://ok.example/cb", "javascript:alert(1)"]);
        let problems = AppDraft::parse(
            "",
            "http://evil.example/cb",
            Some(&bad),
            Some("ftp://x/icon.png"),
            Some("secret"),
        )
        .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "callback_url",
                "redirect_uris[1]",
                "icon",
                "client_type"
            ]
        );
    }

    #[test]
    fn loopback_http_and_private_schemes_are_allowed_for_admin_apps() {
        let extra = uris(&["com.example.app:/cb"]);
        let draft = AppDraft::parse(
            "CLI",
            "http://127.0.0.1:8080/cb",
            Some(&extra),
            None,
            Some("public"),
        )
        .unwrap();
        assert_eq!(draft.client_type, ClientType::Public);
        assert_eq!(
            draft.token_endpoint_auth_method(),
            TokenEndpointAuthMethod::None
        );
        assert_eq!(draft.application_type(), ApplicationType::Native);
    }

    #[test]
    fn single_word_private_schemes_are_allowed_and_make_the_app_native() {
        let extra = uris(&["https://www.cursor.com/agents/mcp/oauth/callback"]);
        let draft = AppDraft::parse(
            "Cursor",
            "cursor://anysphere.cursor-mcp/oauth/callback",
            Some(&extra),
            None,
            None,
        )
        .unwrap();
        assert_eq!(draft.application_type(), ApplicationType::Native);
        let web = AppDraft::parse("Web", "https://a.example/cb", None, None, None).unwrap();
        assert_eq!(web.application_type(), ApplicationType::Web);
    }

    #[test]
    fn a_name_longer_than_64_characters_is_refused() {
        let long = "x".repeat(65);
        let problems =
            AppDraft::parse(&long, "https://a.example/cb", None, None, None).unwrap_err();
        assert_eq!(problems[0].field, "name");
    }
}
