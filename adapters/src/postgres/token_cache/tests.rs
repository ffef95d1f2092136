use tessera_domain::{
    AccessTokenRecord, Credential, CredentialKind, Email, LookupId, ScopeSet, User, UserId,
    Username,
};
use time::{Duration as TimeDuration, OffsetDateTime};
use uuid::Uuid;

use super::*;

fn record(grant: Uuid, app: Uuid, user: Uuid) -> (LookupId, AccessTokenRecord) {
    let lookup: [u8; 8] = grant.as_bytes()[..8].try_into().unwrap();
    let credential = Credential::from_entropy(CredentialKind::AccessToken, lookup, [1; 32]);
    let record = AccessTokenRecord {
        hash: credential.hash(),
        grant_id: grant,
        client_id: app,
        public_client_id: app.to_string(),
        user: User {
            id: UserId::new(user),
            email: Email::parse("a@example.com").unwrap(),
            username: Username::parse("a").unwrap(),
            admin: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
        },
        audience: "https://auth.example".into(),
        scopes: ScopeSet::default_for_clients(),
        issued_at: OffsetDateTime::now_utc(),
        expires_at: OffsetDateTime::now_utc() + TimeDuration::hours(1),
        revoked: false,
    };
    (credential.lookup_id().clone(), record)
}

fn on() -> TokenCache {
    let cache = TokenCache::default();
    cache.set_enabled(true);
    cache
}

fn cached(cache: &TokenCache, grant: Uuid, app: Uuid, user: Uuid) -> LookupId {
    let (lookup, record) = record(grant, app, user);
    let ticket = cache.ticket().unwrap();
    cache.put(ticket, &lookup, &record);
    assert!(cache.get(&lookup).is_some(), "stored");
    lookup
}

#[test]
fn a_stored_record_is_served_with_its_hash_until_invalidated() {
    let cache = on();
    let (lookup, record) = record(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    cache.put(cache.ticket().unwrap(), &lookup, &record);
    let served = cache.get(&lookup).unwrap();
    assert!(served.hash.matches(&record.hash));
    cache.invalidate(&format!("token:{}", lookup.as_str()));
    assert!(cache.get(&lookup).is_none());
}

#[test]
fn a_grant_app_or_user_notice_drops_every_record_it_covers_and_no_other() {
    let (grant, app, user) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    for notice in [
        format!("grant:{grant}"),
        format!("app:{app}"),
        format!("user:{user}"),
    ] {
        let cache = on();
        let covered = cached(&cache, grant, app, user);
        let other = cached(&cache, Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        cache.invalidate(&notice);
        assert!(cache.get(&covered).is_none(), "{notice}");
        assert!(cache.get(&other).is_some(), "{notice}");
    }
}

#[test]
fn a_suspension_notice_drops_the_persons_records_and_tells_the_hooks_who() {
    let cache = on();
    let user = Uuid::new_v4();
    let told = std::sync::Arc::new(Mutex::new(Vec::new()));
    let seen = told.clone();
    cache.on_suspended(move |id| seen.lock().unwrap().push(id));
    let covered = cached(&cache, Uuid::new_v4(), Uuid::new_v4(), user);
    let other = cached(&cache, Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    cache.invalidate(&format!("suspended:{user}"));
    assert!(cache.get(&covered).is_none());
    assert!(cache.get(&other).is_some(), "only that person's");
    assert_eq!(*told.lock().unwrap(), [user]);
}

#[test]
fn an_unknown_notice_clears_everything() {
    let cache = on();
    let lookup = cached(&cache, Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    cache.invalidate("something new");
    assert!(cache.get(&lookup).is_none());
}

#[test]
fn a_read_that_raced_an_invalidation_is_not_stored() {
    let cache = on();
    let (lookup, record) = record(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let ticket = cache.ticket().unwrap();
    cache.invalidate(&format!("grant:{}", record.grant_id));
    cache.put(ticket, &lookup, &record);
    assert!(cache.get(&lookup).is_none());
}

#[test]
fn an_off_cache_serves_and_stores_nothing_and_turning_it_on_starts_empty() {
    let cache = TokenCache::default();
    assert!(cache.ticket().is_none());
    let (lookup, record) = record(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    cache.set_enabled(true);
    cache.put(cache.ticket().unwrap(), &lookup, &record);
    cache.set_enabled(false);
    assert!(cache.get(&lookup).is_none(), "off: nothing is served");
    cache.set_enabled(true);
    assert!(
        cache.get(&lookup).is_none(),
        "back on: what was held is gone"
    );
}

#[test]
fn an_expired_record_is_never_stored() {
    let cache = on();
    let (lookup, mut record) = record(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    record.expires_at = OffsetDateTime::now_utc() - TimeDuration::seconds(1);
    cache.put(cache.ticket().unwrap(), &lookup, &record);
    assert!(cache.get(&lookup).is_none());
}

#[test]
fn the_cache_never_holds_more_than_its_capacity() {
    let cache = on();
    for i in 0..(CAPACITY + 10) {
        let credential = Credential::from_entropy(
            CredentialKind::AccessToken,
            (i as u64).to_be_bytes(),
            [1; 32],
        );
        let (_, record) = record(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        cache.put(cache.ticket().unwrap(), credential.lookup_id(), &record);
    }
    assert!(cache.entries().len() <= CAPACITY);
}
