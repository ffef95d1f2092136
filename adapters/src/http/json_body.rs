//! JSON request bodies read into DTOs with every problem named by its field (SPEC §2:
//! 400 `{"message", "validations": [{"field", "detail"}]}`), never repeating a value, which
//! could be a password (SPEC §7).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, FieldError};

/// A JSON body of type `T`. Syntax, size and content-type errors are answered by the
/// `JsonConfig` handler; a body that is JSON but the wrong shape names the field here.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(value) = json.await?;
            Ok(JsonBody(shaped(value)?))
        })
    }
}

/// `value` read as `T`, or a validation error naming the field that does not fit.
fn shaped<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let problem = field_problem(&path, &e.inner().to_string());
        ApiError::Validation {
            message: "Invalid JSON body.".into(),
            validations: vec![problem],
        }
    })
}

/// The field and a value-free detail for one of serde's data errors. serde spells these
/// messages in fixed forms (`missing field `x``, `unknown field `x`, expected …`,
/// `invalid type: …, expected …`); only the names and the expectation are kept.
fn field_problem(path: &str, message: &str) -> FieldError {
    let named = |rest: &str| rest.split('`').nth(1).unwrap_or_default().to_owned();
    let under = |name: String| match path {
        "." | "" => name,
        parent => format!("{parent}.{name}"),
    };
    let (field, detail) = if let Some(rest) = message.strip_prefix("missing field ") {
        (under(named(rest)), "is required".to_owned())
    } else if let Some(rest) = message.strip_prefix("unknown field ") {
        // The path already ends with the unknown field.
        let field = match path {
            "." | "" => named(rest),
            path => path.to_owned(),
        };
        (field, "is not a field of this request".to_owned())
    } else {
        let expected = message.split_once(", expected ").map(|(_, e)| e);
        let detail = match expected {
            Some(expected) => format!("must be {expected}"),
            None => "has the wrong type or format".to_owned(),
        };
        let field = match path {
            "." | "" => "body".to_owned(),
            path => path.to_owned(),
        };
        (field, detail)
    };
    FieldError { field, detail }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        uris: Option<Vec<String>>,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        count: u32,
    }

    fn problem(value: Value) -> FieldError {
        match shaped::<Sample>(value) {
            Err(ApiError::Validation { validations, .. }) => validations[0].clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_field_is_named_and_required() {
        let p = problem(json!({"uris": []}));
        assert_eq!(
            (p.field.as_str(), p.detail.as_str()),
            ("name", "is required")
        );
        let p = problem(json!({"name": "a", "nested": {}}));
        assert_eq!(p.field, "nested.count");
    }

    #[test]
    fn a_wrong_type_is_named_by_its_path_without_the_value() {
        let p = problem(json!({"name": "hunter2-secret", "uris": ["a", 7]}));
        assert_eq!(p.field, "uris[1]");
        assert_eq!(p.detail, "must be a string");
        let p = problem(json!({"name": 123456789}));
        assert_eq!(p.field, "name");
        assert!(!p.detail.contains("123456789"), "{}", p.detail);
        let p = problem(json!({"name": "a", "nested": {"count": "many"}}));
        assert_eq!(p.field, "nested.count");
        assert!(!p.detail.contains("many"), "{}", p.detail);
    }

    #[test]
    fn an_unknown_field_is_named() {
        let p = problem(json!({"name": "a", "colour": "red"}));
        assert_eq!(p.field, "colour");
    }

    #[test]
    fn a_body_that_is_not_an_object_is_named_body() {
        let p = problem(json!(["name"]));
        assert_eq!(p.field, "body");
    }
}
