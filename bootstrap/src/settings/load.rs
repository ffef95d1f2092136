use std::collections::HashMap;
use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use serde::{Deserialize, Deserializer};
use tessera_domain::SecretString;

use super::Settings;

/// Environment variables with the `TESSERA_` prefix that are not settings.
const NOT_SETTINGS: &[&str] = &["TESSERA_CONFIG", "TESSERA_TEST_DATABASE_URL"];

/// Whether `name` is a variable that is not a setting: ours, or one Kubernetes injects for a
/// Service named `tessera` (`TESSERA_SERVICE_HOST`, `TESSERA_PORT_3000_TCP`, …).
fn not_a_setting(name: &str) -> bool {
    NOT_SETTINGS.contains(&name)
        || name.starts_with("TESSERA_SERVICE_")
        || name == "TESSERA_PORT"
        || name.starts_with("TESSERA_PORT_")
}

/// Loads settings from the optional TOML `file` and the given environment variables.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<Settings> {
    let env: HashMap<String, String> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with("TESSERA_") && !not_a_setting(k))
        .collect();
    let environment = Environment::with_prefix("TESSERA")
        .prefix_separator("_")
        .separator("__")
        .source(Some(env));
    let mut builder = Config::builder();
    if let Some(file) = file {
        if !file.is_file() {
            anyhow::bail!("configuration file {} does not exist", file.display());
        }
        builder = builder.add_source(File::from(file).format(FileFormat::Toml));
    }
    let config = builder
        .add_source(environment)
        .build()
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
    let mut settings: Settings = config
        .try_deserialize()
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
    settings.validate()?;
    Ok(settings)
}

impl Settings {
    /// Checks what types alone cannot, naming the key; normalizes `access_url`.
    fn validate(&mut self) -> anyhow::Result<()> {
        let url = url::Url::parse(&self.access_url)
            .map_err(|e| anyhow::anyhow!("invalid value for `access_url`: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            anyhow::bail!("invalid value for `access_url`: must be an http or https URL");
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            anyhow::bail!(
                "invalid value for `access_url`: must not have a query, fragment or user"
            );
        }
        self.access_url = self.access_url.trim_end_matches('/').to_owned();
        if self.database.pool_size == 0 {
            anyhow::bail!("invalid value for `database.pool_size`: must be at least 1");
        }
        let mcp = &self.mcp;
        if mcp.session_idle_timeout.get() < time::Duration::seconds(1) {
            anyhow::bail!("invalid value for `mcp.session_idle_timeout`: must be at least 1s");
        }
        if mcp.max_sessions_per_user == 0 {
            anyhow::bail!("invalid value for `mcp.max_sessions_per_user`: must be at least 1");
        }
        if mcp.max_sessions == 0 {
            anyhow::bail!("invalid value for `mcp.max_sessions`: must be at least 1");
        }
        tessera_adapters::http::TrustedProxies::parse(&self.http.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("invalid value for `http.trusted_proxies`: {e}"))?;
        let metrics = self.http.metrics_listen_address();
        if metrics.port() != 0 && metrics == self.http.address {
            anyhow::bail!(
                "invalid value for `http.metrics_address`: {metrics} is `http.address` too; \
                 metrics need a port of their own"
            );
        }
        match (&self.first_user.email, &self.first_user.password) {
            (Some(_), None) | (None, Some(_)) => {
                anyhow::bail!("`first_user.email` and `first_user.password` must be set together")
            }
            _ => Ok(()),
        }
    }

    /// Whether cookies must be `Secure`.
    pub fn https(&self) -> bool {
        self.access_url.starts_with("https://")
    }
}

/// Reads a list from a TOML array or, as environment variables give it, a comma-separated string.
pub(super) fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    Ok(match ListOrString::deserialize(d)? {
        ListOrString::List(list) => list,
        ListOrString::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// Reads an optional secret, treating an empty string as unset.
pub(super) fn optional_secret<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.is_empty())
        .map(SecretString::new))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::settings::{ConfigDuration, LogFormat};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_defaults_are_those_of_the_spec() {
        let s = load(None, env(&[])).unwrap();
        assert_eq!(s.access_url, "http://127.0.0.1:3000");
        assert_eq!(s.http.address.to_string(), "127.0.0.1:3000");
        assert!(s.database.url.is_none());
        assert_eq!(s.database.pool_size, 16);
        assert_eq!(s.tokens.refresh_ttl, ConfigDuration::hours(720));
        assert_eq!(s.tokens.refresh_reuse_grace, ConfigDuration::seconds(10));
        assert_eq!(s.registration.max_clients, 10_000);
        assert_eq!(s.mcp.session_idle_timeout, ConfigDuration::minutes(5));
        assert_eq!(s.mcp.max_sessions_per_user, 32);
        assert_eq!(s.mcp.max_sessions, 10_000);
        assert_eq!(s.log.format, LogFormat::Pretty);
        assert_eq!(s.http.shutdown_delay, ConfigDuration::seconds(5));
        assert_eq!(s.http.shutdown_timeout, ConfigDuration::seconds(25));
    }

    #[test]
    fn metrics_listen_on_port_9464_of_the_http_host_unless_set() {
        let loopback = load(None, env(&[])).unwrap();
        assert_eq!(
            loopback.http.metrics_listen_address().to_string(),
            "127.0.0.1:9464"
        );
        let everywhere = load(None, env(&[("TESSERA_HTTP__ADDRESS", "0.0.0.0:3000")])).unwrap();
        assert_eq!(
            everywhere.http.metrics_listen_address().to_string(),
            "0.0.0.0:9464"
        );
        let set = load(
            None,
            env(&[("TESSERA_HTTP__METRICS_ADDRESS", "127.0.0.1:9100")]),
        )
        .unwrap();
        assert_eq!(
            set.http.metrics_listen_address().to_string(),
            "127.0.0.1:9100"
        );
    }

