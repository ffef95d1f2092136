//! One JSON object per log line, flat: `timestamp`, `level`, `target`, `message`, the event's
//! fields, then the fields of every span it happened in, innermost first, so a line logged deep
//! inside a use case still carries the `request` span's `request_id`, `method` and `route`
//! without any call site passing them. (tracing-subscriber's own JSON format shows only the
//! innermost span's fields.)

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use super::client_faults::{CLIENT_FAULTS, client_fault};

/// The event format of `log.format = "json"`; spans must be recorded with [`JsonFields`].
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLine;

impl<S> FormatEvent<S, JsonFields> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Line::default();
        line.push("timestamp", Value::String(now()));
        match client_fault(event) {
            Some(message) => {
                line.push("level", Value::String("DEBUG".into()));
                line.push("target", Value::String(CLIENT_FAULTS.into()));
                line.push("message", Value::String(message));
            }
            None => {
                line.push("level", Value::String(meta.level().to_string()));
                line.push("target", Value::String(meta.target().to_owned()));
            }
        }
        event.record(&mut line);
        for span in ctx.event_scope().into_iter().flatten() {
            let extensions = span.extensions();
            let Some(fields) = extensions.get::<FormattedFields<JsonFields>>() else {
                continue;
            };
            if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&fields.fields) {
                for (name, value) in fields {
                    line.push(&name, value);
                }
            }
        }
        if let Some(span) = ctx.lookup_current() {
            line.push("span", Value::String(span.name().to_owned()));
        }
        writeln!(writer, "{}", Value::Object(line.0))
    }
}

/// The time of a line, in RFC 3339.
pub fn now() -> String {
    tessera_adapters::system::wall_clock()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The fields of a line in the order they were pushed; the first value of a name wins (an
/// event's own field over a span's, an inner span's over an outer one's).
#[derive(Default)]
struct Line(Map<String, Value>);

impl Line {
    fn push(&mut self, name: &str, value: Value) {
        self.0.entry(name).or_insert(value);
    }
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field.name(), Value::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field.name(), Value::String(value.to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field.name(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field.name(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field.name(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field.name(), Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.push(field.name(), Value::String(value.to_string()));
    }
}
