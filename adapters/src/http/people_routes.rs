//! The JSON routes of people and their accounts (SPEC §2): `/api/v2/users…` (their pages
//! are in `page_routes`).

use actix_web::middleware::from_fn;
use actix_web::web;
use tessera_application::Ports;

use super::{account_api, same_origin, user_admin, users};

/// Registers the people routes; cookie-authenticated JSON writes pass the same-origin guard.
pub(super) fn people_routes<P: Ports>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v2/users")
            .wrap(from_fn(same_origin::guard_cookie_writes))
            .route("/first", web::post().to(users::post_first_user::<P>))
            .route("/login", web::post().to(users::post_login::<P>))
            .route("/logout", web::post().to(users::post_logout::<P>))
            .route("/me", web::get().to(users::get_me::<P>))
            .route(
                "/me/password",
                web::put().to(account_api::put_password::<P>),
            )
            .route(
                "/me/sessions",
                web::delete().to(account_api::delete_sessions::<P>),
            )
            .route(
                "/reset-password",
                web::post().to(account_api::post_reset_password::<P>),
            )
            .route("", web::post().to(user_admin::post_user::<P>))
            .route("", web::get().to(user_admin::get_users::<P>))
            .route("/{user}", web::get().to(user_admin::get_user::<P>))
            .route("/{user}/roles", web::put().to(user_admin::put_roles::<P>))
            .route(
                "/{user}/status/{status}",
                web::put().to(user_admin::put_status::<P>),
            )
            .route(
                "/{user}/password-reset",
                web::post().to(user_admin::post_reset_link::<P>),
            ),
    );
}
