//! People and sessions (SPEC §2): creating users, signing in and out, recognising a session.

mod login_throttle;
mod sessions;
mod users;

pub use login_throttle::{LoginThrottle, Verdict};
pub use sessions::{AuthenticateError, LogInError, LoggedIn, SessionService};
pub use users::{CreateUserError, NewUserInput, UserService};
