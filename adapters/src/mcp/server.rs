//! tessera's MCP server: its identity and capabilities, and the dispatch of tool calls to
//! the use cases, as the [`Caller`] of each request.

use actix_web::web;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::oauth::OAuthService;

use super::Caller;
use super::tools::{self, ToolName};

/// One MCP server instance per session; every call reads its caller from the request.
pub struct TesseraMcp<P: Ports> {
    oauth: web::Data<OAuthService<P>>,
    apps: web::Data<AppService<P>>,
}

impl<P: Ports> TesseraMcp<P> {
    pub(crate) fn new(oauth: web::Data<OAuthService<P>>, apps: web::Data<AppService<P>>) -> Self {
        Self { oauth, apps }
    }
}

/// The caller the guard authenticated for this HTTP request.
fn caller(context: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<rmcp::model::Extensions>())
        .and_then(|extensions| extensions.get::<Caller>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("the request was not authenticated", None))
}

impl<P: Ports> ServerHandler for TesseraMcp<P> {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("tessera", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "tessera's own tools: who you are, the apps you authorized, and revoking one.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = caller(&context)?;
        Ok(ListToolsResult::with_all_items(tools::visible_to(
            &caller.user,
        )))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = caller(&context)?;
        let name = ToolName::parse(&request.name).ok_or_else(|| {
            ErrorData::invalid_params(format!("unknown tool {}", request.name), None)
        })?;
        let arguments = request.arguments.unwrap_or_default();
        // Boxed: rmcp moves this handler's future into a task of its own per request, and
        // the tools' futures (use cases down to PostgreSQL) would make that a large copy.
        let call = tools::call(name, &arguments, &caller, &self.oauth, &self.apps);
        let result = Box::pin(call).await;
        Ok(match result {
            Ok(value) => CallToolResult::structured(value),
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        }
        .into())
    }
}
