use std::net::IpAddr;

use tessera_domain::{ClientMetadataError, ClientMetadataInput, OAuthError, RateLimit};
use time::Duration;

use super::*;
use crate::fakes::{CountingRng, FakeClock, FakePorts, FakeRateLimits, FakeRegistrations};

struct Harness {
    service: RegistrationService<FakePorts>,
    store: FakeRegistrations,
    clock: FakeClock,
}

fn harness(per_minute: u32, max_clients: i64) -> Harness {
    let store = FakeRegistrations::default();
    let clock = FakeClock::default();
    let service = RegistrationService::new(
        store.clone(),
        FakeRateLimits::default(),
        clock.clone(),
        CountingRng::default(),
        RegistrationPolicy {
            rate_limit: RateLimit::new(per_minute, Duration::minutes(1)),
            max_clients,
            unused_client_ttl: Duration::hours(24),
        },
    );
    Harness {
        service,
        store,
        clock,
    }
}

fn from(ip: &str) -> Actor {
    Actor {
        user_id: None,
        name: "anonymous".into(),
        ip: Some(ip.parse::<IpAddr>().unwrap()),
        user_agent: Some("test".into()),
    }
}

fn input(method: Option<&str>) -> ClientMetadataInput {
    ClientMetadataInput {
        redirect_uris: Some(vec!["https://app.example/cb".into()]),
        client_name: Some("App".into()),
        token_endpoint_auth_method: method.map(str::to_owned),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_confidential_registration_gets_a_secret_and_a_public_one_does_not() {
    let h = harness(20, 100);
    let confidential = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    assert!(confidential.client_secret.is_some());
    let public = h
        .service
        .register(input(Some("none")), &from("192.0.2.1"))
        .await
        .unwrap();
    assert!(public.client_secret.is_none());
    assert_eq!(h.store.audit.entries().len(), 2);
}

#[tokio::test]
async fn the_rate_limit_counts_per_ip_and_reopens_with_the_next_window() {
    let h = harness(2, 100);
    for _ in 0..2 {
        h.service
            .register(input(None), &from("192.0.2.1"))
            .await
            .unwrap();
    }
    let third = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap_err();
    assert!(matches!(third, RegistrationError::Throttled { .. }));
    h.service
        .register(input(None), &from("192.0.2.2"))
        .await
        .unwrap();
    h.clock.advance(Duration::minutes(1));
    h.service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn registrations_from_one_ipv6_slash_64_share_one_rate_limit() {
    let h = harness(1, 100);
    h.service
        .register(input(None), &from("2001:db8:1:2::1"))
        .await
        .unwrap();
    let err = h
        .service
        .register(input(None), &from("2001:db8:1:2:dead:beef:0:7"))
        .await
        .unwrap_err();
    assert!(matches!(err, RegistrationError::Throttled { .. }));
    h.service
        .register(input(None), &from("2001:db8:1:3::1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_client_cap_refuses_registrations_beyond_it() {
    let h = harness(20, 1);
    h.service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    let err = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap_err();
    assert!(matches!(err, RegistrationError::Refused(f) if f.error == OAuthError::AccessDenied));
}

#[tokio::test]
async fn bad_metadata_is_refused_with_its_rfc_7591_code() {
    let h = harness(20, 100);
    let mut bad = input(None);
    bad.redirect_uris = Some(vec!["http://evil.example/cb".into()]);
    let err = h
        .service
        .register(bad, &from("192.0.2.1"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RegistrationError::Invalid(ClientMetadataError::InvalidRedirectUri(_))
    ));
}

#[tokio::test]
async fn the_registration_token_guards_reading_replacing_and_deleting() {
    let h = harness(20, 100);
    let r = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    let id = r.client.id.to_string();
    let token = r.registration_token.expose();
    assert!(h.service.read(&id, Some(token)).await.is_ok());
    assert!(matches!(
        h.service.read(&id, None).await,
        Err(RegistrationError::InvalidToken)
    ));
    let other = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    let foreign = other.registration_token.expose();
    assert!(matches!(
        h.service.read(&id, Some(foreign)).await,
        Err(RegistrationError::InvalidToken)
    ));
    let unknown = uuid::Uuid::new_v4().to_string();
    assert!(matches!(
        h.service.read(&unknown, Some(token)).await,
        Err(RegistrationError::InvalidToken)
    ));
    let mut renamed = input(None);
    renamed.client_name = Some("Renamed".into());
    let replaced = h
        .service
        .replace(&id, Some(token), renamed, &from("192.0.2.1"))
        .await
        .unwrap();
    assert_eq!(replaced.metadata.client_name().unwrap().as_str(), "Renamed");
    h.service
        .delete(&id, Some(token), &from("192.0.2.1"))
        .await
        .unwrap();
    assert!(matches!(
        h.service.read(&id, Some(token)).await,
        Err(RegistrationError::InvalidToken)
    ));
}

#[tokio::test]
async fn a_replacement_cannot_turn_a_confidential_client_public() {
    let h = harness(20, 100);
    let r = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    let id = r.client.id.to_string();
    let err = h
        .service
        .replace(
            &id,
            Some(r.registration_token.expose()),
            input(Some("none")),
            &from("192.0.2.1"),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RegistrationError::Invalid(ClientMetadataError::InvalidClientMetadata(_))
    ));
    let stored = h
        .service
        .read(&id, Some(r.registration_token.expose()))
        .await
        .unwrap();
    assert_eq!(
        stored.metadata.client_type(),
        tessera_domain::ClientType::Confidential
    );
}

#[tokio::test]
async fn unused_clients_expire_after_the_ttl_and_used_ones_stay() {
    let h = harness(20, 100);
    let unused = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    let used = h
        .service
        .register(input(None), &from("192.0.2.1"))
        .await
        .unwrap();
    h.store.mark_used(used.client.id);
    h.clock.advance(Duration::hours(23));
    assert_eq!(h.service.expire_unused().await.unwrap(), 0);
    h.clock.advance(Duration::hours(2));
    assert_eq!(h.service.expire_unused().await.unwrap(), 1);
    assert_eq!(h.store.ids(), vec![used.client.id]);
    assert!(unused.client.id != used.client.id);
}
