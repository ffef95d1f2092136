//! Logging, set up once: pretty for people, JSON for collectors; `RUST_LOG` overrides the level.

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// Targets that log SQL parameters (password hashes, credential hashes) at debug level:
/// capped at info whatever `RUST_LOG` says, since no hash may reach a log (SPEC §7).
const PARAMETER_LOGGERS: [&str; 2] = ["tokio_postgres::query", "tokio_postgres::simple_query"];

/// Without `RUST_LOG`: `info`, but the MCP SDK only from `warn` (it logs three `info` lines
/// per MCP request: service started, input ended, serve finished).
const DEFAULT_FILTER: &str = "info,rmcp=warn";

/// The level filter: `RUST_LOG` (default [`DEFAULT_FILTER`]), with the parameter loggers
/// capped.
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(rust_log.as_deref()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            // The `request` span puts `request_id`, `method` and `route` on every line.
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
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

    fn logged_with(rust_log: &str) -> String {
        logged_under(Some(rust_log))
    }

    fn logged_under(rust_log: Option<&str>) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter(rust_log))
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "tokio_postgres::query", "executing with parameters: $argon2id$hash");
            tracing::debug!(target: "tessera_adapters", "our own debug line");
            tracing::info!(target: "rmcp::service", "serve finished");
            tracing::info!(target: "tessera_adapters", "our own info line");
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
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
    fn by_default_the_mcp_sdk_logs_only_warnings_and_tessera_logs_info() {
        let out = logged_under(None);
        assert!(out.contains("our own info line"), "{out}");
        assert!(!out.contains("serve finished"), "{out}");
        assert!(
            logged_with("info").contains("serve finished"),
            "RUST_LOG decides"
        );
    }
}
