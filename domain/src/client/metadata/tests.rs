use proptest::prelude::*;

use super::*;
use crate::{OAuthError, OAuthFailure, Scope};

fn input(redirect_uris: &[&str]) -> ClientMetadataInput {
    ClientMetadataInput {
        redirect_uris: Some(redirect_uris.iter().map(|s| (*s).to_owned()).collect()),
        ..ClientMetadataInput::default()
    }
}

fn strings(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| (*s).to_owned()).collect())
}

fn problem(result: Result<ClientMetadata, ClientMetadataError>) -> ClientMetadataProblem {
    match result.unwrap_err() {
        ClientMetadataError::InvalidClientMetadata(p) => p,
        other => panic!("expected invalid_client_metadata, got {other:?}"),
    }
}

fn redirect_error(result: Result<ClientMetadata, ClientMetadataError>) -> RedirectUriError {
    match result.unwrap_err() {
        ClientMetadataError::InvalidRedirectUri(e) => e,
        other => panic!("expected invalid_redirect_uri, got {other:?}"),
    }
}

#[test]
fn minimal_metadata_gets_the_spec_defaults() {
    let metadata = ClientMetadata::parse(input(&["https://app.example/cb"])).unwrap();
    assert_eq!(
        metadata.token_endpoint_auth_method(),
        TokenEndpointAuthMethod::ClientSecretBasic
    );
    assert_eq!(metadata.application_type(), ApplicationType::Web);
    assert_eq!(
        metadata.grant_types(),
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(metadata.response_types(), [ResponseType::Code]);
    assert_eq!(metadata.client_type(), ClientType::Confidential);
    assert_eq!(metadata.scope(), None);
    assert!(metadata.contacts().is_empty());
    assert_eq!(
        metadata.redirect_uris()[0].as_str(),
        "https://app.example/cb"
    );
}

#[test]
fn every_field_is_kept_typed() {
    let metadata = ClientMetadata::parse(ClientMetadataInput {
        client_name: Some(" Claude Code ".to_owned()),
        client_uri: Some("https://app.example".to_owned()),
        logo_uri: Some("https://app.example/logo.png".to_owned()),
        tos_uri: Some("https://app.example/tos".to_owned()),
        policy_uri: Some("https://app.example/privacy".to_owned()),
        jwks_uri: Some("https://app.example/jwks.json".to_owned()),
        software_id: Some("claude-code".to_owned()),
        software_version: Some("2.1.0".to_owned()),
        token_endpoint_auth_method: Some("none".to_owned()),
        application_type: Some("native".to_owned()),
        scope: Some("mcp".to_owned()),
        contacts: strings(&["ops@app.example"]),
        grant_types: strings(&["authorization_code"]),
        ..input(&["http://127.0.0.1/cb", "com.example.app:/cb"])
    })
    .unwrap();
    assert_eq!(
        metadata.client_name().map(AppName::as_str),
        Some("Claude Code")
    );
    assert_eq!(
        metadata.client_uri().map(HttpUrl::as_str),
        Some("https://app.example")
    );
    assert_eq!(
        metadata.logo_uri().map(HttpUrl::as_str),
        Some("https://app.example/logo.png")
    );
    assert_eq!(
        metadata.tos_uri().map(HttpUrl::as_str),
        Some("https://app.example/tos")
    );
    assert_eq!(
        metadata.policy_uri().map(HttpUrl::as_str),
        Some("https://app.example/privacy")
    );
    assert_eq!(
        metadata.jwks_uri().map(HttpUrl::as_str),
        Some("https://app.example/jwks.json")
    );
    assert_eq!(metadata.jwks(), None);
    assert_eq!(metadata.software_id(), Some("claude-code"));
    assert_eq!(metadata.software_version(), Some("2.1.0"));
    assert_eq!(metadata.client_type(), ClientType::Public);
    assert_eq!(metadata.application_type(), ApplicationType::Native);
    assert_eq!(metadata.scope(), Some(&ScopeSet::from_scopes([Scope::Mcp])));
    assert_eq!(metadata.contacts(), ["ops@app.example"]);
    assert_eq!(metadata.grant_types(), [GrantType::AuthorizationCode]);
    assert_eq!(metadata.redirect_uris().len(), 2);
}

#[test]
fn missing_or_empty_redirect_uris_are_invalid_client_metadata() {
    let missing = ClientMetadata::parse(ClientMetadataInput::default());
    assert_eq!(problem(missing), ClientMetadataProblem::MissingRedirectUris);
    assert_eq!(
        problem(ClientMetadata::parse(input(&[]))),
        ClientMetadataProblem::MissingRedirectUris
    );
}

#[test]
fn a_bad_redirect_uri_is_invalid_redirect_uri() {
    let result = ClientMetadata::parse(input(&[
        "https://app.example/cb",
        "https://app.example/cb#x",
    ]));
    assert_eq!(redirect_error(result), RedirectUriError::HasFragment);
}

#[test]
fn an_explicit_web_client_cannot_register_an_http_loopback_redirect_uri() {
    let web = ClientMetadataInput {
        application_type: Some("web".to_owned()),
        ..input(&["http://localhost:3000/callback"])
    };
    assert_eq!(
        redirect_error(ClientMetadata::parse(web)),
        RedirectUriError::HttpRequiresNative
    );
}

#[test]
fn an_explicit_web_client_cannot_register_a_private_use_scheme() {
    let web = ClientMetadataInput {
        application_type: Some("web".to_owned()),
        ..input(&[
            "https://a.example/cb",
            "cursor://anysphere.cursor-mcp/oauth/callback",
        ])
    };
    assert_eq!(
        redirect_error(ClientMetadata::parse(web)),
        RedirectUriError::PrivateUseSchemeRequiresNative
    );
}

#[test]
fn without_application_type_a_loopback_client_is_native() {
    // What the MCP TypeScript SDK's examples, Claude Code and mcp-remote send.
    let metadata = ClientMetadata::parse(input(&["http://localhost:3000/callback"])).unwrap();
    assert_eq!(metadata.application_type(), ApplicationType::Native);
}

#[test]
fn without_application_type_an_https_only_client_is_web() {
    let metadata =
        ClientMetadata::parse(input(&["https://claude.ai/api/mcp/auth_callback"])).unwrap();
    assert_eq!(metadata.application_type(), ApplicationType::Web);
}

#[test]
fn without_application_type_mixed_sets_of_popular_clients_are_native() {
    let vs_code = ["http://127.0.0.1:33418", "https://vscode.dev/redirect"];
    let cursor = [
        "cursor://anysphere.cursor-mcp/oauth/callback",
        "https://www.cursor.com/agents/mcp/oauth/callback",
        "http://localhost:8787/callback",
    ];
    for uris in [&vs_code[..], &cursor[..]] {
        let metadata = ClientMetadata::parse(input(uris)).unwrap();
        assert_eq!(metadata.application_type(), ApplicationType::Native);
        assert_eq!(metadata.redirect_uris().len(), uris.len());
    }
}

#[test]
fn without_application_type_http_off_loopback_is_still_refused() {
    let result = ClientMetadata::parse(input(&["http://app.example/cb"]));
    assert_eq!(
        redirect_error(result),
        RedirectUriError::HttpRequiresLoopback
    );
}

#[test]
fn dangerous_schemes_and_fragments_are_refused_whatever_the_application_type() {
    for uri in [
        "javascript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "https://a.example/cb#frag",
        "http://127.0.0.1/cb#",
    ] {
        for application_type in [None, Some("native"), Some("web")] {
            let attempt = ClientMetadataInput {
                application_type: application_type.map(str::to_owned),
                ..input(&[uri])
            };
            assert!(
                matches!(
                    ClientMetadata::parse(attempt),
                    Err(ClientMetadataError::InvalidRedirectUri(_))
                ),
                "{uri} as {application_type:?}"
            );
        }
    }
}

#[test]
fn a_native_client_can_register_loopback_and_private_use_redirect_uris() {
    let native = ClientMetadataInput {
        application_type: Some("native".to_owned()),
        ..input(&[
            "http://[::1]/cb",
            "http://localhost:8080/cb",
            "com.example.app:/cb",
        ])
    };
    assert!(ClientMetadata::parse(native).is_ok());
}

#[test]
fn an_unknown_application_type_or_auth_method_is_rejected() {
    let app = ClientMetadataInput {
        application_type: Some("desktop".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(app)),
        ClientMetadataProblem::UnsupportedApplicationType
    );
    let method = ClientMetadataInput {
        token_endpoint_auth_method: Some("client_secret_jwt".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(method)),
        ClientMetadataProblem::UnsupportedTokenEndpointAuthMethod
    );
}

#[test]
fn grant_types_other_than_code_and_refresh_are_rejected() {
    let implicit = ClientMetadataInput {
        grant_types: strings(&["implicit"]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(implicit)),
        ClientMetadataProblem::UnsupportedGrantType
    );
    let credentials = ClientMetadataInput {
        grant_types: strings(&["authorization_code", "client_credentials"]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(credentials)),
        ClientMetadataProblem::UnsupportedGrantType
    );
}

#[test]
fn response_types_other_than_code_are_rejected() {
    let token = ClientMetadataInput {
        response_types: strings(&["code", "token"]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(token)),
        ClientMetadataProblem::UnsupportedResponseType
    );
}

#[test]
fn refresh_token_without_authorization_code_is_inconsistent() {
    let refresh_only = ClientMetadataInput {
        grant_types: strings(&["refresh_token"]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(refresh_only)),
        ClientMetadataProblem::InconsistentGrantAndResponseTypes
    );
}

#[test]
fn authorization_code_without_the_code_response_type_is_inconsistent() {
    let no_code = ClientMetadataInput {
        response_types: strings(&[]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(no_code)),
        ClientMetadataProblem::InconsistentGrantAndResponseTypes
    );
}

#[test]
fn no_grant_types_and_no_response_types_is_refused() {
    let nothing = ClientMetadataInput {
        grant_types: strings(&[]),
        response_types: strings(&[]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(nothing)),
        ClientMetadataProblem::MissingAuthorizationCodeGrant
    );
}

#[test]
fn repeated_grant_types_are_kept_once_in_canonical_order() {
    let repeated = ClientMetadataInput {
        grant_types: strings(&["refresh_token", "authorization_code", "refresh_token"]),
        response_types: strings(&["code", "code"]),
        ..input(&["https://a.example/cb"])
    };
    let metadata = ClientMetadata::parse(repeated).unwrap();
    assert_eq!(
        metadata.grant_types(),
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(metadata.response_types(), [ResponseType::Code]);
}

#[test]
fn jwks_and_jwks_uri_are_exclusive() {
    let both = ClientMetadataInput {
        jwks: Some(r#"{"keys":[]}"#.to_owned()),
        jwks_uri: Some("https://a.example/jwks".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(both)),
        ClientMetadataProblem::JwksAndJwksUri
    );
}

#[test]
fn private_key_jwt_is_refused_at_registration_since_no_endpoint_accepts_assertions() {
    let with_keys = ClientMetadataInput {
        token_endpoint_auth_method: Some("private_key_jwt".to_owned()),
        jwks: Some(r#"{"keys":[]}"#.to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(with_keys)),
        ClientMetadataProblem::UnsupportedTokenEndpointAuthMethod
    );
}

#[test]
fn private_key_jwt_requires_keys() {
    let without = ClientMetadataInput {
        token_endpoint_auth_method: Some("private_key_jwt".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse_for_cimd(without.clone())),
        ClientMetadataProblem::PrivateKeyJwtWithoutKeys
    );
    let with = ClientMetadataInput {
        jwks: Some(r#"{"keys":[]}"#.to_owned()),
        ..without
    };
    let metadata = ClientMetadata::parse_for_cimd(with).unwrap();
    assert_eq!(metadata.jwks(), Some(r#"{"keys":[]}"#));
    assert_eq!(metadata.client_type(), ClientType::Confidential);
}

#[test]
fn an_unknown_scope_is_invalid_client_metadata() {
    let openid = ClientMetadataInput {
        scope: Some("mcp openid".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(openid)),
        ClientMetadataProblem::InvalidScope
    );
}

#[test]
fn a_blank_scope_is_treated_as_no_scope() {
    let blank = ClientMetadataInput {
        scope: Some(" ".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(ClientMetadata::parse(blank).unwrap().scope(), None);
}

/// Picks one URL field of the input.
type UrlField = fn(&mut ClientMetadataInput) -> &mut Option<String>;

#[test]
fn each_url_field_is_named_when_it_is_not_http() {
    let cases: [(UrlField, ClientMetadataProblem); 5] = [
        (
            |i| &mut i.client_uri,
            ClientMetadataProblem::InvalidClientUri,
        ),
        (|i| &mut i.logo_uri, ClientMetadataProblem::InvalidLogoUri),
        (|i| &mut i.tos_uri, ClientMetadataProblem::InvalidTosUri),
        (
            |i| &mut i.policy_uri,
            ClientMetadataProblem::InvalidPolicyUri,
        ),
        (|i| &mut i.jwks_uri, ClientMetadataProblem::InvalidJwksUri),
    ];
    for (field, expected) in cases {
        let mut bad = input(&["https://a.example/cb"]);
        *field(&mut bad) = Some("javascript:alert(1)".to_owned());
        assert_eq!(problem(ClientMetadata::parse(bad)), expected);
    }
}

#[test]
fn a_client_name_with_a_line_break_is_rejected() {
    let name = ClientMetadataInput {
        client_name: Some("App\nAllow all".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(name)),
        ClientMetadataProblem::InvalidClientName
    );
}

#[test]
fn overlong_software_ids_and_blank_contacts_are_rejected() {
    let id = ClientMetadataInput {
        software_id: Some("x".repeat(256)),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(id)),
        ClientMetadataProblem::InvalidSoftwareId
    );
    let version = ClientMetadataInput {
        software_version: Some("1\n2".to_owned()),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(version)),
        ClientMetadataProblem::InvalidSoftwareVersion
    );
    let contacts = ClientMetadataInput {
        contacts: strings(&["ok@a.example", ""]),
        ..input(&["https://a.example/cb"])
    };
    assert_eq!(
        problem(ClientMetadata::parse(contacts)),
        ClientMetadataProblem::InvalidContacts
    );
}

#[test]
fn a_cimd_document_defaults_to_auth_method_none() {
    let metadata = ClientMetadata::parse_for_cimd(input(&["https://a.example/cb"])).unwrap();
    assert_eq!(
        metadata.token_endpoint_auth_method(),
        TokenEndpointAuthMethod::None
    );
    assert_eq!(metadata.client_type(), ClientType::Public);
}

#[test]
fn a_cimd_document_cannot_ask_for_a_shared_secret() {
    for method in ["client_secret_basic", "client_secret_post"] {
        let doc = ClientMetadataInput {
            token_endpoint_auth_method: Some(method.to_owned()),
            ..input(&["https://a.example/cb"])
        };
        assert_eq!(
            problem(ClientMetadata::parse_for_cimd(doc)),
            ClientMetadataProblem::SharedSecretInCimd
        );
    }
}

#[test]
fn a_cimd_document_follows_the_same_redirect_uri_rules() {
    let web_loopback = ClientMetadataInput {
        application_type: Some("web".to_owned()),
        ..input(&["http://127.0.0.1:3000/callback"])
    };
    assert_eq!(
        redirect_error(ClientMetadata::parse_for_cimd(web_loopback)),
        RedirectUriError::HttpRequiresNative
    );
    let unsaid = ClientMetadata::parse_for_cimd(input(&["http://127.0.0.1:3000/callback"]));
    assert_eq!(unsaid.unwrap().application_type(), ApplicationType::Native);
}

#[test]
fn errors_carry_their_rfc_7591_code_and_a_description_naming_the_field() {
    let redirect = ClientMetadataError::InvalidRedirectUri(RedirectUriError::HasFragment);
    let failure = OAuthFailure::from(redirect);
    assert_eq!(failure.error, OAuthError::InvalidRedirectUri);
    assert_eq!(
        failure.description,
        "redirect URIs must not contain a fragment"
    );
    let metadata =
        ClientMetadataError::InvalidClientMetadata(ClientMetadataProblem::JwksAndJwksUri);
    assert_eq!(metadata.oauth_error(), OAuthError::InvalidClientMetadata);
    assert_eq!(
        metadata.to_string(),
        "invalid_client_metadata: jwks and jwks_uri must not both be given"
    );
}

fn grant_or_junk() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "authorization_code",
        "refresh_token",
        "implicit",
        "password",
        "",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #[test]
    fn accepted_grant_types_are_a_subset_that_always_includes_authorization_code(
        grants in proptest::option::of(prop::collection::vec(grant_or_junk(), 0..4)),
        responses in proptest::option::of(prop::collection::vec(
            prop::sample::select(vec!["code", "token"]).prop_map(str::to_owned), 0..3)),
    ) {
        let attempt = ClientMetadataInput {
            grant_types: grants,
            response_types: responses,
            ..input(&["https://a.example/cb"])
        };
        if let Ok(metadata) = ClientMetadata::parse(attempt) {
            prop_assert!(metadata.grant_types().contains(&GrantType::AuthorizationCode));
            prop_assert_eq!(metadata.response_types(), [ResponseType::Code]);
        }
    }

    #[test]
    fn without_application_type_the_inferred_type_admits_every_parsable_uri_it_implies(
        uris in prop::collection::vec(prop::sample::select(vec![
            "https://a.example/cb", "http://127.0.0.1/cb", "http://[::1]:9/cb", "http://example.com/cb",
            "com.example.app:/cb", "cursor://anysphere.cursor-mcp/cb", "javascript:alert(1)",
            "https://a.example/#",
        ]), 1..4),
    ) {
        let parsed: Vec<_> = uris.iter().filter_map(|s| RedirectUri::parse(s).ok()).collect();
        let valid = parsed.len() == uris.len()
            && parsed.iter().all(|u| u.validate_for_registration(ApplicationType::Native).is_ok());
        let result = ClientMetadata::parse(input(&uris));
        prop_assert_eq!(result.is_ok(), valid);
        if let Ok(metadata) = result {
            let native = parsed.iter().any(RedirectUri::is_native_only);
            prop_assert_eq!(metadata.application_type() == ApplicationType::Native, native);
        }
    }

    #[test]
    fn registered_redirect_uris_always_pass_the_registration_rules(
        uris in prop::collection::vec(prop::sample::select(vec![
            "https://a.example/cb", "http://127.0.0.1/cb", "http://example.com/cb",
            "com.example.app:/cb", "myapp:/cb", "javascript:alert(1)", "https://a.example/#",
        ]), 1..4),
        native in any::<bool>(),
    ) {
        let application_type = if native { "native" } else { "web" };
        let attempt = ClientMetadataInput {
            application_type: Some(application_type.to_owned()),
            ..input(&uris)
        };
        let expected_type = if native { ApplicationType::Native } else { ApplicationType::Web };
        let all_valid = uris.iter().all(|s| {
            RedirectUri::parse(s).is_ok_and(|u| u.validate_for_registration(expected_type).is_ok())
        });
        prop_assert_eq!(ClientMetadata::parse(attempt).is_ok(), all_valid);
    }
}
