//! `?q=&source=&client_type=&blocked=&used=&sort=&limit=&offset=` (issue 18): the search of
//! the apps API and page, parsed into an `AppQuery` with every bad parameter named, and
//! written back into the links to other pages.

use actix_web::HttpResponse;
use serde::Deserialize;
use tessera_application::apps::AppPage;
use tessera_domain::{
    AppFilter, AppOrder, AppQuery, AppSearch, ClientType, RegistrationSource, TokenUse, UserId,
    parse_flag,
};

use super::apps::AppDto;
use super::error::{ApiError, FieldError};

const API: &str = "/api/v2/oauth2-provider/apps";

/// The list's parameters as sent, read as text so each bad value is named; an empty value
/// is no value (the page's form sends every field).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AppListParams {
    user_id: Option<String>,
    q: Option<String>,
    source: Option<String>,
    client_type: Option<String>,
    blocked: Option<String>,
    used: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// The value of a parameter, unless it is absent or empty.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// `Some` of a good value; a bad one is added to `problems` under `field`.
fn note<T, E: std::fmt::Display>(
    problems: &mut Vec<FieldError>,
    field: &str,
    parsed: Result<T, E>,
) -> Option<T> {
    parsed
        .map_err(|e| {
            problems.push(FieldError {
                field: field.to_owned(),
                detail: e.to_string(),
            })
        })
        .ok()
}

impl AppListParams {
    /// Reads a query string (a repeated parameter is a 400 like any bad one).
    pub(crate) fn from_query(query: &str) -> Result<Self, ApiError> {
        actix_web::web::Query::<Self>::from_query(query)
            .map(actix_web::web::Query::into_inner)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    }

    /// Whether the request asks for a page: without any of these parameters the API lists
    /// every app, as Coder does.
    pub(crate) fn asks_for_a_page(&self) -> bool {
        [
            &self.q,
            &self.source,
            &self.client_type,
            &self.blocked,
            &self.used,
            &self.sort,
            &self.limit,
            &self.offset,
        ]
        .iter()
        .any(|v| v.is_some())
    }

    /// `user_id`: the person whose authorized apps to list.
    pub(crate) fn user(&self) -> Result<Option<UserId>, ApiError> {
        let mut problems = Vec::new();
        let parse = |v: &str| v.parse::<uuid::Uuid>().map_err(|_| "must be a UUID");
        let user = given(&self.user_id).map(|v| note(&mut problems, "user_id", parse(v)));
        match problems.is_empty() {
            true => Ok(user.flatten().map(UserId::new)),
            false => Err(invalid(problems)),
        }
    }

    /// The search, or a 400 naming every parameter that is wrong.
    pub(crate) fn try_into_domain(&self) -> Result<AppQuery, ApiError> {
        let mut p = Vec::new();
        let number = |v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| "must be a whole number")
        };
        let filter = AppFilter {
            text: given(&self.q).and_then(|v| note(&mut p, "q", AppSearch::parse(v)).flatten()),
            source: given(&self.source)
                .and_then(|v| note(&mut p, "source", RegistrationSource::parse(v))),
            client_type: given(&self.client_type)
                .and_then(|v| note(&mut p, "client_type", ClientType::parse(v))),
            blocked: given(&self.blocked).and_then(|v| note(&mut p, "blocked", parse_flag(v))),
            used: given(&self.used).and_then(|v| note(&mut p, "used", TokenUse::parse(v))),
            authorized_by: None,
        };
        let order = given(&self.sort).map(|v| note(&mut p, "sort", AppOrder::parse(v)));
        let limit = given(&self.limit).and_then(|v| note(&mut p, "limit", number(v)));
        let limit = note(&mut p, "limit", AppQuery::parse_limit(limit));
        let offset = given(&self.offset).and_then(|v| note(&mut p, "offset", number(v)));
        let offset = note(&mut p, "offset", AppQuery::parse_offset(offset));
        let authorized_by = match self.user() {
            Ok(user) => user,
            Err(ApiError::Validation { validations, .. }) => {
                p.extend(validations);
                None
            }
            Err(e) => return Err(e),
        };
        let filter = AppFilter {
            authorized_by,
            ..filter
        };
        if !p.is_empty() {
            return Err(invalid(p));
        }
        let order = order.flatten().unwrap_or_default();
        AppQuery::new(filter, order, limit, offset).map_err(|e| {
            invalid(vec![FieldError {
                field: "limit".into(),
                detail: e.to_string(),
            }])
        })
    }
}

