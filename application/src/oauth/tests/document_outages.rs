//! A document client through junk on its host, its host going down, and its document
//! being removed (issue 14 #3).

use super::metadata_documents::{URL, document, policy, service_with};
use super::*;
use crate::fakes::FakeFetcher;
use crate::ports::{FetchError, FetchedDocument};
use tessera_domain::DomainPolicy;

const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// A service whose fetcher serves the good document, with `per_host` new URLs per minute.
fn known_client(per_host: u32) -> (OAuthService<FakePorts>, FakeFetcher, FakeClock) {
    let fetcher = FakeFetcher::answering(Ok(document(URL, REDIRECT, None)));
    let clock = FakeClock::default();
    let service = service_with(&fetcher, &clock, policy(DomainPolicy::default(), per_host));
    (service, fetcher, clock)
}

fn answer(fetcher: &FakeFetcher, with: Result<FetchedDocument, FetchError>) {
    *fetcher.answer.lock().unwrap() = with;
}

#[tokio::test]
async fn junk_urls_spending_the_host_budget_do_not_stop_a_known_document_being_fetched_again() {
    let (service, fetcher, clock) = known_client(1);
    service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap();
    clock.advance(Duration::minutes(5));
    answer(&fetcher, Err(FetchError::Status(404)));
    let junk = "https://client.example/junk.json";
    assert!(
        service
            .trusted_client(&ClientId::parse(junk).unwrap(), None)
            .await
            .is_err()
    );
    let err = service
        .trusted_client(&ClientId::parse(junk).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Untrusted::Document(CimdError::Throttled)));
    answer(&fetcher, Ok(document(URL, REDIRECT, None)));
    let before = fetcher.count();
    service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        fetcher.count(),
        before + 1,
        "fetched again, on its own budget"
    );
}

#[tokio::test]
async fn a_url_that_failed_is_not_fetched_again_before_its_window_ends() {
    let (service, fetcher, clock) = known_client(100);
    answer(&fetcher, Err(FetchError::Status(404)));
    let missing = "https://client.example/missing.json";
    for _ in 0..10 {
        assert!(
            service
                .trusted_client(&ClientId::parse(missing).unwrap(), None)
                .await
                .is_err()
        );
    }
    assert_eq!(fetcher.count(), 2);
    clock.advance(Duration::minutes(1));
    assert!(
        service
            .trusted_client(&ClientId::parse(missing).unwrap(), None)
            .await
            .is_err()
    );
    assert_eq!(fetcher.count(), 3, "tried again in the next window");
}

#[tokio::test]
async fn an_expired_document_is_used_while_its_host_is_down_for_up_to_a_day() {
    let (service, fetcher, clock) = known_client(100);
    let (client, _) = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap();
    for failure in [
        FetchError::Timeout,
        FetchError::Unreachable,
        FetchError::Status(503),
    ] {
        clock.advance(Duration::minutes(5));
        answer(&fetcher, Err(failure));
        let (stale, _) = service
            .trusted_client(&ClientId::parse(URL).unwrap(), None)
            .await
            .unwrap();
        assert_eq!(stale.id, client.id);
        let by_url = ClientCredentials {
            client_id: ClientId::parse(URL).unwrap(),
            secret: None,
        };
        service.authenticate_client(&by_url).await.unwrap();
    }
    clock.advance(Duration::hours(24));
    let err = service
        .trusted_client(&ClientId::parse(URL).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Untrusted::Document(CimdError::Fetch(_))));
}

#[tokio::test]
async fn a_removed_or_invalid_document_stops_its_client_even_once_fetches_are_throttled() {
    for gone in [
        Err(FetchError::Status(404)),
        Ok(document(
            "https://client.example/other.json",
            REDIRECT,
            None,
        )),
    ] {
        let (service, fetcher, clock) = known_client(100);
        service
            .trusted_client(&ClientId::parse(URL).unwrap(), None)
            .await
            .unwrap();
        clock.advance(Duration::minutes(5));
        answer(&fetcher, gone);
        for _ in 0..3 {
            assert!(
                service
                    .trusted_client(&ClientId::parse(URL).unwrap(), None)
                    .await
                    .is_err()
            );
        }
        assert_eq!(fetcher.count(), 3, "the third request was throttled");
    }
}
