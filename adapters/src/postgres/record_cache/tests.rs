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

fn on() -> RecordCache {
    let cache = RecordCache::default();
    cache.set_enabled(true);
    cache
}

fn cached(cache: &RecordCache, grant: Uuid, app: Uuid, user: Uuid) -> LookupId {
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
    let cache = RecordCache::default();
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
    for i in 0..(TOKENS + 10) {
        let credential = Credential::from_entropy(
            CredentialKind::AccessToken,
            (i as u64).to_be_bytes(),
            [1; 32],
        );
        let (_, record) = record(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        cache.put(cache.ticket().unwrap(), credential.lookup_id(), &record);
    }
    assert!(cache.held().tokens.len() <= TOKENS);
}

fn session(user: Uuid, expires_in: TimeDuration) -> (LookupId, SessionRecord) {
    let lookup: [u8; 8] = Uuid::new_v4().as_bytes()[..8].try_into().unwrap();
    let credential = Credential::from_entropy(CredentialKind::Session, lookup, [2; 32]);
    let (_, token) = record(Uuid::new_v4(), Uuid::new_v4(), user);
    let session = SessionRecord {
        hash: credential.hash(),
        user: token.user,
        expires_at: OffsetDateTime::now_utc() + expires_in,
    };
    (credential.lookup_id().clone(), session)
}

fn cached_session(cache: &RecordCache, user: Uuid) -> LookupId {
    let (lookup, session) = session(user, TimeDuration::hours(1));
    cache.put_session(cache.ticket().unwrap(), &lookup, &session);
    assert!(
        cache.session(&lookup, OffsetDateTime::now_utc()).is_some(),
        "stored"
    );
    lookup
}

fn client(id: Uuid) -> OAuthClient {
    OAuthClient {
        id,
        name: tessera_domain::AppName::parse("App").unwrap(),
        icon: None,
        redirect_uris: vec![tessera_domain::RedirectUri::parse("https://a.example/cb").unwrap()],
        client_type: tessera_domain::ClientType::Public,
        grant_types: vec![tessera_domain::GrantType::AuthorizationCode],
        scope: None,
        source: tessera_domain::RegistrationSource::Admin,
        blocked: false,
        cimd_url: None,
    }
}

#[test]
fn a_session_is_served_with_its_hash_until_its_own_notice_or_its_persons() {
    let cache = on();
    let user = Uuid::new_v4();
    let (ended, by_user, other) = (
        cached_session(&cache, user),
        cached_session(&cache, user),
        cached_session(&cache, Uuid::new_v4()),
    );
    let now = OffsetDateTime::now_utc();
    cache.invalidate(&format!("session:{}", ended.as_str()));
    assert!(cache.session(&ended, now).is_none(), "its own notice");
    assert!(cache.session(&by_user, now).is_some(), "only that session");
    for notice in [format!("user:{user}"), format!("suspended:{user}")] {
        let cache = on();
        let covered = cached_session(&cache, user);
        let other = cached_session(&cache, Uuid::new_v4());
        cache.invalidate(&notice);
        assert!(cache.session(&covered, now).is_none(), "{notice}");
        assert!(cache.session(&other, now).is_some(), "{notice}");
    }
    assert!(cache.session(&other, now).is_some());
}

#[test]
fn a_session_is_never_served_past_its_end_nor_stored_ended() {
    let cache = on();
    let (lookup, live) = session(Uuid::new_v4(), TimeDuration::minutes(5));
    cache.put_session(cache.ticket().unwrap(), &lookup, &live);
    let later = live.expires_at + TimeDuration::seconds(1);
    assert!(
        cache.session(&lookup, later).is_none(),
        "ended by the caller's clock"
    );
    let (lookup, ended) = session(Uuid::new_v4(), TimeDuration::seconds(-1));
    cache.put_session(cache.ticket().unwrap(), &lookup, &ended);
    assert_eq!(
        cache.held().sessions.len(),
        1,
        "the ended one was not stored"
    );
}

#[test]
fn a_client_is_served_until_its_app_notice_and_a_raced_read_is_not_stored() {
    let cache = on();
    let (app, other) = (Uuid::new_v4(), Uuid::new_v4());
    cache.put_client(cache.ticket().unwrap(), &client(app));
    cache.put_client(cache.ticket().unwrap(), &client(other));
    assert_eq!(cache.client(app), Some(client(app)));
    cache.invalidate(&format!("app:{app}"));
    assert!(cache.client(app).is_none());
    assert!(cache.client(other).is_some(), "only that app");
    let ticket = cache.ticket().unwrap();
    cache.invalidate(&format!("app:{other}"));
    cache.put_client(ticket, &client(other));
    assert!(cache.client(other).is_none(), "read before the notice");
}

#[test]
fn an_off_cache_holds_no_sessions_or_clients_and_an_unknown_notice_drops_them() {
    let cache = on();
    let lookup = cached_session(&cache, Uuid::new_v4());
    let app = Uuid::new_v4();
    cache.put_client(cache.ticket().unwrap(), &client(app));
    cache.invalidate("something new");
    let now = OffsetDateTime::now_utc();
    assert!(cache.session(&lookup, now).is_none());
    assert!(cache.client(app).is_none());
    let lookup = cached_session(&cache, Uuid::new_v4());
    cache.put_client(cache.ticket().unwrap(), &client(app));
    cache.set_enabled(false);
    assert!(cache.session(&lookup, now).is_none(), "off");
    assert!(cache.client(app).is_none(), "off");
}
