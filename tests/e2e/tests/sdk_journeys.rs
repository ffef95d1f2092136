//! The journey SPEC opens with, driven by the MCP SDKs people use, with their default settings
//! and the client metadata of their own OAuth examples: the TypeScript SDK
//! (`@modelcontextprotocol/sdk`) and the Python SDK (`mcp`, its 2.x and 1.x lines), run from `tests/clients` (install
//! them with `make clients`). Each knows only the MCP URL, discovers tessera, registers, sends
//! the admin through login and consent, calls `whoami`, refreshes through its own refresh path
//! and calls `whoami` again.

use serde_json::json;
use tessera_e2e::sdk_clients::{Sdk, run_journey};
use tessera_e2e::spawn_app;

#[tokio::test]
async fn the_typescript_sdk_registers_without_an_application_type_signs_in_calls_tools_and_refreshes()
 {
    let app = spawn_app().await;
    app.create_admin().await;

    let journey = run_journey(&app, Sdk::TypeScript).await;

    // The SDK's example metadata, plus the scope it took from the resource's metadata; no
    // `application_type`, so tessera must infer `native` from the loopback redirect URI.
    let sent = journey.assert_registered();
    let example = json!({
        "client_name": "Simple OAuth MCP Client",
        "redirect_uris": ["http://localhost:8090/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_post",
        "scope": "mcp",
    });
    assert_eq!(sent, &example, "{journey}");
    journey.assert_complete(&app).await;
}

#[tokio::test]
async fn the_python_sdk_registers_signs_in_calls_tools_and_refreshes() {
    let app = spawn_app().await;
    app.create_admin().await;

    let journey = run_journey(&app, Sdk::Python).await;

    // The SDK's example metadata, plus the scope it took from the resource's metadata and
    // the `application_type: native` the SDK sends by default.
    let sent = journey.assert_registered();
    let example = json!({
        "client_name": "Simple Auth Client",
        "redirect_uris": ["http://localhost:3030/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "mcp",
        "application_type": "native",
    });
    assert_eq!(sent, &example, "{journey}");
    journey.assert_complete(&app).await;
    assert!(!journey.stderr.contains("termination failed"), "{journey}");
}

#[tokio::test]
async fn the_python_sdk_1_x_registers_without_an_application_type_signs_in_and_refreshes() {
    let app = spawn_app().await;
    app.create_admin().await;

    let journey = run_journey(&app, Sdk::PythonV1).await;

    // The 1.x line sends the example's metadata and the scope, but no `application_type`:
    // tessera must infer `native` from the loopback redirect URI.
    let sent = journey.assert_registered();
    let example = json!({
        "client_name": "Simple Auth Client",
        "redirect_uris": ["http://localhost:3030/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "mcp",
    });
    assert_eq!(sent, &example, "{journey}");
    journey.assert_complete(&app).await;
}
