use proptest::prelude::*;

use super::*;

const ALL_KINDS: [CredentialKind; 8] = [
    CredentialKind::Session,
    CredentialKind::AccessToken,
    CredentialKind::RefreshToken,
    CredentialKind::AuthorizationCode,
    CredentialKind::ClientSecret,
    CredentialKind::RegistrationAccessToken,
    CredentialKind::IntrospectionSecret,
    CredentialKind::PasswordReset,
];

fn sample(kind: CredentialKind) -> Credential {
    Credential::from_entropy(kind, [0xab; 8], [0xff; 32])
}

#[test]
fn each_kind_has_its_own_prefix() {
    let prefixes: Vec<_> = ALL_KINDS.iter().map(CredentialKind::prefix).collect();
    assert_eq!(
        prefixes,
        ["tss", "tat", "trt", "tac", "tcs", "trg", "tis", "tpr"]
    );
}

#[test]
fn a_credential_is_prefix_lookup_id_and_43_character_secret() {
    let credential = Credential::from_entropy(CredentialKind::AccessToken, [0x01; 8], [0; 32]);
    assert_eq!(
        credential.expose(),
        "tat_0101010101010101_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    );
    assert_eq!(credential.lookup_id().as_str(), "0101010101010101");
    assert_eq!(credential.kind(), CredentialKind::AccessToken);
}

#[test]
fn a_secret_containing_underscores_still_parses() {
    // 0xff bytes encode to `_` in base64url.
    let issued = sample(CredentialKind::RefreshToken);
    assert!(issued.expose()[21..].contains("___"));
    let parsed = Credential::parse(CredentialKind::RefreshToken, issued.expose()).unwrap();
    assert_eq!(parsed.lookup_id(), issued.lookup_id());
    assert!(parsed.hash().matches(&issued.hash()));
}

#[test]
fn a_credential_of_another_kind_is_rejected() {
    let session = sample(CredentialKind::Session);
    let result = Credential::parse(CredentialKind::AccessToken, session.expose());
    assert_eq!(result.unwrap_err(), CredentialError::WrongKind);
}

#[test]
fn a_credential_without_three_parts_is_rejected() {
    assert_eq!(
        Credential::parse(CredentialKind::Session, "tss_abababababababab").unwrap_err(),
        CredentialError::Malformed
    );
    assert_eq!(
        Credential::parse(CredentialKind::Session, "").unwrap_err(),
        CredentialError::Malformed
    );
}

#[test]
fn an_uppercase_or_short_lookup_id_is_rejected() {
    let secret = "A".repeat(43);
    for lookup in ["ABABABABABABABAB", "ababababababab", "abababababababag"] {
        let s = format!("tss_{lookup}_{secret}");
        assert_eq!(
            Credential::parse(CredentialKind::Session, &s).unwrap_err(),
            CredentialError::InvalidLookupId,
            "{lookup}"
        );
    }
}

#[test]
fn a_secret_of_the_wrong_length_or_alphabet_is_rejected() {
    for secret in [
        "A".repeat(42),
        "A".repeat(44),
        format!("{}+", "A".repeat(42)),
    ] {
        let s = format!("tss_abababababababab_{secret}");
        assert_eq!(
            Credential::parse(CredentialKind::Session, &s).unwrap_err(),
            CredentialError::InvalidSecret,
            "{secret}"
        );
    }
}

#[test]
fn a_secret_with_nonzero_trailing_bits_is_rejected() {
    // 43 characters carry 258 bits; the last two must be zero in a canonical encoding.
    let s = format!("tss_abababababababab_{}B", "A".repeat(42));
    assert_eq!(
        Credential::parse(CredentialKind::Session, &s).unwrap_err(),
        CredentialError::InvalidSecret
    );
}

#[test]
fn the_hash_is_sha256_of_the_whole_credential() {
    let credential = sample(CredentialKind::Session);
    let expected = digest::digest(&digest::SHA256, credential.expose().as_bytes());
    assert_eq!(credential.hash().as_bytes(), expected.as_ref());
}

#[test]
fn different_credentials_have_hashes_that_do_not_match() {
    let a = Credential::from_entropy(CredentialKind::Session, [1; 8], [1; 32]);
    let b = Credential::from_entropy(CredentialKind::Session, [1; 8], [2; 32]);
    assert!(!a.hash().matches(&b.hash()));
    assert!(a.hash().matches(&a.hash()));
}

#[test]
fn a_stored_hash_must_be_exactly_32_bytes() {
    assert_eq!(
        CredentialHash::from_bytes(&[0; 31]).unwrap_err(),
        CredentialError::InvalidHashLength
    );
    assert_eq!(
        CredentialHash::from_bytes(&[0; 33]).unwrap_err(),
        CredentialError::InvalidHashLength
    );
    let hash = sample(CredentialKind::Session).hash();
    let reread = CredentialHash::from_bytes(hash.as_bytes()).unwrap();
    assert!(reread.matches(&hash));
}

#[test]
fn debug_output_shows_kind_and_lookup_id_but_not_the_secret() {
    let credential = sample(CredentialKind::ClientSecret);
    let secret = &credential.expose()["tcs_abababababababab_".len()..];
    let debug = format!("{credential:?}");
    assert!(debug.contains("ClientSecret"), "{debug}");
    assert!(debug.contains("abababababababab"), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
    assert!(!debug.contains(secret), "{debug}");
    assert!(!debug.contains(credential.expose()), "{debug}");
}

#[test]
fn debug_output_of_a_hash_is_redacted() {
    let hash = sample(CredentialKind::Session).hash();
    assert_eq!(format!("{hash:?}"), "CredentialHash([redacted])");
}

#[test]
fn the_last_six_characters_identify_a_client_secret() {
    let credential = Credential::from_entropy(CredentialKind::ClientSecret, [0; 8], [0; 32]);
    assert_eq!(credential.last_chars(6), "AAAAAA");
    let whole = credential.last_chars(1000);
    assert_eq!(whole, credential.expose());
}

proptest! {
    #[test]
    fn every_issued_credential_parses_back_to_the_same_hash(
        kind_index in 0usize..ALL_KINDS.len(),
        lookup in any::<[u8; 8]>(),
        secret in any::<[u8; 32]>(),
    ) {
        let kind = ALL_KINDS[kind_index];
        let issued = Credential::from_entropy(kind, lookup, secret);
        let parsed = Credential::parse(kind, issued.expose()).unwrap();
        prop_assert_eq!(parsed.kind(), kind);
        prop_assert_eq!(parsed.lookup_id(), issued.lookup_id());
        prop_assert!(parsed.hash().matches(&issued.hash()));
        prop_assert_eq!(issued.expose().len(), 3 + 1 + 16 + 1 + 43);
    }

    #[test]
    fn arbitrary_strings_never_panic_and_only_well_formed_ones_parse(s in "\\PC{0,80}") {
        if let Ok(credential) = Credential::parse(CredentialKind::Session, &s) {
            prop_assert!(s.starts_with("tss_"));
            prop_assert_eq!(s.len(), 64);
            prop_assert_eq!(credential.expose(), s.as_str());
        }
    }

    #[test]
    fn a_credential_with_any_character_changed_no_longer_matches(
        secret in any::<[u8; 32]>(),
        position in 21usize..64,
    ) {
        let issued = Credential::from_entropy(CredentialKind::Session, [9; 8], secret);
        let mut forged = issued.expose().as_bytes().to_vec();
        forged[position] = if forged[position] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        if let Ok(parsed) = Credential::parse(CredentialKind::Session, &forged) {
            prop_assert!(!parsed.hash().matches(&issued.hash()));
        }
    }
}

#[test]
fn the_lookup_id_is_the_bytes_in_lowercase_hex() {
    let lookup = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    let credential = Credential::from_entropy(CredentialKind::RefreshToken, lookup, [0xfb; 32]);
    assert_eq!(credential.lookup_id().as_str(), "0123456789abcdef");
    assert!(credential.expose().starts_with("trt_0123456789abcdef_-_v7"));
}
