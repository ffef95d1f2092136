//! The routes of the HTML pages (SPEC §2, §3, §9), each wrapped in [`error_pages`] so a
//! handler's [`PageError`](super::page_error::PageError) is answered with the error page.

use actix_web::middleware::from_fn;
use actix_web::{guard, web};
use tessera_application::Ports;

use super::page_error::error_pages;
use super::{
    account_pages, app_list_page, app_pages, audit_pages, authorized_apps, mcp_server_pages, pages,
    user_pages,
};

/// Registers every page route. A path serves only the methods it has (a resource per
/// method, as `ServiceConfig::route` makes them): others fall through to the 404.
pub(super) fn page_routes<P: Ports>(cfg: &mut web::ServiceConfig) {
    let get = |path: &str| {
        web::resource(path.to_owned())
            .guard(guard::Get())
            .wrap(from_fn(error_pages))
    };
    let post = |path: &str| {
        web::resource(path.to_owned())
            .guard(guard::Post())
            .wrap(from_fn(error_pages))
    };
    let section = |path: &str| web::scope(path).wrap(from_fn(error_pages));
    cfg.service(get("/").to(pages::get_home::<P>))
        .service(get("/setup").to(pages::get_setup::<P>))
        .service(post("/setup").to(pages::post_setup::<P>))
        .service(get("/login").to(pages::get_login::<P>))
        .service(post("/login").to(pages::post_login::<P>))
        .service(post("/logout").to(pages::post_logout::<P>))
        .service(get("/reset-password").to(account_pages::get_reset::<P>))
        .service(post("/reset-password").to(account_pages::post_reset::<P>))
        .service(get("/settings/account").to(account_pages::get_account::<P>))
        .service(post("/settings/account/password").to(account_pages::post_password::<P>))
        .service(
            post("/settings/account/sign-out-everywhere")
                .to(account_pages::post_sign_out_everywhere::<P>),
        )
        .service(get("/settings/authorized-apps").to(authorized_apps::get_authorized_apps::<P>))
        .service(
            post("/settings/authorized-apps/{client_id}/revoke")
                .to(authorized_apps::post_revoke::<P>),
        )
        .service(get("/settings/audit").to(audit_pages::get_audit_page::<P>))
        .service(
            section("/settings/users")
                .route("", web::get().to(user_pages::get_list::<P>))
                .route("", web::post().to(user_pages::post_create::<P>))
                .route(
                    "/{id}/reset-password",
                    web::post().to(user_pages::post_reset_link::<P>),
                )
                .route(
                    "/{id}/{action}",
                    web::post().to(user_pages::post_change::<P>),
                ),
        )
        .service(
            section("/settings/oauth2-apps")
                .route("", web::get().to(app_list_page::get_list::<P>))
                .route(
                    "/bulk-delete",
                    web::post().to(app_list_page::post_bulk_delete::<P>),
                )
                .route("", web::post().to(app_pages::post_create::<P>))
                .route("/{app}", web::get().to(app_pages::get_app::<P>))
                .route("/{app}", web::post().to(app_pages::post_update::<P>))
                .route("/{app}/delete", web::post().to(app_pages::post_delete::<P>))
                .route(
                    "/{app}/{action:block|unblock}",
                    web::post().to(app_pages::post_block::<P>),
                )
                .route(
                    "/{app}/secrets",
                    web::post().to(app_pages::post_secret::<P>),
                )
                .route(
                    "/{app}/secrets/{secret}/delete",
                    web::post().to(app_pages::post_delete_secret::<P>),
                ),
        )
        .service(
            section("/settings/mcp-servers")
                .route("", web::get().to(mcp_server_pages::get_list::<P>))
                .route("", web::post().to(mcp_server_pages::post_create::<P>))
                .route("/{slug}", web::get().to(mcp_server_pages::get_server::<P>))
                .route(
                    "/{slug}",
                    web::post().to(mcp_server_pages::post_update::<P>),
                )
                .route(
                    "/{slug}/delete",
                    web::post().to(mcp_server_pages::post_delete::<P>),
                )
                .route(
                    "/{slug}/credentials",
                    web::post().to(mcp_server_pages::post_credential::<P>),
                )
                .route(
                    "/{slug}/credentials/{id}/delete",
                    web::post().to(mcp_server_pages::post_delete_credential::<P>),
                ),
        );
}
