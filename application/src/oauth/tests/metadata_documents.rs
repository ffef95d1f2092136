//! Client ID Metadata Documents: fetching, caching and trusting a URL `client_id`.

use super::*;
use crate::fakes::{FakeCimd, FakeFetcher, FakeRateLimits};
use crate::ports::{FetchError, FetchedDocument};
use tessera_domain::{ClientMetadataInput, DomainPolicy, RateLimit};

pub(super) const URL: &str = "https://client.example/oauth/metadata.json";

pub(super) fn document(
    client_id: &str,
    redirect: &str,
    max_age: Option<Duration>,
) -> FetchedDocument {
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

/// The resolver's policy in the tests: documents on `client.example`, generous budgets.
pub(super) fn policy(domains: DomainPolicy, per_minute: u32) -> CimdPolicy {
    CimdPolicy {
        enabled: true,
        allow_http_loopback: false,
        domains,
        fetch_rate: RateLimit::new(per_minute, Duration::minutes(1)),
        url_fetch_rate: RateLimit::new(2, Duration::minutes(1)),
        max_clients: 100,
    }
}

/// An OAuth service resolving documents with `fetcher` under `policy`.
pub(super) fn service_with(
    fetcher: &FakeFetcher,
    clock: &FakeClock,
    policy: CimdPolicy,
) -> OAuthService<FakePorts> {
    let clients = FakeClients::default();
    let resolver = CimdResolver::new(
        FakeCimd::sharing(&clients),
        fetcher.clone(),
        FakeRateLimits::default(),
        clock.clone(),
        policy,
    );
    OAuthService::new(
        clients.clone(),
        FakeGrants::reading(&clients),
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

fn resolver_with(
    fetcher: &FakeFetcher,
    clock: &FakeClock,
    domains: DomainPolicy,
    per_minute: u32,
) -> OAuthService<FakePorts> {
    service_with(fetcher, clock, policy(domains, per_minute))
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
    let (client, _) = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(client.client_id(), URL);
    assert_eq!(client.client_type, ClientType::Public);
    service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(fetcher.count(), 1, "no refetch within max-age");
    clock.advance(Duration::hours(1));
    let again = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap()
        .0;
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
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
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
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
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
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
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
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Untrusted::Document(CimdError::DomainNotAllowed)
    ));
    assert_eq!(fetcher.count(), 0);
    let limited = resolver_with(&fetcher, &FakeClock::default(), DomainPolicy::default(), 1);
    let _ = limited
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await;
    let err = limited
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
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
        client_id: ClientId::parse(URL).unwrap(),
        secret: None,
    };
    let client = service.authenticate_client(&credentials).await.unwrap();
    assert_eq!(client.client_id(), URL);
    let with_secret = ClientCredentials {
        client_id: ClientId::parse(URL).unwrap(),
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
    let (client, _) = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap();
    let internal = client.id.to_string();
    let err = service
        .trusted_client(&ClientId::parse(&internal).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Untrusted::UnknownClient), "{err:?}");
    let internal = ClientId::parse(&internal).unwrap();
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

#[tokio::test]
async fn a_private_key_jwt_document_client_cannot_be_authorized() {
    let mut jwt = document(URL, "http://127.0.0.1:9/cb", None);
    jwt.metadata.token_endpoint_auth_method = Some("private_key_jwt".into());
    jwt.metadata.jwks_uri = Some("https://client.example/jwks.json".into());
    let fetcher = FakeFetcher::answering(Ok(jwt));
    let service = resolver_with(
        &fetcher,
        &FakeClock::default(),
        DomainPolicy::default(),
        100,
    );
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Untrusted::AssertionsUnsupported), "{err:?}");
}

#[tokio::test]
async fn a_new_document_client_counts_toward_the_client_cap() {
    let fetcher = FakeFetcher::answering(Ok(document(URL, "http://127.0.0.1:9/cb", None)));
    let mut full = policy(DomainPolicy::default(), 100);
    full.max_clients = 0;
    let service = service_with(&fetcher, &FakeClock::default(), full);
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Untrusted::Document(CimdError::Full)),
        "{err:?}"
    );
}

#[tokio::test]
async fn every_unusable_document_is_described_the_same_way() {
    let shown: Vec<String> = [
        CimdError::Fetch(FetchError::Status(404)),
        CimdError::Fetch(FetchError::Timeout),
        CimdError::Fetch(FetchError::NotPublic),
        CimdError::Mismatch,
        CimdError::Invalid("redirect_uris must be https"),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert!(shown.iter().all(|s| s == &shown[0]), "{shown:#?}");
    assert!(!shown[0].contains("404") && !shown[0].contains("https"));
}
