//! People and sessions (SPEC §2): creating users, signing in and out, recognising a
//! session, admins managing accounts, and people changing their own passwords.

mod accounts;
mod first_admin;
mod login_throttle;
mod passwords;
mod sessions;
mod users;

pub use accounts::{AccountError, AccountPage, AccountService, ResetLink};
pub use login_throttle::{LoginThrottle, Verdict};
pub use passwords::{PasswordChangeError, PasswordPorts, PasswordService, ResetError};
pub use sessions::{AuthenticateError, LogInError, LoggedIn, SessionService};
pub use users::{CreateUserError, NewUserInput, UserService};
