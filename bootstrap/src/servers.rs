//! The two HTTP servers: the public one (every route, behind the middleware stack) and the
//! one that serves only `GET /metrics`.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tessera_adapters::http::{self, Draining, HttpState, Metrics};
use tessera_adapters::mcp::McpEndpoint;
use tessera_adapters::relay::Relay;

use crate::settings::{ConfigDuration, Settings};
use crate::startup::Production;

/// The public server on `listener`: the routes of `state`, the relay to protected MCP
/// servers and the MCP endpoint, each request timed, counted, given an id and cut off from
/// its event stream when the drain begins. The relay's `/mcp/{slug}` is mounted before the
/// endpoint's `/mcp` scope, which would otherwise take it.
pub(crate) fn public(
    listener: TcpListener,
    state: HttpState<Production>,
    (relay, mcp): (Relay, McpEndpoint<Production>),
    draining: Draining,
    settings: &Settings,
) -> std::io::Result<Server> {
    let metrics = state.metrics.clone();
    Ok(HttpServer::new(move || {
        let metrics = metrics.clone();
        let draining = draining.clone();
        let (relay, mcp) = (relay.clone(), mcp.clone());
        App::new()
            .wrap(from_fn(move |req, next| {
                http::end_event_streams_on_drain(draining.clone(), req, next)
            }))
            .wrap(from_fn(http::time_out_bodies))
            .wrap(http::default_headers())
            .wrap(from_fn(move |req, next| {
                http::observe_metrics(metrics.clone(), req, next)
            }))
            .wrap(from_fn(http::with_request_id))
            .configure(http::routes(state.clone()))
            .configure(|cfg| relay.mount::<Production>(cfg))
            .configure(|cfg| mcp.mount(cfg))
    })
    // Streamed replies (MCP over SSE) must not wait for Nagle and delayed ACKs (~40 ms each).
    .tcp_nodelay(true)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(whole_seconds(settings.http.shutdown_timeout))
    .run())
}

/// The server of `GET /metrics` on its own listener, so the Ingress never routes to it.
pub(crate) fn metrics(
    listener: TcpListener,
    metrics: web::Data<Metrics>,
    settings: &Settings,
) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .wrap(http::default_headers())
            .configure(http::metrics_routes(metrics.clone()))
    })
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(whole_seconds(settings.http.shutdown_timeout))
    .run())
}

/// A configured duration in whole seconds, as actix-web takes them.
pub(crate) fn whole_seconds(duration: ConfigDuration) -> u64 {
    duration.get().whole_seconds().unsigned_abs()
}
