use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::*;
use crate::{AppDraft, ClientOrigin};

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
}

fn app(n: u128, name: &str) -> App {
    let draft = AppDraft::parse(name, "https://a.example/cb", None, None, None).unwrap();
    App {
        id: Uuid::from_u128(n),
        draft,
        source: RegistrationSource::Admin,
        created_at: now() - Duration::days(100) + Duration::minutes(n as i64),
        updated_at: now(),
        origin: ClientOrigin::default(),
        last_token_at: None,
        blocked: false,
    }
}

fn used(mut a: App, days_ago: i64) -> App {
    a.last_token_at = Some(now() - Duration::days(days_ago));
    a
}

#[test]
fn blank_search_text_is_no_search_and_long_text_is_refused() {
    assert_eq!(AppSearch::parse("   "), Ok(None));
    let long = "x".repeat(101);
    assert_eq!(AppSearch::parse(&long), Err(AppQueryError::TextTooLong));
    assert!(AppSearch::parse(&long[1..]).unwrap().is_some());
}

#[test]
fn search_text_is_found_in_name_client_id_document_url_and_registering_ip_in_any_case() {
    let mut registered = app(1, "Claude Code");
    registered.origin.ip = Some("203.0.113.9".parse().unwrap());
    let mut document = app(2, "Tool");
    document.origin.document_url = Some("https://Tools.example/client.json".into());
    let find = |text: &str, a: &App| AppSearch::parse(text).unwrap().unwrap().matches(a);
    assert!(find("claude", &registered));
    assert!(find("113.9", &registered));
    assert!(find("00000000-0000-0000-0000-000000000001", &registered));
    assert!(find("tools.EXAMPLE", &document));
    assert!(!find("203.0", &document));
    assert!(!find("Tool", &registered));
}

#[test]
fn text_that_no_client_id_or_ip_can_hold_is_known_as_such() {
    let text = |t: &str| AppSearch::parse(t).unwrap().unwrap();
    assert!(text("0000-A0").may_be_in_client_id());
    assert!(!text("203.0").may_be_in_client_id());
    assert!(text("203.0").may_be_in_ip());
    assert!(text("2001:DB8::").may_be_in_ip());
    assert!(!text("cursor").may_be_in_ip());
    assert!(!text("cursor").may_be_in_client_id());
}

#[test]
fn a_whole_ip_address_or_client_id_finds_exactly_that_app() {
    let mut registered = app(1, "Proxy at 203.0.113.9");
    registered.origin.ip = Some("203.0.113.9".parse().unwrap());
    let mut named_only = app(2, "Proxy at 203.0.113.9");
    named_only.origin.ip = Some("203.0.113.90".parse().unwrap());
    let whole = AppSearch::parse("203.0.113.9").unwrap().unwrap();
    assert_eq!(whole.as_ip(), registered.origin.ip);
    assert!(whole.matches(&registered));
    assert!(
        !whole.matches(&named_only),
        "not by its name nor a longer address"
    );
    let partial = AppSearch::parse("113.9").unwrap().unwrap();
    assert!(partial.matches(&named_only) && partial.matches(&registered));
    let id = AppSearch::parse("00000000-0000-0000-0000-000000000002")
        .unwrap()
        .unwrap();
    assert_eq!(id.as_client_id(), Some(named_only.id));
    assert!(id.matches(&named_only) && !id.matches(&registered));
}

#[test]
fn search_text_matches_literally_even_with_like_wildcards() {
    let search = AppSearch::parse(" a_b%c\\ ").unwrap().unwrap();
    assert_eq!(search.as_str(), "a_b%c\\");
    assert_eq!(search.like_pattern(), "%a\\_b\\%c\\\\%");
    assert!(!search.matches(&app(1, "axbyc")));
}

#[test]
fn token_use_reads_never_or_a_number_of_days() {
    assert_eq!(TokenUse::parse("never"), Ok(TokenUse::Never));
    assert_eq!(TokenUse::parse("30d"), Ok(TokenUse::WithinDays(30)));
    assert_eq!(TokenUse::WithinDays(30).to_param(), "30d");
    for bad in ["0d", "3651d", "30", "d", "-1d", "soon"] {
        assert_eq!(
            TokenUse::parse(bad),
            Err(AppQueryError::BadTokenUse),
            "{bad}"
        );
    }
}

