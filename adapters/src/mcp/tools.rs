//! The tools (SPEC §6): `whoami`, `list_authorized_apps`, `revoke_app_authorization`, and
//! for admins `list_oauth2_apps`. Failures are tool results with `isError`, which clients
//! show to the model and the person; they never become transport errors.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::apps::{AppError, AppService};
use tessera_application::oauth::{FlowError, OAuthService};
use tessera_domain::{ClientId, User};

use super::Caller;

/// The tools tessera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolName {
    WhoAmI,
    ListAuthorizedApps,
    RevokeAppAuthorization,
    ListOAuth2Apps,
}

impl ToolName {
    const ALL: [ToolName; 4] = [
        Self::WhoAmI,
        Self::ListAuthorizedApps,
        Self::RevokeAppAuthorization,
        Self::ListOAuth2Apps,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::WhoAmI => "whoami",
            Self::ListAuthorizedApps => "list_authorized_apps",
            Self::RevokeAppAuthorization => "revoke_app_authorization",
            Self::ListOAuth2Apps => "list_oauth2_apps",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    fn admin_only(self) -> bool {
        self == Self::ListOAuth2Apps
    }

    fn definition(self) -> Tool {
        let no_arguments =
            json!({"type": "object", "properties": {}, "additionalProperties": false});
        let (description, schema, annotations) = match self {
            Self::WhoAmI => (
                "Who the access token acts for: id, username, email and whether they are an admin.",
                no_arguments,
                ToolAnnotations::with_title("Who am I")
                    .read_only(true)
                    .open_world(false),
            ),
            Self::ListAuthorizedApps => (
                "The apps the signed-in person has authorized, with their scopes and when.",
                no_arguments,
                ToolAnnotations::with_title("Authorized apps")
                    .read_only(true)
                    .open_world(false),
            ),
            Self::RevokeAppAuthorization => (
                "Revokes every token the signed-in person gave one app, and forgets the approval.",
                json!({
                    "type": "object",
                    "properties": {"client_id": {
                        "type": "string",
                        "description": "The app's client_id, as list_authorized_apps shows it."
                    }},
                    "required": ["client_id"],
                    "additionalProperties": false
                }),
                ToolAnnotations::with_title("Revoke an app")
                    .read_only(false)
                    .destructive(true)
                    .idempotent(true)
                    .open_world(false),
            ),
            Self::ListOAuth2Apps => (
                "Every OAuth2 app registered with tessera (admins only).",
                no_arguments,
                ToolAnnotations::with_title("OAuth2 apps")
                    .read_only(true)
                    .open_world(false),
            ),
        };
        let schema: JsonObject = match schema {
            Value::Object(map) => map,
            _ => JsonObject::new(),
        };
        Tool::new(self.as_str(), description, Arc::new(schema)).with_annotations(annotations)
    }
}

/// The tools `user` may see: admins also see `list_oauth2_apps` (their role decides).
pub(crate) fn visible_to(user: &User) -> Vec<Tool> {
    ToolName::ALL
        .into_iter()
        .filter(|t| user.admin || !t.admin_only())
        .map(ToolName::definition)
        .collect()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Runs one tool as `caller`; `Err` is a message for an error result.
pub(crate) async fn call<P: Ports>(
    name: ToolName,
    arguments: &JsonObject,
    caller: &Caller,
    oauth: &OAuthService<P>,
    apps: &AppService<P>,
) -> Result<Value, String> {
    let unavailable = |e: &dyn std::fmt::Display| {
        tracing::warn!(error = %e, tool = name.as_str(), "MCP tool failed");
        "tessera could not do this right now; try again shortly.".to_owned()
    };
    match name {
        ToolName::WhoAmI => Ok(who_am_i(&caller.user)),
        ToolName::ListAuthorizedApps => authorized_apps(oauth, &caller.user)
            .await
            .map_err(|e| unavailable(&e)),
        ToolName::RevokeAppAuthorization => revoke(oauth, caller, arguments, unavailable).await,
        ToolName::ListOAuth2Apps => match &caller.admin {
            Some(admin) => oauth2_apps(apps, admin).await.map_err(|e| unavailable(&e)),
            None => Err("Only admins may list the OAuth2 apps.".to_owned()),
        },
    }
}

/// `whoami`: the person the token acts for.
fn who_am_i(user: &User) -> Value {
    json!({
        "id": user.id.as_uuid(),
        "username": user.username.as_str(),
        "email": user.email.as_str(),
        "admin": user.admin,
    })
}

/// `list_authorized_apps`: the apps `user` authorized.
async fn authorized_apps<P: Ports>(
    oauth: &OAuthService<P>,
    user: &User,
) -> Result<Value, FlowError> {
    let list = oauth.authorized_apps(user).await?;
    let apps: Vec<Value> = list
        .iter()
        .map(|a| {
            json!({
                "client_id": a.client_id,
                "name": a.name,
                "scopes": a.scopes.to_vec_of_str(),
                "authorized_at": rfc3339(a.last_authorized_at),
            })
        })
        .collect();
    Ok(json!({ "apps": apps }))
}

/// `revoke_app_authorization`: forgets the caller's approval of one app.
async fn revoke<P: Ports>(
    oauth: &OAuthService<P>,
    caller: &Caller,
    arguments: &JsonObject,
    unavailable: impl Fn(&dyn std::fmt::Display) -> String,
) -> Result<Value, String> {
    let client_id = arguments
        .get("client_id")
        .and_then(Value::as_str)
        .ok_or("client_id must be the client_id of an app, as list_authorized_apps shows it.")?;
    let actor = caller.actor();
    let revoked = match ClientId::parse(client_id) {
        Ok(id) => oauth.revoke_authorization(&caller.user, &id, &actor).await,
        Err(_) => Ok(false),
    };
    match revoked {
        Ok(true) => Ok(json!({
            "revoked": client_id,
            "message": "Every token you gave this app is revoked, and its approval forgotten.",
        })),
        Ok(false) => Err(format!("There is no app with client_id {client_id}.")),
        Err(e) => Err(unavailable(&e)),
    }
}

/// `list_oauth2_apps`: every app, for an admin.
async fn oauth2_apps<P: Ports>(apps: &AppService<P>, admin: &Admin) -> Result<Value, AppError> {
    let list = apps.list_apps(admin, None).await?;
    let apps: Vec<Value> = list
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": a.draft.name.as_str(),
                "client_type": a.draft.client_type.as_str(),
                "source": a.source.as_str(),
            })
        })
        .collect();
    Ok(json!({ "apps": apps }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::{Email, UserId, Username};

    fn user(admin: bool) -> User {
        User {
            id: UserId::new(uuid::Uuid::nil()),
            email: Email::parse("a@example.com").unwrap(),
            username: Username::parse("a").unwrap(),
            admin,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn names(tools: &[Tool]) -> Vec<&str> {
        tools.iter().map(|t| t.name.as_ref()).collect()
    }

    #[test]
    fn members_do_not_see_the_admin_tool_and_admins_do() {
        let member = visible_to(&user(false));
        assert_eq!(
            names(&member),
            ["whoami", "list_authorized_apps", "revoke_app_authorization"]
        );
        assert!(names(&visible_to(&user(true))).contains(&"list_oauth2_apps"));
    }

    #[test]
    fn every_tool_has_an_object_schema_and_says_whether_it_destroys() {
        for tool in visible_to(&user(true)) {
            assert_eq!(
                tool.input_schema.get("type"),
                Some(&json!("object")),
                "{}",
                tool.name
            );
            let annotations = tool.annotations.clone().unwrap();
            let destructive = tool.name == "revoke_app_authorization";
            assert_eq!(
                annotations.destructive_hint.unwrap_or(false),
                destructive,
                "{}",
                tool.name
            );
            assert_eq!(
                annotations.read_only_hint,
                Some(!destructive),
                "{}",
                tool.name
            );
        }
        let revoke = ToolName::RevokeAppAuthorization.definition();
        assert_eq!(revoke.input_schema["required"], json!(["client_id"]));
    }
}
