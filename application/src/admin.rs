//! The `Admin` capability: proof, checked once by an authentication use case, that the
//! caller may do what only admins do. Every admin-only use case (apps, people, protected
//! MCP servers, the audit log) takes `&Admin`, so no adapter, tool or command can reach one
//! without having been through that check: a new caller is safe by default.

#[cfg(test)]
mod tests;

use std::net::IpAddr;

use tessera_domain::{User, UserId};

use crate::ports::Actor;

/// An admin acting now, as the audit log names them. Its fields are private and it is
/// minted only inside this crate: by [`SessionService::authenticate_admin`] (an admin's
/// session), [`OAuthService::authenticate_admin`] (an admin's token with the `admin`
/// scope), [`OAuthService::authenticate_mcp_caller`] (an admin at the MCP endpoint, whose
/// tools follow the person's role, SPEC §6), and [`console_operator`] (the command line).
///
/// [`SessionService::authenticate_admin`]: crate::people::SessionService::authenticate_admin
/// [`OAuthService::authenticate_admin`]: crate::oauth::OAuthService::authenticate_admin
/// [`OAuthService::authenticate_mcp_caller`]: crate::oauth::OAuthService::authenticate_mcp_caller
#[derive(Debug, Clone)]
pub struct Admin {
    id: Option<UserId>,
    actor: Actor,
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The client's address (behind trusted proxies, from `X-Forwarded-For`).
    pub ip: Option<IpAddr>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

/// The caller authenticated but is not an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only admins may do this")]
pub struct NotAdmin;

/// Why an authentication use case did not mint an [`Admin`].
#[derive(Debug, thiserror::Error)]
pub enum AdminAuthError<E> {
    /// The credential itself was refused (`E` says how).
    #[error(transparent)]
    Unauthenticated(E),
    /// The credential is good but its person is not an admin.
    #[error(transparent)]
    NotAdmin(#[from] NotAdmin),
}

impl Admin {
    /// `user`, acting from `origin`, if they are an admin: the one check every
    /// authentication use case makes before minting the capability.
    pub(crate) fn of(user: &User, origin: Origin) -> Result<Self, NotAdmin> {
        if !user.admin {
            return Err(NotAdmin);
        }
        Ok(Self {
            id: Some(user.id),
            actor: Actor {
                user_id: Some(user.id.as_uuid()),
                name: user.username.as_str().to_owned(),
                ip: origin.ip,
                user_agent: origin.user_agent,
            },
        })
    }

    /// Who the audit log names for this admin's changes.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The admin's account (`None` for the command line, which needs none).
    pub fn user_id(&self) -> Option<UserId> {
        self.id
    }
}

/// The operator at the server's command line (`tessera users …`): whoever runs it there
/// holds the server's configuration and database credentials, so is an admin without an
/// account; the audit log names them `tessera CLI`. Only bootstrap's CLI calls this.
pub fn console_operator() -> Admin {
    Admin {
        id: None,
        actor: Actor {
            user_id: None,
            name: "tessera CLI".into(),
            ip: None,
            user_agent: None,
        },
    }
}
