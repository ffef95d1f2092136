//! Every popular MCP client connects unmodified (issue 13): each recorded client in
//! `tests/e2e/clients/` registers with exactly its body, authorizes with exactly its redirect
//! URI, exchanges the code its way, calls `whoami` on the MCP endpoint and refreshes.

use tessera_e2e::real_clients::{load, recorded_names};
use tessera_e2e::spawn_app;

/// One test per recorded client, named after its file.
macro_rules! real_clients {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                let app = spawn_app().await;
                app.create_admin().await;
                app.replay(&load($file)).await;
            }
        )*

        #[test]
        fn every_recorded_client_has_its_test() {
            let mut listed: Vec<&str> = vec![$($file),*];
            listed.sort();
            assert_eq!(recorded_names(), listed, "list each file in tests/e2e/clients once");
        }
    };
}

real_clients! {
    chatgpt => "chatgpt",
    claude_ai => "claude-ai",
    claude_code => "claude-code",
    cline => "cline",
    codex_cli => "codex-cli",
    cursor => "cursor",
    fast_agent => "fast-agent",
    gemini_cli => "gemini-cli",
    goose => "goose",
    librechat => "librechat",
    mcp_inspector_guided => "mcp-inspector-guided",
    mcp_inspector => "mcp-inspector",
    mcp_remote => "mcp-remote",
    opencode => "opencode",
    python_sdk_1_22 => "python-sdk-1.22",
    python_sdk_example => "python-sdk-example",
    rmcp => "rmcp",
    typescript_sdk_example => "typescript-sdk-example",
    vscode_2025_no_slash => "vscode-2025-no-slash",
    vscode_busy_port => "vscode-busy-port",
    vscode => "vscode",
    zed => "zed",
}
