//! How the errors of managing people become HTTP answers (SPEC §2 error shape): the rows
//! of the error table for accounts, passwords and reset links.

use tessera_application::people::{AccountError, PasswordChangeError, ResetError};
use tessera_domain::AccountRefusal;

use super::error::{ApiError, FieldError};

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::NotFound => Self::NotFound,
            AccountError::Refused(AccountRefusal::LastAdmin) => Self::Conflict(
                "tessera must keep at least one active admin: make someone else an admin first."
                    .into(),
            ),
            AccountError::Refused(AccountRefusal::OwnAccount) => {
                Self::BadRequest("You cannot suspend your own account.".into())
            }
            AccountError::Taken(field) => Self::Validation {
                message: format!("That {field} is already in use."),
                validations: vec![FieldError {
                    field: field.to_owned(),
                    detail: format!("{field} is already in use"),
                }],
            },
            AccountError::Busy => Self::Busy,
            AccountError::Repo(e) => e.into(),
        }
    }
}

impl From<PasswordChangeError> for ApiError {
    fn from(e: PasswordChangeError) -> Self {
        match e {
            PasswordChangeError::WrongPassword => Self::Validation {
                message: "The old password is wrong.".into(),
                validations: vec![FieldError {
                    field: "old_password".into(),
                    detail: "is not your current password".into(),
                }],
            },
            PasswordChangeError::Throttled { retry_after } => Self::Throttled(retry_after),
            PasswordChangeError::Busy => Self::Busy,
            PasswordChangeError::Repo(e) => e.into(),
        }
    }
}

impl From<ResetError> for ApiError {
    fn from(e: ResetError) -> Self {
        match e {
            ResetError::Invalid => Self::BadRequest(
                "This reset link is invalid, expired or already used; ask an admin for a new one."
                    .into(),
            ),
            ResetError::Busy => Self::Busy,
            ResetError::Repo(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use tessera_application::RepoError;
    use time::Duration;

    use super::*;

    fn status(e: impl Into<ApiError>) -> u16 {
        e.into().status_code().as_u16()
    }

    #[test]
    fn each_account_error_has_its_status() {
        assert_eq!(status(AccountError::NotFound), 404);
        assert_eq!(
            status(AccountError::Refused(AccountRefusal::LastAdmin)),
            409
        );
        assert_eq!(
            status(AccountError::Refused(AccountRefusal::OwnAccount)),
            400
        );
        assert_eq!(status(AccountError::Taken("email")), 400);
        assert_eq!(status(AccountError::Busy), 503);
        let down = RepoError::Unavailable(anyhow::anyhow!("down"));
        assert_eq!(status(AccountError::Repo(down)), 503);
    }

    #[test]
    fn a_taken_field_is_named_in_validations() {
        let ApiError::Validation { validations, .. } = AccountError::Taken("username").into()
        else {
            panic!("not a validation error");
        };
        assert_eq!(validations[0].field, "username");
    }

    #[test]
    fn each_password_error_has_its_status() {
        assert_eq!(status(PasswordChangeError::WrongPassword), 400);
        let throttled = PasswordChangeError::Throttled {
            retry_after: Duration::seconds(3),
        };
        assert_eq!(status(throttled), 429);
        assert_eq!(status(PasswordChangeError::Busy), 503);
        assert_eq!(status(ResetError::Invalid), 400);
        assert_eq!(status(ResetError::Busy), 503);
    }
}
