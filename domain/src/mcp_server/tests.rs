use super::*;

const ACCESS_URL: &str = "https://auth.example.com";

fn input<'a>(slug: &'a str, upstream: &'a str) -> McpServerInput<'a> {
    McpServerInput {
        slug,
        name: "Docs MCP",
        upstream_url: upstream,
        ..Default::default()
    }
}

fn server(scopes: &[Scope]) -> McpServer {
    let mut draft = McpServerDraft::parse(input("docs", "http://10.0.0.5:8080/mcp")).unwrap();
    draft.scopes = ScopeSet::from_scopes(scopes.iter().copied());
    McpServer {
        id: Uuid::nil(),
        draft,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

#[test]
fn a_slug_is_one_to_forty_lowercase_letters_digits_and_hyphens() {
    for good in ["a", "docs-mcp", "db2", &"x".repeat(40)] {
        assert!(ServerSlug::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "Docs",
        "docs_mcp",
        "docs/x",
        "ünï",
        &"x".repeat(41),
        "a b",
    ] {
        assert_eq!(ServerSlug::parse(bad), Err(ServerSlugError), "{bad}");
    }
}

#[test]
fn a_draft_defaults_to_the_mcp_scope_and_no_timeout_and_allows_internal_upstreams() {
    let draft = McpServerDraft::parse(input("docs", "http://127.0.0.1:9000/mcp")).unwrap();
    assert_eq!(draft.scopes, ScopeSet::from_scopes([Scope::Mcp]));
    assert_eq!(draft.timeout, None);
    assert_eq!(draft.effective_timeout(), DEFAULT_UPSTREAM_TIMEOUT);
    assert_eq!(draft.upstream.as_str(), "http://127.0.0.1:9000/mcp");
}

#[test]
fn every_bad_field_of_a_draft_is_named() {
    let scopes = vec!["mcp".to_owned(), "files:write".to_owned()];
    let problems = McpServerDraft::parse(McpServerInput {
        slug: "Docs!",
        name: "",
        upstream_url: "ftp://files.internal/mcp",
        scopes: Some(&scopes),
        timeout_seconds: Some(0),
    })
    .unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["slug", "name", "upstream_url", "scopes", "timeout_seconds"]
    );
}

#[test]
fn an_empty_scope_list_a_fragment_and_a_timeout_over_an_hour_are_refused() {
    let none: Vec<String> = Vec::new();
    let problems = McpServerDraft::parse(McpServerInput {
        scopes: Some(&none),
        timeout_seconds: Some(3601),
        ..input("docs", "https://docs.internal/mcp#x")
    })
    .unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["upstream_url", "scopes", "timeout_seconds"]);
    let hour = McpServerDraft::parse(McpServerInput {
        timeout_seconds: Some(3600),
        ..input("docs", "https://docs.internal/mcp")
    })
    .unwrap();
    assert_eq!(hour.effective_timeout(), Duration::hours(1));
}

#[test]
fn the_resource_url_is_the_slug_below_the_access_url() {
    assert_eq!(
        server(&[Scope::Mcp]).resource_url(ACCESS_URL),
        "https://auth.example.com/mcp/docs"
    );
    assert_eq!(
        server(&[Scope::Mcp]).resource_url("https://example.com/auth/"),
        "https://example.com/auth/mcp/docs"
    );
}

#[test]
fn a_token_works_only_when_its_audience_is_exactly_this_server() {
    let s = server(&[Scope::Mcp]);
    let resource = s.resource_url(ACCESS_URL);
    let mcp = ScopeSet::from_scopes([Scope::Mcp]);
    assert_eq!(s.admits(&resource, &resource, &mcp), Ok(()));
    for other in [
        ACCESS_URL,
        "https://auth.example.com/api/experimental/mcp/http",
        "https://auth.example.com/mcp/other",
        "https://auth.example.com/mcp/docs/",
    ] {
        assert_eq!(
            s.admits(&resource, other, &mcp),
            Err(Refusal::WrongAudience),
            "{other}"
        );
    }
}

#[test]
fn a_token_needs_one_of_the_servers_scopes_and_admin_covers_them() {
    let s = server(&[Scope::Mcp, Scope::UserRead]);
    let resource = s.resource_url(ACCESS_URL);
    let user_read = ScopeSet::from_scopes([Scope::UserRead]);
    let admin = ScopeSet::from_scopes([Scope::Admin]);
    assert_eq!(s.admits(&resource, &resource, &user_read), Ok(()));
    assert_eq!(s.admits(&resource, &resource, &admin), Ok(()));
    let strict = server(&[Scope::Mcp]);
    assert_eq!(
        strict.admits(&resource, &resource, &user_read),
        Err(Refusal::InsufficientScope(Scope::Mcp))
    );
}
