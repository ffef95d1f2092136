//! Handlers tested in-process, on the application's fakes: no database, no socket. A few
//! to show the seam; the end-to-end tests cover every route over HTTP.

use actix_web::http::{StatusCode, header};
use actix_web::{App, test, web};
use tessera_application::fakes::{
    CountingRng, FakeClock, FakeHasher, FakePorts, FakeRateLimits, FakeThrottle, FakeUsers,
};
use tessera_application::people::{LoginThrottle, SessionService, UserService};
use tessera_domain::RateLimit;
use time::Duration;

use super::{WebSettings, pages, users};
use crate::render::Pages;

fn settings() -> web::Data<WebSettings> {
    web::Data::new(WebSettings {
        access_url: "https://auth.example".into(),
        secure_cookies: true,
        trusted_proxies: Default::default(),
        registration_enabled: true,
    })
}

fn user_service(users: &FakeUsers) -> web::Data<UserService<FakePorts>> {
    let limit = RateLimit::new(10, Duration::minutes(1));
    web::Data::new(UserService::new(
        users.clone(),
        FakeRateLimits::default(),
        FakeHasher::default(),
        FakeClock::default(),
        CountingRng::default(),
        limit,
    ))
}

fn session_service(users: &FakeUsers) -> web::Data<SessionService<FakePorts>> {
    web::Data::new(SessionService::new(
        users.clone(),
        users.sessions(),
        FakeThrottle::default(),
        FakeHasher::default(),
        FakeClock::default(),
        CountingRng::default(),
        LoginThrottle::default(),
        Duration::hours(24),
    ))
}

#[actix_web::test]
async fn the_login_page_is_a_form_with_its_csrf_cookie() {
    let users = FakeUsers::default();
    let app = test::init_service(
        App::new()
            .app_data(session_service(&users))
            .app_data(web::Data::new(Pages::new().unwrap()))
            .app_data(settings())
            .app_data(web::Data::new(CountingRng::default()))
            .route("/login", web::get().to(pages::get_login::<FakePorts>)),
    )
    .await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/login").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get(header::CONTENT_TYPE).unwrap();
    assert!(content_type.to_str().unwrap().starts_with("text/html"));
    assert!(response.headers().contains_key(header::SET_COOKIE));
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(body.contains("<form"), "{body}");
}

#[actix_web::test]
async fn the_first_user_is_created_once() {
    let users = FakeUsers::default();
    let app = test::init_service(
        App::new()
            .app_data(user_service(&users))
            .app_data(settings())
            .route(
                "/api/v2/users/first",
                web::post().to(users::post_first_user::<FakePorts>),
            ),
    )
    .await;
    let body = serde_json::json!({
        "email": "ada@example.com",
        "username": "ada",
        "password": "correct horse battery",
    });
    let first = test::TestRequest::post()
        .uri("/api/v2/users/first")
        .set_json(&body);
    let response = test::call_service(&app, first.to_request()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(created["username"], "ada");
    assert_eq!(created["admin"], true);
    let again = test::TestRequest::post()
        .uri("/api/v2/users/first")
        .set_json(&body);
    let response = test::call_service(&app, again.to_request()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}
