//! Logging, set up once: pretty for people, JSON for collectors; `RUST_LOG` overrides the level.

mod client_faults;
mod json_line;

use client_faults::{ClientFaults, Demoted};
use json_line::JsonLine;
use tracing::Subscriber;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::{self, MakeWriter, format::JsonFields};
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Layer};

use crate::settings::LogFormat;

/// Targets that log SQL parameters (password hashes, credential hashes) at debug level:
/// capped at info whatever `RUST_LOG` says, since no hash may reach a log (SPEC §7).
const PARAMETER_LOGGERS: [&str; 2] = ["tokio_postgres::query", "tokio_postgres::simple_query"];

/// Without `RUST_LOG`: `info`, but the MCP SDK only from `warn` (it logs three `info` lines
/// per MCP request: service started, input ended, serve finished).
const DEFAULT_FILTER: &str = "info,rmcp=warn";

/// The level filter: `RUST_LOG` (default `info`), with the parameter loggers capped.
fn filter(rust_log: Option<&str>) -> EnvFilter {
    let mut filter = rust_log
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    for target in PARAMETER_LOGGERS {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(format: LogFormat) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let _ = subscriber(format, filter(rust_log.as_deref()), std::io::stderr).try_init();
}

/// The log pipeline: the level filter, [`ClientFaults`] (a client's faults are no errors),
/// and the line format.
fn subscriber<W>(format: LogFormat, filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let shown = filter
        .max_level_hint()
        .is_some_and(|level| level >= LevelFilter::DEBUG);
    let lines = match format {
        LogFormat::Pretty => fmt::layer()
            .with_writer(writer)
            .event_format(Demoted(fmt::format()))
            .boxed(),
        LogFormat::Json => fmt::layer()
            .with_writer(writer)
            .fmt_fields(JsonFields::new())
            .event_format(JsonLine)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(ClientFaults { shown })
        .with(lines)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `log` writes in `format` under `RUST_LOG=rust_log`.
    fn logged(format: LogFormat, rust_log: &str, log: impl FnOnce()) -> String {
        logged_under(format, Some(rust_log), log)
    }

    /// What `log` writes in `format` under `RUST_LOG=rust_log`, or with it unset.
    fn logged_under(format: LogFormat, rust_log: Option<&str>, log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(format, filter(rust_log), move || writer.clone());
        tracing::subscriber::with_default(subscriber, log);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    fn logged_with(rust_log: &str) -> String {
        logged(LogFormat::Pretty, rust_log, || {
            tracing::debug!(target: "tokio_postgres::query", "executing with parameters: $argon2id$hash");
            tracing::debug!(target: "tessera_adapters", "our own debug line");
        })
    }

    fn json_lines(out: &str) -> Vec<serde_json::Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn sql_parameters_never_reach_the_log_even_at_debug_or_trace() {
        for level in [
            "debug",
            "trace",
            "tokio_postgres=trace",
            "debug,tokio_postgres::query=trace",
        ] {
            let out = logged_with(level);
            assert!(!out.contains("argon2id"), "{level}: {out}");
        }
        assert!(logged_with("debug").contains("our own debug line"));
    }

    #[test]
    fn a_json_line_logged_deep_inside_a_request_carries_its_request_id() {
        let out = logged(LogFormat::Json, "info", || {
            let request = tracing::info_span!(
                "request",
                request_id = "0f3a9c2e77aa4b1e",
                method = "POST",
                route = "/oauth2/tokens"
            );
            let _request = request.enter();
            let use_case = tracing::info_span!("refresh", client_id = "c-1");
            let _use_case = use_case.enter();
            tracing::warn!(client_id = "c-1", "refresh token reused; grant revoked");
        });
        let lines = json_lines(&out);
        let line = &lines[0];
        assert_eq!(line["request_id"], "0f3a9c2e77aa4b1e", "{out}");
        assert_eq!(line["route"], "/oauth2/tokens");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "refresh token reused; grant revoked");
        assert_eq!(line["client_id"], "c-1");
    }

    #[test]
    fn a_clients_malformed_request_is_logged_at_debug_and_never_as_an_error() {
        let malformed = || {
            tracing::error!(
                target: "actix_http::h1::dispatcher",
                "stream error: request parse error: invalid Header provided"
            );
            tracing::info!("the next line");
        };
        let at_info = logged(LogFormat::Json, "info", malformed);
        assert!(!at_info.contains("invalid Header"), "{at_info}");
        assert!(at_info.contains("the next line"), "{at_info}");

        let at_debug = json_lines(&logged(LogFormat::Json, "debug", malformed));
        let line = at_debug
            .iter()
            .find(|l| l["target"] == "tessera::client")
            .unwrap();
        assert_eq!(line["level"], "DEBUG");
        assert!(
            line["message"]
                .as_str()
                .unwrap()
                .contains("invalid Header provided")
        );
        let pretty = logged(LogFormat::Pretty, "debug", malformed);
        assert!(
            pretty.contains("DEBUG tessera::client: stream error"),
            "{pretty}"
        );
        assert!(!pretty.contains("ERROR"), "{pretty}");
    }

    #[test]
    fn a_server_side_error_of_actix_http_stays_an_error() {
        let out = logged(LogFormat::Json, "info", || {
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: body error: boom");
        });
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{out}");
        assert_eq!(lines[0]["level"], "ERROR");
        assert!(lines[0]["message"].as_str().unwrap().contains("boom"));
    }

    #[test]
    fn by_default_the_mcp_sdk_logs_only_warnings_and_tessera_logs_info() {
        let lines = || {
            tracing::info!(target: "rmcp::service", "serve finished");
            tracing::info!(target: "tessera_adapters", "our own info line");
        };
        let out = logged_under(LogFormat::Json, None, lines);
        assert!(out.contains("our own info line"), "{out}");
        assert!(!out.contains("serve finished"), "{out}");
        let asked = logged(LogFormat::Json, "info", lines);
        assert!(asked.contains("serve finished"), "RUST_LOG decides");
    }
}
