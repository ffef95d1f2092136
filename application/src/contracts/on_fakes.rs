//! Every contract, on the fakes.

use crate::fakes::fake_world;

macro_rules! on_fakes {
    ($($port:ident => $contract:ident),+ $(,)?) => {
        $(mod $port {
            use super::fake_world;
            crate::$contract!(fake_world());
        })+
    };
}

on_fakes! {
    app_repository => app_repository_contract,
    assertion_signer => assertion_signer_contract,
    audit_repository => audit_repository_contract,
    cimd_repository => cimd_repository_contract,
    client_repository => client_repository_contract,
    clock => clock_contract,
    grant_repository => grant_repository_contract,
    mcp_server_repository => mcp_server_repository_contract,
    password_hasher => password_hasher_contract,
    password_reset_repository => password_reset_repository_contract,
    rate_limit_repository => rate_limit_repository_contract,
    registration_repository => registration_repository_contract,
    rng => rng_contract,
    session_repository => session_repository_contract,
    throttle_repository => throttle_repository_contract,
    user_repository => user_repository_contract,
}

mod metadata_fetcher {
    use tessera_domain::{ClientIdUrl, ClientMetadataInput};
    use time::Duration;

    use crate::contracts::metadata_fetcher::{self as contract, MAX_AGE, document};
    use crate::fakes::FakeFetcher;
    use crate::ports::{FetchError, FetchedDocument};

    const URL: &str = "https://app.example/client.json";

    #[tokio::test]
    async fn a_served_document_is_fetched() {
        let fetcher = FakeFetcher::answering(Ok(FetchedDocument {
            client_id: Some(URL.into()),
            metadata: ClientMetadataInput {
                client_name: Some("Served".into()),
                redirect_uris: Some(vec!["http://127.0.0.1/cb".into()]),
                ..Default::default()
            },
            json: document(URL),
            max_age: Some(Duration::seconds(MAX_AGE as i64)),
        }));
        let url = ClientIdUrl::parse(URL, false).unwrap();
        contract::a_served_document_is_fetched(&fetcher, &url).await;
    }

    #[tokio::test]
    async fn a_missing_document_is_its_status() {
        let fetcher = FakeFetcher::answering(Err(FetchError::Status(404)));
        let url = ClientIdUrl::parse(URL, false).unwrap();
        contract::a_missing_document_is_its_status(&fetcher, &url).await;
    }
}
