//! Client registration types: who a client is and what it registered (RFC 7591, RFC 8252,
//! SPEC §3 and §5).

mod app_name;
mod http_url;
mod kinds;
mod metadata;

pub use app_name::{AppName, AppNameError};
pub use http_url::{HttpUrl, HttpUrlError};
pub use kinds::{
    ApplicationType, ClientType, ClientValueError, GrantType, RegistrationSource, ResponseType,
    TokenEndpointAuthMethod,
};
pub use metadata::{
    ClientMetadata, ClientMetadataError, ClientMetadataInput, ClientMetadataProblem,
};
