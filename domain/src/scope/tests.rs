use proptest::prelude::*;

use super::*;

fn set(s: &str) -> ScopeSet {
    ScopeSet::parse(s).unwrap()
}

#[test]
fn each_scope_has_its_wire_spelling() {
    let spelled: Vec<_> = Scope::ALL.iter().map(Scope::as_str).collect();
    assert_eq!(spelled, ["user:read", "mcp", "admin"]);
    for scope in Scope::ALL {
        assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
    }
}

#[test]
fn scopes_are_written_in_canonical_order_whatever_the_request_order() {
    assert_eq!(
        set("admin mcp user:read").to_string(),
        "user:read mcp admin"
    );
    assert_eq!(set("mcp user:read").to_vec_of_str(), ["user:read", "mcp"]);
}

#[test]
fn runs_of_spaces_and_repeated_scopes_are_tolerated() {
    assert_eq!(
        set("  mcp   user:read mcp "),
        ScopeSet::default_for_clients()
    );
}

#[test]
fn an_empty_scope_string_is_rejected() {
    assert_eq!(ScopeSet::parse(""), Err(ScopeError::Empty));
    assert_eq!(ScopeSet::parse("   "), Err(ScopeError::Empty));
}

#[test]
fn an_unknown_scope_is_rejected_and_named() {
    let error = ScopeSet::parse("mcp openid").unwrap_err();
    assert_eq!(error, ScopeError::Unknown("openid".to_owned()));
    assert_eq!(error.to_string(), "unknown scope openid");
    assert_eq!(error.description(), "scope contains an unknown scope");
}

#[test]
fn a_very_long_unknown_scope_is_named_only_by_its_start() {
    let error = ScopeSet::parse(&"x".repeat(1000)).unwrap_err();
    assert_eq!(error, ScopeError::Unknown("x".repeat(64)));
}

#[test]
fn a_scope_with_characters_outside_nqchar_is_rejected_without_echo() {
    for s in ["mcp\tadmin", "\"mcp\"", "a\\b", "mcp\u{e9}"] {
        assert_eq!(ScopeSet::parse(s), Err(ScopeError::Malformed), "{s:?}");
    }
}

#[test]
fn scopes_are_case_sensitive() {
    assert_eq!(
        ScopeSet::parse("MCP"),
        Err(ScopeError::Unknown("MCP".to_owned()))
    );
}

#[test]
fn the_default_for_clients_is_user_read_and_mcp() {
    assert_eq!(ScopeSet::default_for_clients().to_string(), "user:read mcp");
}

#[test]
fn admin_covers_user_read_and_mcp() {
    let admin = set("admin");
    for scope in Scope::ALL {
        assert!(admin.covers(scope), "{scope:?}");
    }
}

#[test]
fn mcp_does_not_cover_user_read_or_admin() {
    let mcp = set("mcp");
    assert!(mcp.covers(Scope::Mcp));
    assert!(!mcp.covers(Scope::UserRead));
    assert!(!mcp.covers(Scope::Admin));
}

#[test]
fn a_request_is_within_what_was_registered_only_when_covered() {
    assert!(set("mcp").is_within(&set("user:read mcp")));
    assert!(set("user:read mcp").is_within(&set("admin")));
    assert!(!set("admin").is_within(&set("user:read mcp")));
    assert!(!set("mcp user:read").is_within(&set("mcp")));
}

#[test]
fn removing_admin_leaves_the_other_scopes() {
    let granted = set("admin mcp").without(Scope::Admin);
    assert_eq!(granted, set("mcp"));
    assert!(!granted.contains(Scope::Admin));
    assert!(set("admin").without(Scope::Admin).is_empty());
}

#[test]
fn from_scopes_builds_the_same_set_as_parsing() {
    assert_eq!(
        ScopeSet::from_scopes([Scope::Mcp, Scope::Admin, Scope::Mcp]),
        set("admin mcp")
    );
    assert_eq!(
        set("admin mcp").iter().collect::<Vec<_>>(),
        [Scope::Mcp, Scope::Admin]
    );
}

fn scope() -> impl Strategy<Value = Scope> {
    prop::sample::select(Scope::ALL.to_vec())
}

proptest! {
    #[test]
    fn display_then_parse_gives_back_the_same_set(scopes in prop::collection::vec(scope(), 1..6)) {
        let original = ScopeSet::from_scopes(scopes);
        prop_assert_eq!(ScopeSet::parse(&original.to_string()), Ok(original));
    }

    #[test]
    fn every_set_is_within_itself_and_within_admin(scopes in prop::collection::vec(scope(), 0..6)) {
        let scopes = ScopeSet::from_scopes(scopes);
        prop_assert!(scopes.is_within(&scopes));
        prop_assert!(scopes.is_within(&ScopeSet::from_scopes([Scope::Admin])));
    }

    #[test]
    fn arbitrary_input_never_panics_and_parsed_sets_are_never_empty(s in "\\PC{0,40}") {
        if let Ok(scopes) = ScopeSet::parse(&s) {
            prop_assert!(!scopes.is_empty());
        }
    }
}
