//! actix-http logs at ERROR what a client did wrong on its connection: a malformed request
//! head ("stream error: request parse error: …"), a head that never completed, a reset
//! connection. Those are the client's fault and say nothing about the server, and any client
//! could fill the log with them: they are shown as DEBUG lines of target `tessera::client`
//! (when `RUST_LOG` enables debug), and dropped otherwise. Every other ERROR of actix-http
//! stays an ERROR.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Where actix-http's connection-level errors come from.
const ACTIX_HTTP: &str = "actix_http::h1";

/// The target the client's faults are shown under.
pub const CLIENT_FAULTS: &str = "tessera::client";

/// How actix-http words what a client did wrong.
const CLIENT_FAULT_MESSAGES: [&str; 6] = [
    "stream error: request parse error",
    "stream error: request did not complete within the specified timeout",
    "stream error: connection shutdown timeout",
    "stream error: I/O error",
    "stream error: handler dropped payload before reading EOF",
    "MAX_BUFFER_SIZE unprocessed data reached",
];

/// The message of `event` when it is actix-http telling of a client's fault.
pub fn client_fault(event: &Event<'_>) -> Option<String> {
    let meta = event.metadata();
    if *meta.level() != Level::ERROR || !meta.target().starts_with(ACTIX_HTTP) {
        return None;
    }
    let mut message = Message::default();
    event.record(&mut message);
    CLIENT_FAULT_MESSAGES
        .iter()
        .any(|m| message.0.starts_with(m))
        .then_some(message.0)
}

/// A layer that drops the client's faults unless debug lines are wanted.
#[derive(Debug, Clone, Copy)]
pub struct ClientFaults {
    /// Whether `RUST_LOG` enables debug lines anywhere.
    pub shown: bool,
}

impl<S: Subscriber> Layer<S> for ClientFaults {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        self.shown || client_fault(event).is_none()
    }
}

/// A text format that writes the client's faults as DEBUG lines of [`CLIENT_FAULTS`].
#[derive(Debug, Clone)]
pub struct Demoted<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for Demoted<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        match client_fault(event) {
            Some(message) => writeln!(
                writer,
                "{} DEBUG {CLIENT_FAULTS}: {message}",
                super::json_line::now()
            ),
            None => self.0.format_event(ctx, writer, event),
        }
    }
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }
}