#[test]
fn used_within_n_days_includes_the_boundary_and_never_excludes_any_use() {
    let week = TokenUse::WithinDays(7);
    assert!(week.matches(Some(now() - Duration::days(7)), now()));
    assert!(!week.matches(
        Some(now() - Duration::days(7) - Duration::seconds(1)),
        now()
    ));
    assert!(!week.matches(None, now()));
    assert!(TokenUse::Never.matches(None, now()));
    assert!(!TokenUse::Never.matches(Some(now() - Duration::days(900)), now()));
}

#[test]
fn every_filter_must_hold() {
    let mut blocked_public = used(app(1, "A"), 2);
    blocked_public.blocked = true;
    blocked_public.source = RegistrationSource::Dynamic;
    blocked_public.draft.client_type = ClientType::Public;
    let filter = AppFilter {
        source: Some(RegistrationSource::Dynamic),
        client_type: Some(ClientType::Public),
        blocked: Some(true),
        used: Some(TokenUse::WithinDays(3)),
        ..AppFilter::default()
    };
    assert!(filter.matches(&blocked_public, now()));
    for change in [
        AppFilter {
            source: Some(RegistrationSource::Cimd),
            ..filter.clone()
        },
        AppFilter {
            client_type: Some(ClientType::Confidential),
            ..filter.clone()
        },
        AppFilter {
            blocked: Some(false),
            ..filter.clone()
        },
        AppFilter {
            used: Some(TokenUse::WithinDays(1)),
            ..filter.clone()
        },
    ] {
        assert!(!change.matches(&blocked_public, now()), "{change:?}");
    }
    assert!(AppFilter::default().matches(&blocked_public, now()));
}

#[test]
fn orders_read_as_spelled_and_put_never_used_apps_first_when_least_recently_used() {
    for order in AppOrder::ALL {
        assert_eq!(AppOrder::parse(order.as_str()), Ok(order));
    }
    assert_eq!(AppOrder::parse("name"), Err(AppQueryError::UnknownOrder));
    let apps = [
        used(app(1, "A"), 1),
        app(2, "B"),
        used(app(3, "C"), 5),
        app(4, "D"),
    ];
    let names = |order: AppOrder| {
        let query = AppQuery::new(AppFilter::default(), order, None, None).unwrap();
        let (page, _) = query.select(&apps, now());
        page.iter()
            .map(|a| a.draft.name.as_str().to_owned())
            .collect::<Vec<_>>()
            .join("")
    };
    assert_eq!(names(AppOrder::Oldest), "ABCD");
    assert_eq!(names(AppOrder::Newest), "DCBA");
    assert_eq!(names(AppOrder::LeastRecentlyUsed), "BDCA");
    assert_eq!(names(AppOrder::MostRecentlyUsed), "ACDB");
}

#[test]
fn a_page_outside_its_bounds_is_refused() {
    let page = |limit, offset| AppQuery::new(AppFilter::default(), AppOrder::Oldest, limit, offset);
    assert_eq!(page(Some(0), None), Err(AppQueryError::BadLimit));
    assert_eq!(page(Some(101), None), Err(AppQueryError::BadLimit));
    assert_eq!(page(None, Some(-1)), Err(AppQueryError::BadOffset));
    let default = page(None, None).unwrap();
    assert_eq!((default.limit(), default.offset()), (50, 0));
    assert_eq!(default, AppQuery::all());
}

#[test]
fn a_page_holds_its_slice_of_the_matches_and_links_to_its_neighbours() {
    let apps: Vec<App> = (1..=120).map(|n| app(n, &format!("App {n}"))).collect();
    let second = AppQuery::new(AppFilter::default(), AppOrder::Oldest, None, Some(50)).unwrap();
    let (page, total) = second.select(&apps, now());
    assert_eq!(total, 120);
    assert_eq!(page.first().map(|a| a.id), Some(Uuid::from_u128(51)));
    assert_eq!(page.len(), 50);
    assert_eq!(second.previous_offset(), Some(0));
    assert_eq!(second.next_offset(total), Some(100));
    let last = second.at_offset(100);
    assert_eq!(last.select(&apps, now()).0.len(), 20);
    assert_eq!(last.next_offset(total), None);
    assert_eq!(AppQuery::all().previous_offset(), None);
}

#[test]
fn flags_read_true_or_false_only() {
    assert_eq!(parse_flag("true"), Ok(true));
    assert_eq!(parse_flag("false"), Ok(false));
    assert_eq!(parse_flag("yes"), Err(AppQueryError::NotABoolean));
}
