//! `GET /api/v2/audit` (SPEC §3): the audit log, newest first, filtered by actor, action,
//! app and time, shaped as Coder's `AuditLogResponse`; and the query parameters the audit
//! page reads too.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_application::Ports;
use tessera_application::audit::{AuditError, AuditService};
use tessera_application::ports::AuditRecord;
use tessera_domain::{AuditQuery, AuditQueryText};
use time::OffsetDateTime;
use uuid::Uuid;

use super::WebSettings;
use super::api_auth::ApiAuth;
use super::error::{ApiError, FieldError};

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Repo(e) => e.into(),
        }
    }
}

/// `?actor=&action=&app=&from=&to=&limit=&offset=`, read as text so that every bad value
/// is named like any other field.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    app: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

impl AuditParams {
    /// The parameters of a query string; a malformed one (a field given twice) is a 400.
    pub(crate) fn from_query(query: &str) -> Result<Self, ApiError> {
        web::Query::<Self>::from_query(query)
            .map(web::Query::into_inner)
            .map_err(|e| ApiError::BadRequest(format!("Invalid query string: {e}")))
    }

    /// The same, less `limit`: the page always shows 50 entries.
    pub(crate) fn for_page(self) -> Self {
        Self {
            limit: None,
            ..self
        }
    }

    /// The filters as typed, to show them again in the page's form.
    pub(crate) fn filters(&self) -> serde_json::Value {
        let typed = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
        serde_json::json!({
            "actor": typed(&self.actor),
            "action": typed(&self.action),
            "app": typed(&self.app),
            "from": typed(&self.from),
            "to": typed(&self.to),
        })
    }

    /// The query, or a 400 naming the field that is wrong.
    pub(crate) fn try_into_domain(&self) -> Result<AuditQuery, ApiError> {
        let number = |field: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| invalid(field, &format!("{field} must be a whole number"))),
        };
        AuditQuery::parse(AuditQueryText {
            actor: self.actor.as_deref(),
            action: self.action.as_deref(),
            app: self.app.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            limit: number("limit", &self.limit)?,
            offset: number("offset", &self.offset)?,
        })
        .map_err(|e| invalid(e.field(), &e.to_string()))
    }
}

fn invalid(field: &str, detail: &str) -> ApiError {
    ApiError::Validation {
        message: "Invalid audit log query.".into(),
        validations: vec![FieldError {
            field: field.to_owned(),
            detail: detail.to_owned(),
        }],
    }
}

#[derive(Debug, Serialize)]
struct AuditDto {
    id: i64,
    #[serde(with = "time::serde::rfc3339")]
    time: OffsetDateTime,
    user_id: Option<Uuid>,
    actor: String,
    action: String,
    resource_type: String,
    resource_id: String,
    ip: Option<String>,
    user_agent: Option<String>,
    details: serde_json::Map<String, serde_json::Value>,
}

impl From<AuditRecord> for AuditDto {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            time: r.at,
            user_id: r.actor.user_id,
            actor: r.actor.name,
            action: r.action,
            resource_type: r.target_type,
            resource_id: r.target_id,
            ip: r.actor.ip.map(|ip| ip.to_string()),
            user_agent: r.actor.user_agent,
            details: r
                .details
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        }
    }
}

/// `GET /api/v2/audit?actor=&action=&app=&from=&to=&limit=&offset=` (admin).
pub(crate) async fn get_audit<P: Ports>(
    req: HttpRequest,
    (audit, auth, settings): (
        web::Data<AuditService<P>>,
        ApiAuth<P>,
        web::Data<WebSettings>,
    ),
) -> Result<HttpResponse, ApiError> {
    let caller = auth.admin(&req, &settings).await?;
    let query = AuditParams::from_query(req.query_string())?.try_into_domain()?;
    let page = audit.list_entries(&caller, query).await?;
    let audit_logs: Vec<AuditDto> = page.entries.into_iter().map(AuditDto::from).collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "audit_logs": audit_logs, "count": page.total })))
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;

    use super::*;
    use tessera_application::admin::{AdminAuthError, NotAdmin};

    fn params(query: &str) -> Result<AuditQuery, ApiError> {
        AuditParams::from_query(query)?.try_into_domain()
    }

    fn field(e: ApiError) -> String {
        match e {
            ApiError::Validation { validations, .. } => validations[0].field.clone(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert_eq!(field(params("limit=ten").unwrap_err()), "limit");
        assert_eq!(field(params("offset=1.5").unwrap_err()), "offset");
        assert_eq!(field(params("action=explode").unwrap_err()), "action");
        assert_eq!(field(params("from=yesterday").unwrap_err()), "from");
        assert_eq!(field(params("to=2026-13-01").unwrap_err()), "to");
        assert_eq!(field(params("actor=bob%40").unwrap_err()), "actor");
    }

    #[test]
    fn a_parameter_given_twice_is_a_bad_request() {
        let e = params("action=create&action=delete").unwrap_err();
        assert!(matches!(e, ApiError::BadRequest(_)), "{e:?}");
    }

    #[test]
    fn no_parameters_are_the_first_page_of_everything() {
        assert_eq!(params("").unwrap(), AuditQuery::all());
    }

    #[test]
    fn a_non_admin_is_refused_with_403() {
        let e = ApiError::from(AdminAuthError::<ApiError>::NotAdmin(NotAdmin));
        assert_eq!(e.status_code().as_u16(), 403);
    }
}
