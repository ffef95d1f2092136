//! The routes of people and their accounts (SPEC §2): `/api/v2/users…`, `/settings/users`,
//! `/settings/account` and `/reset-password`.

use actix_web::middleware::from_fn;
use actix_web::web;
use tessera_application::Ports;

use super::{account_api, account_pages, same_origin, user_admin, user_pages, users};

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
    )
    .service(
        web::scope("/settings/users")
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
    .route(
        "/settings/account",
        web::get().to(account_pages::get_account::<P>),
    )
    .route(
        "/settings/account/password",
        web::post().to(account_pages::post_password::<P>),
    )
    .route(
        "/settings/account/sign-out-everywhere",
        web::post().to(account_pages::post_sign_out_everywhere::<P>),
    )
    .route(
        "/reset-password",
        web::get().to(account_pages::get_reset::<P>),
    )
    .route(
        "/reset-password",
        web::post().to(account_pages::post_reset::<P>),
    );
}
