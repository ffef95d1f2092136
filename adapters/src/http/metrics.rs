//! Prometheus metrics at `GET /metrics` on a listener of their own (`http.metrics_address`,
//! SPEC §8), never on the public one: requests by route and status with latency histograms,
//! requests in flight, tokens issued, refreshed and revoked, registrations, failed logins,
//! and the database pool. Labels are route patterns, never raw paths or credentials.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use std::sync::Arc;

use crate::postgres::{Database, RecordCache};

/// Every metric tessera exports, registered once per process.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    tokens: IntCounterVec,
    registrations: IntCounter,
    login_failures: IntCounter,
    pool: IntGaugeVec,
    token_cache: IntGaugeVec,
    db: Database,
    bearer_cache: Arc<RecordCache>,
    /// Requests at least this slow are logged with where their time went (`log.slow_request`).
    slow_request: Option<std::time::Duration>,
}

/// What happened at the token endpoint, for `tessera_tokens_total{event}`.
#[derive(Debug, Clone, Copy)]
pub enum TokenEvent {
    /// A code was exchanged.
    Issued,
    /// A refresh token was rotated.
    Refreshed,
    /// A token or a whole authorization was revoked.
    Revoked,
}

impl Metrics {
    /// Creates and registers the metrics; the pool of `db` and `bearer_cache` are
    /// read at each scrape.
    pub fn new(db: Database, bearer_cache: Arc<RecordCache>) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("tessera".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status.",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency.").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["method", "route"],
        )?;
        let in_flight = IntGauge::new(
            "http_requests_in_flight",
            "HTTP requests received and not yet answered.",
        )?;
        let tokens = IntCounterVec::new(
            Opts::new("tokens_total", "Tokens issued, refreshed and revoked."),
            &["event"],
        )?;
        let registrations =
            IntCounter::new("registrations_total", "Dynamic client registrations.")?;
        let login_failures = IntCounter::new("login_failures_total", "Failed logins.")?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool: connections in use, idle, waiting.",
            ),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(tokens.clone()))?;
        registry.register(Box::new(registrations.clone()))?;
        registry.register(Box::new(login_failures.clone()))?;
        let token_cache = IntGaugeVec::new(
            Opts::new(
                "bearer_cache",
                "In-memory access tokens: enabled (0/1), entries, hits, misses, outages (listener lost).",
            ),
            &["stat"],
        )?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(token_cache.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            in_flight,
            tokens,
            registrations,
            login_failures,
            pool,
            token_cache,
            db,
            bearer_cache,
            slow_request: None,
        })
    }

    /// Logs every request that takes at least `threshold`, with where its time went.
    pub fn with_slow_request_log(self, threshold: Option<std::time::Duration>) -> Self {
        Self {
            slow_request: threshold,
            ..self
        }
    }

    /// Counts a token event.
    pub fn token(&self, event: TokenEvent) {
        let label = match event {
            TokenEvent::Issued => "issued",
            TokenEvent::Refreshed => "refreshed",
            TokenEvent::Revoked => "revoked",
        };
        self.tokens.with_label_values(&[label]).inc();
    }

    /// Counts a dynamic registration.
    pub fn registration(&self) {
        self.registrations.inc();
    }

    /// Counts a failed login.
    pub fn login_failure(&self) {
        self.login_failures.inc();
    }

    fn render(&self) -> Result<String, prometheus::Error> {
        let status = self.db.status();
        let in_use = status.size.saturating_sub(status.available);
        self.pool.with_label_values(&["in_use"]).set(in_use as i64);
        self.pool
            .with_label_values(&["idle"])
            .set(status.available as i64);
        self.pool
            .with_label_values(&["waiting"])
            .set(status.waiting as i64);
        let cache = self.bearer_cache.stats();
        let saturating = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        for (stat, value) in [
            ("enabled", i64::from(cache.enabled)),
            ("entries", saturating(cache.entries as u64)),
            ("hits", saturating(cache.hits)),
            ("misses", saturating(cache.misses)),
            ("outages", saturating(cache.outages)),
        ] {
            self.token_cache.with_label_values(&[stat]).set(value);
        }
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// The `method` label: one of the standard methods, else `other`, so that invented method
/// names cannot grow the label set (every label is bounded: the route is a registered
/// pattern or `unmatched`, the status a number the server chose).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

/// Middleware: counts and times every request under its route pattern.
pub async fn observe(
    metrics: web::Data<Metrics>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let _in_flight = InFlight::enter(&metrics.in_flight);
    let (response, waits) = crate::timing::measured(next.call(req)).await;
    let response = response?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    let took = started.elapsed();
    if metrics.slow_request.is_some_and(|slow| took >= slow) {
        log_slow(method, &route, &status, took, &waits);
    }
    metrics.record(method, &route, &status, took);
    Ok(response)
}

impl Metrics {
    /// Counts one answered request and its latency under its labels.
    fn record(&self, method: &str, route: &str, status: &str, took: std::time::Duration) {
        let requests = self.requests.with_label_values(&[method, route, status]);
        requests.inc();
        let latency = self.latency.with_label_values(&[method, route]);
        latency.observe(took.as_secs_f64());
    }
}

/// Logs a slow request with where its time went: a pool wait points at too few connections
/// or slow queries holding them, a hashing wait at logins queued behind each other; neither,
/// at the handler or the machine (CPU, scheduling, the disk).
fn log_slow(
    method: &str,
    route: &str,
    status: &str,
    took: std::time::Duration,
    waits: &crate::timing::Waits,
) {
    tracing::warn!(
        method,
        route,
        status,
        took_ms = took.as_millis() as u64,
        pool_wait_ms = waits.pool.as_millis() as u64,
        checkouts = waits.checkouts,
        hashing_ms = waits.hashing.as_millis() as u64,
        "slow request"
    );
}

/// Counts a request in flight for as long as it lives, however its handling ends.
struct InFlight(IntGauge);

impl InFlight {
    fn enter(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The routes of the metrics listener: `GET /metrics`, and 404 for anything else.
pub fn metrics_routes(metrics: web::Data<Metrics>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(metrics)
            .route("/metrics", web::get().to(get_metrics))
            .default_service(web::to(HttpResponse::NotFound));
    }
}

/// `GET /metrics`, in the Prometheus text format.
pub(crate) async fn get_metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "rendering metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    use super::method_label;

    #[test]
    fn standard_methods_are_their_own_label_and_any_other_is_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        for invented in ["FROBNICATE", "get", "X1234"] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "other", "{invented}");
        }
    }
}
