//! [`MetadataFetcher`]: a served document comes back with its metadata and cache lifetime;
//! a missing one is its status. The caller serves the document (the PostgreSQL side from a
//! local HTTP server, the fake side by scripting the fetcher), so these tests are called by
//! hand on each side rather than stamped by a macro.

use std::time::Duration as StdDuration;

use tessera_domain::ClientIdUrl;
use time::Duration;

use crate::ports::{FetchError, MetadataFetcher};

/// The document served at `url`, keys in order and compact (as fetchers re-serialize it),
/// with `Cache-Control: max-age=` [`MAX_AGE`].
pub fn document(url: &str) -> String {
    format!(
        r#"{{"client_id":"{url}","client_name":"Served","redirect_uris":["http://127.0.0.1/cb"]}}"#
    )
}

/// The cache lifetime the document is served with, in seconds.
pub const MAX_AGE: u64 = 60;

/// The served document is fetched with its `client_id`, metadata, text and lifetime.
pub async fn a_served_document_is_fetched(fetcher: &impl MetadataFetcher, url: &ClientIdUrl) {
    let fetched = fetcher.fetch(url).await.unwrap();
    assert_eq!(fetched.client_id.as_deref(), Some(url.as_str()));
    assert_eq!(fetched.metadata.client_name.as_deref(), Some("Served"));
    let uris = Some(vec!["http://127.0.0.1/cb".to_owned()]);
    assert_eq!(fetched.metadata.redirect_uris, uris);
    assert_eq!(fetched.json, document(url.as_str()));
    let max_age = Duration::try_from(StdDuration::from_secs(MAX_AGE)).ok();
    assert_eq!(fetched.max_age, max_age);
}

/// A URL that answers 404 is that status, which is not transient.
pub async fn a_missing_document_is_its_status(fetcher: &impl MetadataFetcher, url: &ClientIdUrl) {
    let refused = fetcher.fetch(url).await.unwrap_err();
    assert_eq!(refused, FetchError::Status(404));
    assert!(!refused.is_transient());
}
