use proptest::prelude::*;

use super::*;

fn password(s: &str) -> Result<Password, PasswordError> {
    Password::parse(SecretString::new(s.to_owned()))
}

#[test]
fn a_user_id_gives_back_its_uuid() {
    let uuid = Uuid::from_u128(42);
    let id = UserId::new(uuid);
    assert_eq!(id.as_uuid(), uuid);
    assert_eq!(id.to_string(), uuid.to_string());
}

#[test]
fn an_email_is_trimmed_and_kept_as_typed() {
    let email = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
    assert_eq!(email.as_str(), "Ada.Lovelace@Example.COM");
}

#[test]
fn the_normalized_email_is_lowercase() {
    let raw = " Ada@Example.COM";
    assert_eq!(Email::parse(raw).unwrap().normalized(), "ada@example.com");
}

#[test]
fn an_email_without_exactly_one_at_is_rejected() {
    assert_eq!(Email::parse("ada.example.com"), Err(EmailError::NotOneAt));
    assert_eq!(Email::parse("ada@b@example.com"), Err(EmailError::NotOneAt));
}

#[test]
fn an_email_with_an_empty_side_is_rejected() {
    assert_eq!(
        Email::parse("@example.com"),
        Err(EmailError::EmptyLocalPart)
    );
    assert_eq!(Email::parse("ada@"), Err(EmailError::EmptyDomain));
    assert_eq!(Email::parse("   "), Err(EmailError::Empty));
}

#[test]
fn an_email_with_inner_spaces_is_rejected() {
    assert_eq!(
        Email::parse("ada@exa mple.com"),
        Err(EmailError::InvalidCharacter)
    );
    assert_eq!(
        Email::parse("a da@example.com"),
        Err(EmailError::InvalidCharacter)
    );
}

#[test]
fn an_email_of_254_characters_is_accepted_and_255_rejected() {
    let at_limit = format!("{}@example.com", "a".repeat(254 - 12));
    assert!(Email::parse(&at_limit).is_ok());
    let over = format!("a{at_limit}");
    assert_eq!(Email::parse(&over), Err(EmailError::TooLong));
}

#[test]
fn a_dotless_domain_is_accepted_for_local_installations() {
    assert!(Email::parse("admin@localhost").is_ok());
}

#[test]
fn usernames_of_letters_digits_and_single_hyphens_are_accepted() {
    for s in ["a", "ada", "Ada-Lovelace", "x1-y2-z3", &"a".repeat(32)] {
        assert_eq!(Username::parse(s).unwrap().as_str(), s);
    }
}

#[test]
fn a_username_longer_than_32_characters_is_rejected() {
    assert_eq!(
        Username::parse(&"a".repeat(33)),
        Err(UsernameError::TooLong)
    );
}

#[test]
fn a_username_with_misplaced_hyphens_is_rejected() {
    for s in ["-ada", "ada-", "ada--lovelace", "-"] {
        assert_eq!(
            Username::parse(s),
            Err(UsernameError::MisplacedHyphen),
            "{s}"
        );
    }
}

#[test]
fn a_username_with_other_characters_is_rejected() {
    for s in ["ada_l", "ada.l", "ada l", "adé", " ada"] {
        assert_eq!(
            Username::parse(s),
            Err(UsernameError::InvalidCharacter),
            "{s}"
        );
    }
    assert_eq!(Username::parse(""), Err(UsernameError::Empty));
}

#[test]
fn a_password_shorter_than_8_characters_is_rejected() {
    assert_eq!(password("1234567").unwrap_err(), PasswordError::TooShort);
    assert_eq!(password("12345678").unwrap().expose(), "12345678");
}

#[test]
fn password_length_is_counted_in_characters_not_bytes() {
    assert_eq!(password("ééé").unwrap_err(), PasswordError::TooShort);
    assert!(password(&"é".repeat(256)).is_ok());
    assert_eq!(
        password(&"é".repeat(257)).unwrap_err(),
        PasswordError::TooLong
    );
}

#[test]
fn a_password_is_not_trimmed() {
    assert_eq!(password("  spaced  ").unwrap().expose(), "  spaced  ");
}

#[test]
fn passwords_and_hashes_are_redacted_in_debug_output() {
    let pw = password("correct horse").unwrap();
    let hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned());
    assert_eq!(format!("{pw:?}"), "Password([redacted])");
    assert_eq!(format!("{hash:?}"), "PasswordHash([redacted])");
    let record = UserWithPassword {
        user: User {
            id: UserId::new(Uuid::from_u128(1)),
            email: Email::parse("ada@example.com").unwrap(),
            username: Username::parse("ada").unwrap(),
            admin: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
        },
        password_hash: hash,
        status: crate::AccountStatus::Active,
    };
    let debug = format!("{record:?}");
    assert!(debug.contains("ada@example.com"), "{debug}");
    assert!(!debug.contains("argon2id"), "{debug}");
}

proptest! {
    #[test]
    fn accepted_usernames_always_follow_coders_rule(s in "[a-zA-Z0-9_ -]{0,40}") {
        if let Ok(username) = Username::parse(&s) {
            prop_assert!((1..=32).contains(&s.len()));
            let words_ok = username
                .as_str()
                .split('-')
                .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric()));
            prop_assert!(words_ok);
        }
    }

    #[test]
    fn parsed_emails_have_one_at_and_normalize_like_their_raw_input(s in "[ a-zA-Z0-9@.\u{e9}\t]{0,30}") {
        if let Ok(email) = Email::parse(&s) {
            prop_assert_eq!(email.as_str().matches('@').count(), 1);
            prop_assert_eq!(email.normalized(), s.trim().to_lowercase());
        }
    }
}
