use super::*;

#[test]
fn every_client_type_reads_back_from_its_spelling() {
    for v in ClientType::ALL {
        assert_eq!(ClientType::parse(v.as_str()), Ok(v));
    }
    assert_eq!(
        ClientType::parse("Public"),
        Err(ClientValueError::UnknownClientType)
    );
}

#[test]
fn every_auth_method_reads_back_from_its_spelling() {
    for v in TokenEndpointAuthMethod::ALL {
        assert_eq!(TokenEndpointAuthMethod::parse(v.as_str()), Ok(v));
    }
    assert_eq!(
        TokenEndpointAuthMethod::parse("client_secret_jwt"),
        Err(ClientValueError::UnknownTokenEndpointAuthMethod)
    );
}

#[test]
fn only_the_client_secret_methods_use_a_shared_secret() {
    let shared: Vec<_> = TokenEndpointAuthMethod::ALL
        .into_iter()
        .filter(TokenEndpointAuthMethod::uses_shared_secret)
        .collect();
    assert_eq!(
        shared,
        [
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost
        ]
    );
}

#[test]
fn only_auth_method_none_makes_a_public_client() {
    assert_eq!(
        TokenEndpointAuthMethod::None.client_type(),
        ClientType::Public
    );
    assert_eq!(
        TokenEndpointAuthMethod::PrivateKeyJwt.client_type(),
        ClientType::Confidential
    );
    assert_eq!(
        TokenEndpointAuthMethod::ClientSecretPost.client_type(),
        ClientType::Confidential
    );
}

#[test]
fn application_types_grant_types_and_sources_read_back_from_their_spellings() {
    for v in ApplicationType::ALL {
        assert_eq!(ApplicationType::parse(v.as_str()), Ok(v));
    }
    for v in GrantType::ALL {
        assert_eq!(GrantType::parse(v.as_str()), Ok(v));
    }
    for v in RegistrationSource::ALL {
        assert_eq!(RegistrationSource::parse(v.as_str()), Ok(v));
    }
    assert_eq!(
        ApplicationType::parse("browser"),
        Err(ClientValueError::UnknownApplicationType)
    );
    assert_eq!(
        GrantType::parse("implicit"),
        Err(ClientValueError::UnknownGrantType)
    );
    assert_eq!(
        RegistrationSource::parse("x"),
        Err(ClientValueError::UnknownRegistrationSource)
    );
}

#[test]
fn only_the_code_response_type_exists() {
    assert_eq!(ResponseType::parse("code"), Ok(ResponseType::Code));
    assert_eq!(ResponseType::Code.as_str(), "code");
    for other in ["token", "id_token", "code token", "CODE"] {
        assert_eq!(
            ResponseType::parse(other),
            Err(ClientValueError::UnknownResponseType)
        );
    }
}