    #[test]
    fn metrics_on_the_public_address_stop_start_up_naming_the_key() {
        let err = load(
            None,
            env(&[("TESSERA_HTTP__METRICS_ADDRESS", "127.0.0.1:3000")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("http.metrics_address"), "{err}");
        let err = load(None, env(&[("TESSERA_HTTP__SHUTDOWN_DELAY", "soon")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("shutdown_delay"), "{err}");
    }

    #[test]
    fn environment_variables_nest_with_double_underscores_and_win_over_the_file() {
        let mut file =
            tempfile_with("access_url = \"https://file.example\"\n[database]\npool_size = 4\n");
        file.flush().unwrap();
        let s = load(
            Some(file.path()),
            env(&[
                ("TESSERA_ACCESS_URL", "https://auth.example.com/"),
                ("TESSERA_DATABASE__POOL_SIZE", "8"),
                ("TESSERA_HTTP__TRUSTED_PROXIES", "10.0.0.0/8,192.168.0.0/16"),
                ("TESSERA_TEST_DATABASE_URL", "postgres://ignored"),
                ("TESSERA_CONFIG", "ignored.toml"),
            ]),
        )
        .unwrap();
        assert_eq!(s.access_url, "https://auth.example.com");
        assert_eq!(s.database.pool_size, 8);
        assert_eq!(s.http.trusted_proxies, ["10.0.0.0/8", "192.168.0.0/16"]);
        assert!(s.https());
    }

    #[test]
    fn kubernetes_service_links_are_not_taken_for_settings() {
        let s = load(
            None,
            env(&[
                ("TESSERA_SERVICE_HOST", "10.0.0.1"),
                ("TESSERA_PORT", "tcp://10.0.0.1:3000"),
                ("TESSERA_PORT_3000_TCP_ADDR", "10.0.0.1"),
            ]),
        );
        assert!(s.is_ok(), "{:?}", s.err());
    }

    #[test]
    fn a_numeric_looking_secret_is_kept_as_written() {
        let s = load(
            None,
            env(&[
                ("TESSERA_FIRST_USER__EMAIL", "a@example.com"),
                ("TESSERA_FIRST_USER__PASSWORD", "000123456789"),
            ]),
        )
        .unwrap();
        assert_eq!(s.first_user.password.unwrap().expose(), "000123456789");
    }

    #[test]
    fn a_lifetime_beyond_ten_years_is_refused() {
        let err = load(None, env(&[("TESSERA_SESSIONS__TTL", "100000000d")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sessions.ttl"), "{err}");
    }

    #[test]
    fn an_unknown_key_stops_start_up_naming_it() {
        let err = load(None, env(&[("TESSERA_TOKENS__ACESS_TTL", "1h")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("acess_ttl"), "{err}");
    }

    #[test]
    fn an_invalid_value_stops_start_up_naming_the_key() {
        let err = load(None, env(&[("TESSERA_TOKENS__CODE_TTL", "ten minutes")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("code_ttl"), "{err}");
        let err = load(None, env(&[("TESSERA_ACCESS_URL", "ftp://x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("access_url"), "{err}");
        let err = load(
            None,
            env(&[("TESSERA_HTTP__TRUSTED_PROXIES", "not-a-cidr")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("http.trusted_proxies"), "{err}");
    }

    #[test]
    fn the_mcp_session_settings_are_read_and_refused_when_zero_or_unknown() {
        let s = load(
            None,
            env(&[
                ("TESSERA_MCP__SESSION_IDLE_TIMEOUT", "90s"),
                ("TESSERA_MCP__MAX_SESSIONS_PER_USER", "4"),
                ("TESSERA_MCP__MAX_SESSIONS", "500"),
            ]),
        )
        .unwrap();
        assert_eq!(s.mcp.session_idle_timeout, ConfigDuration::seconds(90));
        assert_eq!((s.mcp.max_sessions_per_user, s.mcp.max_sessions), (4, 500));
        for (key, value, named) in [
            (
                "TESSERA_MCP__SESSION_IDLE_TIMEOUT",
                "0s",
                "mcp.session_idle_timeout",
            ),
            (
                "TESSERA_MCP__MAX_SESSIONS_PER_USER",
                "0",
                "mcp.max_sessions_per_user",
            ),
            ("TESSERA_MCP__MAX_SESSIONS", "0", "mcp.max_sessions"),
            ("TESSERA_MCP__MAX_SESSIONS", "-1", "max_sessions"),
            ("TESSERA_MCP__MAX_SESSION", "5", "max_session"),
        ] {
            let err = load(None, env(&[(key, value)])).unwrap_err().to_string();
            assert!(err.contains(named), "{key}={value}: {err}");
        }
    }

    struct TempFile(std::path::PathBuf, std::fs::File);
    impl TempFile {
        fn path(&self) -> &Path {
            &self.0
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.1.flush()
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    fn tempfile_with(content: &str) -> TempFile {
        let id = tessera_application::Rng::uuid(&tessera_adapters::system::OsRng::default());
        let path = std::env::temp_dir().join(format!("tessera-settings-{id}.toml"));
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(content.as_bytes()).unwrap();
        TempFile(path, file)
    }
}
