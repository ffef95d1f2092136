//! The typed configuration of SPEC §1: built-in defaults < TOML file < `TESSERA_*`
//! environment variables (`__` nests). Unknown keys and bad values stop start-up with a
//! message naming the key.

mod duration;
mod load;
mod rate;
mod signing;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use duration::ConfigDuration;
pub use load::load;
pub use rate::RateLimit;
use serde::Deserialize;
pub use signing::SigningSettings;
use tessera_application::oauth::TokenPolicy;
use tessera_domain::SecretString;

/// Every setting tessera reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Public base URL and issuer, without a trailing slash.
    pub access_url: String,
    /// The HTTP listener.
    pub http: HttpSettings,
    /// PostgreSQL.
    pub database: DatabaseSettings,
    /// Where the embedded database lives.
    pub data_dir: PathBuf,
    /// Token lifetimes (`tokens.*`), read straight into the policy the service applies.
    pub tokens: TokenPolicy<ConfigDuration>,
    /// Browser/API sessions.
    pub sessions: SessionSettings,
    /// Dynamic client registration.
    pub registration: RegistrationSettings,
    /// Client ID Metadata Documents.
    pub cimd: CimdSettings,
    /// The MCP endpoint's sessions.
    pub mcp: McpSettings,
    /// An admin created at start-up when no user exists.
    pub first_user: FirstUserSettings,
    /// Signing keys of identity assertions (SPEC §9).
    pub signing: SigningSettings,
    /// Logging.
    pub log: LogSettings,
}

/// `http.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Listen address.
    pub address: SocketAddr,
    /// Listen address of `GET /metrics`; unset, port 9464 on the host of `address`
    /// (see [`HttpSettings::metrics_listen_address`]).
    pub metrics_address: Option<SocketAddr>,
    /// CIDRs whose `X-Forwarded-For` is believed.
    #[serde(deserialize_with = "load::string_list")]
    pub trusted_proxies: Vec<String>,
    /// After SIGTERM, how long everything is still served while `/readyz` answers 503, so
    /// load balancers see it and stop sending traffic before the listener closes.
    pub shutdown_delay: ConfigDuration,
    /// Then, how long requests in flight may take to finish before the process exits anyway.
    pub shutdown_timeout: ConfigDuration,
}

/// The port `/metrics` listens on unless `http.metrics_address` says otherwise
/// (Prometheus's registry of default ports gives 9464 to exporters like this one).
pub const DEFAULT_METRICS_PORT: u16 = 9464;

impl HttpSettings {
    /// `http.metrics_address`, or [`DEFAULT_METRICS_PORT`] on the host of `http.address`:
    /// loopback stays loopback, and a server listening on every interface (a container)
    /// lets Prometheus reach its metrics too, on a port the Ingress never routes.
    pub fn metrics_listen_address(&self) -> SocketAddr {
        self.metrics_address
            .unwrap_or_else(|| SocketAddr::new(self.address.ip(), DEFAULT_METRICS_PORT))
    }
}

/// `database.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// PostgreSQL URL; unset means the embedded database.
    #[serde(deserialize_with = "load::optional_secret")]
    pub url: Option<SecretString>,
    /// Connections per process.
    pub pool_size: usize,
}

/// `sessions.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Session lifetime.
    pub ttl: ConfigDuration,
}

/// `registration.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationSettings {
    /// Open dynamic client registration.
    pub enabled: bool,
    /// Registrations per client IP.
    pub rate_limit: RateLimit,
    /// Cap on dynamically registered clients.
    pub max_clients: u32,
    /// A registered client that never obtained a grant is deleted after this.
    pub unused_client_ttl: ConfigDuration,
}

/// `cimd.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CimdSettings {
    /// Accept metadata document URLs as `client_id`.
    pub enabled: bool,
    /// When set, only these hosts.
    #[serde(deserialize_with = "load::string_list")]
    pub allowed_domains: Vec<String>,
    /// Never these hosts.
    #[serde(deserialize_with = "load::string_list")]
    pub denied_domains: Vec<String>,
    /// FOR TESTS ONLY: admit `http` documents on loopback addresses (SPEC §5), so end-to-end
    /// tests can host documents on a random local port. Never set it in production.
    pub insecure_allow_http_loopback: bool,
}

/// `mcp.*`: MCP sessions end after this much idle time, and are capped per person and per
/// replica (the least recently used one ends to make room).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct McpSettings {
    /// A session unused for this long ends (its client gets 404 and starts a new one).
    pub session_idle_timeout: ConfigDuration,
    /// Sessions one person may hold on one replica.
    pub max_sessions_per_user: u32,
    /// Sessions one replica holds.
    pub max_sessions: u32,
}

/// `first_user.*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FirstUserSettings {
    /// Email of the admin to create.
    pub email: Option<String>,
    /// Their password.
    #[serde(deserialize_with = "load::optional_secret")]
    pub password: Option<SecretString>,
}

/// `log.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: LogFormat,
    /// Requests at least this slow are logged at WARN with their route and where the time
    /// went (pool wait, hashing); `0s` turns the log off.
    pub slow_request: ConfigDuration,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people at a terminal.
    Pretty,
    /// One JSON object per line, for collectors.
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            access_url: "http://127.0.0.1:3000".into(),
            http: HttpSettings::default(),
            database: DatabaseSettings::default(),
            data_dir: PathBuf::from("./.tessera"),
            tokens: TokenPolicy::default(),
            sessions: SessionSettings {
                ttl: ConfigDuration::hours(24),
            },
            registration: RegistrationSettings::default(),
            cimd: CimdSettings::default(),
            mcp: McpSettings::default(),
            first_user: FirstUserSettings::default(),
            signing: SigningSettings::default(),
            log: LogSettings::default(),
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 3000)),
            metrics_address: None,
            trusted_proxies: Vec::new(),
            shutdown_delay: ConfigDuration::seconds(5),
            shutdown_timeout: ConfigDuration::seconds(25),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            pool_size: 16,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            ttl: ConfigDuration::hours(24),
        }
    }
}

impl Default for RegistrationSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            rate_limit: RateLimit::per_minute(20),
            max_clients: 10_000,
            unused_client_ttl: ConfigDuration::hours(24),
        }
    }
}

impl Default for CimdSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            allowed_domains: Vec::new(),
            denied_domains: Vec::new(),
            insecure_allow_http_loopback: false,
        }
    }
}

impl Default for McpSettings {
    fn default() -> Self {
        Self {
            session_idle_timeout: ConfigDuration::minutes(5),
            max_sessions_per_user: 32,
            max_sessions: 10_000,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            slow_request: ConfigDuration::millis(500),
            format: LogFormat::Pretty,
        }
    }
}