fn invalid(validations: Vec<FieldError>) -> ApiError {
    ApiError::Validation {
        message: "Invalid query parameters.".into(),
        validations,
    }
}

/// The query string that asks for `query` again (defaults left out, `user_id` too).
pub(crate) fn query_string(query: &AppQuery) -> String {
    let f = query.filter();
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    let mut pair = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.append_pair(k, &v);
        }
    };
    pair("q", f.text.as_ref().map(|t| t.as_str().to_owned()));
    pair("source", f.source.map(|s| s.as_str().to_owned()));
    pair("client_type", f.client_type.map(|t| t.as_str().to_owned()));
    pair("blocked", f.blocked.map(|b| b.to_string()));
    pair("used", f.used.map(|u| u.to_param()));
    let order = query.order();
    pair(
        "sort",
        (order != AppOrder::default()).then(|| order.as_str().into()),
    );
    let limit = query.limit();
    pair(
        "limit",
        (limit != AppQuery::DEFAULT_LIMIT).then(|| limit.to_string()),
    );
    pair("offset", Some(query.offset().to_string()));
    out.finish()
}

/// A page of the API: Coder's array of apps, with the number of matches in
/// `X-Total-Count` and the neighbouring pages in `Link` (RFC 8288), as GitHub's API does.
pub(crate) fn page_response(page: &AppPage, access_url: &str) -> HttpResponse {
    let q = &page.query;
    let link = |offset: i64, rel: &str| {
        let user = q.filter().authorized_by.map(|u| format!("user_id={u}&"));
        let user = user.unwrap_or_default();
        let href = query_string(&q.at_offset(offset));
        format!("<{access_url}{API}?{user}{href}>; rel=\"{rel}\"")
    };
    let links: Vec<String> = [
        q.next_offset(page.total).map(|o| link(o, "next")),
        q.previous_offset().map(|o| link(o, "prev")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut response = HttpResponse::Ok();
    response.insert_header(("x-total-count", page.total.to_string()));
    if !links.is_empty() {
        response.insert_header(("link", links.join(", ")));
    }
    let body: Vec<AppDto> = page
        .apps
        .iter()
        .map(|a| AppDto::new(a, access_url))
        .collect();
    response.json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<AppQuery, ApiError> {
        AppListParams::from_query(query)?.try_into_domain()
    }

    #[test]
    fn a_query_written_into_a_link_reads_back_the_same() {
        let query = parse("q=a%26b&source=cimd&client_type=public&blocked=false&used=45d&sort=-last_token&limit=20&offset=40").unwrap();
        assert_eq!(parse(&query_string(&query)).unwrap(), query);
        assert_eq!(query_string(&AppQuery::all()), "offset=0");
    }

    #[test]
    fn empty_values_are_no_values_but_still_ask_for_a_page() {
        let params = AppListParams::from_query("q=&source=&sort=").unwrap();
        assert!(params.asks_for_a_page());
        assert_eq!(params.try_into_domain().unwrap(), AppQuery::all());
        assert!(
            !AppListParams::from_query("user_id=")
                .unwrap()
                .asks_for_a_page()
        );
    }

    #[test]
    fn a_repeated_parameter_is_a_bad_request() {
        let repeated = AppListParams::from_query("q=a&q=b");
        assert!(matches!(repeated, Err(ApiError::BadRequest(_))));
    }
}
