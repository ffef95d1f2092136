//! The compact JWS of an identity assertion (RFC 7515 §7.1, RFC 7519, RFC 8037 `EdDSA`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::Ed25519KeyPair;
use serde::Serialize;
use tessera_domain::Assertion;

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: String,
    client_id: &'a str,
    scope: String,
    jti: String,
    iat: i64,
    exp: i64,
}

/// `base64url(header) . base64url(claims) . base64url(Ed25519 signature)`.
pub(crate) fn encode(assertion: &Assertion, kid: &str, key: &Ed25519KeyPair) -> String {
    let header = Header {
        alg: "EdDSA",
        typ: "JWT",
        kid,
    };
    let claims = Claims {
        iss: &assertion.issuer,
        aud: &assertion.audience,
        sub: assertion.subject.as_uuid().to_string(),
        client_id: &assertion.client_id,
        scope: assertion.scope.to_string(),
        jti: assertion.id.to_string(),
        iat: assertion.issued_at.unix_timestamp(),
        exp: assertion.expires_at.unix_timestamp(),
    };
    sign_parts(&to_json(&header), &to_json(&claims), key)
}

/// Serialising these plain structs cannot fail; were it to, an empty object would be
/// refused by every verifier rather than accepted.
fn to_json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

/// `base64url(header) . base64url(payload)` and its signature.
fn sign_parts(header: &[u8], payload: &[u8], key: &Ed25519KeyPair) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ED25519, KeyPair, UnparsedPublicKey};
    use tessera_domain::{AssertionSubject, Scope, ScopeSet, UserId};
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    #[test]
    fn the_signature_matches_rfc_8037_appendix_a_4() {
        let seed = b64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
        let public = b64("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        let key = Ed25519KeyPair::from_seed_and_public_key(&seed, &public).unwrap();
        let jws = sign_parts(br#"{"alg":"EdDSA"}"#, b"Example of Ed25519 signing", &key);
        assert_eq!(
            jws,
            "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
    }

    #[test]
    fn an_assertion_verifies_with_the_public_key_and_carries_every_claim() {
        let key = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).unwrap();
        let scope = ScopeSet::from_scopes([Scope::Mcp, Scope::UserRead]);
        let who = AssertionSubject {
            issuer: "https://auth.example.com",
            audience: "https://auth.example.com/mcp/docs",
            subject: UserId::new(Uuid::from_u128(1)),
            client_id: "https://client.example/meta.json",
            scope: &scope,
        };
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let assertion = Assertion::new(who, Uuid::from_u128(2), now);
        let jwt = encode(&assertion, "k1", &key);

        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let signed = format!("{}.{}", parts[0], parts[1]);
        UnparsedPublicKey::new(&ED25519, key.public_key().as_ref())
            .verify(signed.as_bytes(), &b64(parts[2]))
            .unwrap();
        let header: serde_json::Value = serde_json::from_slice(&b64(parts[0])).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": "k1"})
        );
        let claims: serde_json::Value = serde_json::from_slice(&b64(parts[1])).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({
                "iss": "https://auth.example.com",
                "aud": "https://auth.example.com/mcp/docs",
                "sub": "00000000-0000-0000-0000-000000000001",
                "client_id": "https://client.example/meta.json",
                "scope": "user:read mcp",
                "jti": "00000000-0000-0000-0000-000000000002",
                "iat": 1_700_000_000,
                "exp": 1_700_000_060,
            })
        );
    }
}
