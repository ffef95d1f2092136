//! Client ID Metadata Documents: fetching, caching and trusting a URL `client_id`.

use super::*;
use crate::fakes::{FakeCimd, FakeFetcher, FakeRateLimits};
use crate::ports::{FetchError, FetchedDocument};
use tessera_domain::{ClientMetadataInput, DomainPolicy, RateLimit};

const URL: &str = "https://client.example/oauth/metadata.json";

fn document(client_id: &str, redirect: &str, max_age: Option<Duration>) -> FetchedDocument {
    FetchedDocument {
        client_id: Some(client_id.to_owned()),
        metadata: ClientMetadataInput {
            redirect_uris: Some(vec![redirect.to_owned()]),
            client_name: Some("Doc client".into()),
            application_type: Some("native".into()),
            ..Default::default()
        },
        json: "{}".into(),
        max_age,
    }
}

fn resolver_with(
    fetcher: &FakeFetcher,
    clock: &FakeClock,
    domains: DomainPolicy,
    per_minute: u32,
) -> OAuthService<FakePorts> {
    let clients = FakeClients::default();
    let resolver = CimdResolver::new(
        FakeCimd::sharing(&clients),
        fetcher.clone(),
        FakeRateLimits::default(),
        clock.clone(),
        CimdPolicy {
            enabled: true,
            allow_http_loopback: false,
            domains,
            fetch_rate: RateLimit::new(per_minute, Duration::minutes(1)),
        },
    );
    OAuthService::new(
        clients,
        FakeGrants::default(),
        clock.clone(),
        CountingRng::default(),
        TokenPolicy {
            access_ttl: Duration::hours(1),
            refresh_ttl: Duration::days(30),
            code_ttl: Duration::minutes(10),
            refresh_reuse_grace: Duration::seconds(10),
        },
        Resources::new(ACCESS_URL),
    )
    .with_cimd(resolver)
}

#[tokio::test]
async fn a_document_is_fetched_once_and_cached_until_its_max_age_passes() {
    let fetcher = FakeFetcher::answering(Ok(document(
        URL,
        "http://127.0.0.1:9/cb",
        Some(Duration::hours(1)),
    )));
    let clock = FakeClock::default();
    let service = resolver_with(&fetcher, &clock, DomainPolicy::default(), 100);
    let (client, _) = service.trusted_client(Some(URL), None).await.unwrap();
    assert_eq!(client.client_id(), URL);
    assert_eq!(client.client_type, ClientType::Public);
    service.trusted_client(Some(URL), None).await.unwrap();
    assert_eq!(fetcher.count(), 1, "no refetch within max-age");
    clock.advance(Duration::hours(1));
    let again = service.trusted_client(Some(URL), None).await.unwrap().0;
    assert_eq!(fetcher.count(), 2, "refetched after it");
    assert_eq!(again.id, client.id, "the same client");
}

#[tokio::test]
async fn a_document_naming_another_client_id_is_refused() {
    let fetcher = FakeFetcher::answering(Ok(document(
        "https://client.example/other.json",
        "http://127.0.0.1:9/cb",
        None,
    )));
    let service = resolver_with(
        &fetcher,
        &FakeClock::default(),
        DomainPolicy::default(),
        100,
    );
    let err = service.trusted_client(Some(URL), None).await.unwrap_err();
    assert!(matches!(err, Untrusted::Document(CimdError::Mismatch)));
}

#[tokio::test]
async fn a_document_breaking_a_registration_rule_is_refused() {
    let fetcher = FakeFetcher::answering(Ok(document(URL, "http://evil.example/cb", None)));
    let service = resolver_with(
        &fetcher,
        &FakeClock::default(),
        DomainPolicy::default(),
        100,
    );
    let err = service.trusted_client(Some(URL), None).await.unwrap_err();
    assert!(matches!(err, Untrusted::Document(CimdError::Invalid(_))));
}

#[tokio::test]
async fn a_failed_fetch_is_an_untrusted_request_never_a_redirect() {
    let fetcher = FakeFetcher::answering(Err(FetchError::TooLarge));
    let service = resolver_with(
        &fetcher,
        &FakeClock::default(),
        DomainPolicy::default(),
        100,
    );
    let err = service.trusted_client(Some(URL), None).await.unwrap_err();
    assert!(matches!(
        err,
        Untrusted::Document(CimdError::Fetch(FetchError::TooLarge))
    ));
}

#[tokio::test]
async fn denied_hosts_are_never_fetched_and_fetches_per_host_are_limited() {
    let fetcher = FakeFetcher::default();
    let denied = DomainPolicy::new(&[], &["client.example".into()]);
    let service = resolver_with(&fetcher, &FakeClock::default(), denied, 100);
    let err = service.trusted_client(Some(URL), None).await.unwrap_err();
    assert!(matches!(
        err,
        Untrusted::Document(CimdError::DomainNotAllowed)
    ));
    assert_eq!(fetcher.count(), 0);
    let limited = resolver_with(&fetcher, &FakeClock::default(), DomainPolicy::default(), 1);
    let _ = limited.trusted_client(Some(URL), None).await;
    let err = limited.trusted_client(Some(URL), None).await.unwrap_err();
    assert!(matches!(err, Untrusted::Document(CimdError::Throttled)));
}

#[tokio::test]
async fn a_url_client_id_authenticates_at_the_token_endpoint_as_a_public_client() {
    let fetcher = FakeFetcher::answering(Ok(document(URL, "http://127.0.0.1:9/cb", None)));
    let service = resolver_with(
        &fetcher,
        &FakeClock::default(),
        DomainPolicy::default(),
        100,
    );
    let credentials = ClientCredentials {
        client_id: URL.into(),
        secret: None,
    };
    let (client, usage) = service.authenticate_client(&credentials).await.unwrap();
    assert_eq!(usage.client_id, client.id);
    let with_secret = ClientCredentials {
        client_id: URL.into(),
        secret: Some(tessera_domain::SecretString::new("x".into())),
    };
    assert!(service.authenticate_client(&with_secret).await.is_err());
}

#[tokio::test]
async fn a_document_client_is_never_found_by_its_internal_id() {
    let fetcher = FakeFetcher::answering(Ok(document(URL, "http://127.0.0.1:9/cb", None)));
    let service = resolver_with(
        &fetcher,
        &FakeClock::default(),
        DomainPolicy::default(),
        100,
    );
    let (client, _) = service.trusted_client(Some(URL), None).await.unwrap();
    let internal = client.id.to_string();
    let err = service
        .trusted_client(Some(&internal), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Untrusted::UnknownClient), "{err:?}");
    let by_id = ClientCredentials {
        client_id: internal.clone(),
        secret: None,
    };
    assert!(service.authenticate_client(&by_id).await.is_err());
    let revoked = service
        .revoke_authorization(&user("member", false), &internal, &actor())
        .await
        .unwrap();
    assert!(!revoked, "not known by its internal id");
}
