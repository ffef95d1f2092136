//! Which apps one bulk delete on the apps page takes (issue 18): the ones an admin ticked,
//! or every dynamically registered client that never obtained a token.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{App, RegistrationSource};

/// Why a bulk delete was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppDeletionError {
    /// No app was ticked.
    #[error("select at least one app")]
    NothingSelected,
    /// More apps were ticked than one page can show.
    #[error("select at most 100 apps at a time")]
    TooMany,
}

/// The apps a bulk delete takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppDeletion {
    /// These apps (each at most once).
    Selected(Vec<Uuid>),
    /// Every dynamically registered client without a token ever, registered before this
    /// moment (when the admin looked: a client registering meanwhile is spared).
    UnusedDynamic {
        /// Only clients created strictly before this.
        registered_before: OffsetDateTime,
    },
}

impl AppDeletion {
    /// The most apps one selection may name: a full page.
    pub const MAX_SELECTED: usize = 100;

    /// The ticked apps, duplicates dropped; 1 to 100 of them.
    pub fn selected(mut ids: Vec<Uuid>) -> Result<Self, AppDeletionError> {
        ids.sort_unstable();
        ids.dedup();
        match ids.len() {
            0 => Err(AppDeletionError::NothingSelected),
            n if n > Self::MAX_SELECTED => Err(AppDeletionError::TooMany),
            _ => Ok(Self::Selected(ids)),
        }
    }

    /// What kind of bulk delete this is, for the audit log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Selected(_) => "selected",
            Self::UnusedDynamic { .. } => "dynamic_never_used",
        }
    }

    /// Whether the delete takes `app`, as it is at the moment of deleting (a client that
    /// obtained its first token since the admin looked is no longer unused).
    pub fn covers(&self, app: &App) -> bool {
        match self {
            Self::Selected(ids) => ids.contains(&app.id),
            Self::UnusedDynamic { registered_before } => {
                app.source == RegistrationSource::Dynamic
                    && app.last_token_at.is_none()
                    && app.created_at < *registered_before
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppDraft, ClientOrigin};
    use time::Duration;

    fn app(source: RegistrationSource, age_minutes: i64, used: bool) -> App {
        let id = Uuid::from_u128(u128::from(age_minutes.unsigned_abs()));
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let draft = AppDraft::parse("App", "https://a.example/cb", None, None, None).unwrap();
        App {
            id,
            draft,
            source,
            created_at: now - Duration::minutes(age_minutes),
            updated_at: now,
            origin: ClientOrigin::default(),
            last_token_at: used.then_some(now),
            blocked: false,
        }
    }

    #[test]
    fn a_selection_holds_one_to_a_hundred_distinct_apps() {
        let id = Uuid::from_u128(7);
        assert_eq!(
            AppDeletion::selected(vec![id, id]),
            Ok(AppDeletion::Selected(vec![id]))
        );
        assert_eq!(
            AppDeletion::selected(Vec::new()),
            Err(AppDeletionError::NothingSelected)
        );
        let many: Vec<Uuid> = (0..101).map(Uuid::from_u128).collect();
        assert_eq!(
            AppDeletion::selected(many.clone()),
            Err(AppDeletionError::TooMany)
        );
        assert!(AppDeletion::selected(many[..100].to_vec()).is_ok());
    }

    #[test]
    fn only_dynamic_clients_never_used_and_registered_before_the_cutoff_are_unused() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let unused = AppDeletion::UnusedDynamic {
            registered_before: now - Duration::minutes(5),
        };
        assert!(unused.covers(&app(RegistrationSource::Dynamic, 10, false)));
        assert!(!unused.covers(&app(RegistrationSource::Dynamic, 10, true)));
        assert!(!unused.covers(&app(RegistrationSource::Dynamic, 5, false)));
        assert!(!unused.covers(&app(RegistrationSource::Admin, 10, false)));
        assert!(!unused.covers(&app(RegistrationSource::Cimd, 10, false)));
    }
}
