//! The REST API under `/api/v1`: one file per area, each handler turning a
//! request into the CLI's [`Cmd`](crate::cli::Cmd) after the caller's role
//! is checked. The OpenAPI document is generated from these handlers'
//! annotations (utoipa), so it lists exactly the routes that are served.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::tokens::Role;
use super::{ApiError, AppState, Caller};
use crate::cli::Page;
use crate::error::Failure;

mod assignments;
mod leases;
mod pools;
mod reports;
mod rules;
mod users;

/// The error body of every refusal.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable snake_case code (`capacity_exceeded`, `forbidden`…).
    code: String,
    /// What happened, for people.
    message: String,
    /// `capacity_exceeded` and `capacity_below_allocated`: the pool's seats.
    #[schema(nullable = false)]
    capacity: Option<u64>,
    /// The same: the seats allocated.
    #[schema(nullable = false)]
    allocated: Option<u64>,
    /// `incompatible`: the conflicting pool.
    #[schema(nullable = false)]
    pool_id: Option<String>,
    /// `incompatible`: its name.
    #[schema(nullable = false)]
    pool_name: Option<String>,
}

/// `/healthz`: the process answers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok`.
    status: String,
}

/// A deleted object.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Deleted {
    /// Its id.
    id: String,
    /// `true`.
    deleted: bool,
}

/// The per-item result of a bulk operation.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BulkResult {
    /// Items done.
    succeeded: u64,
    /// Items refused.
    failed: u64,
    /// Each item's result, in input order: `{user_id | assignment_id, ok,
    /// assignment_id?, error?}`.
    results: Vec<Value>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from `licman-seats token new`, listed in the server's tokens file",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "licman-seats",
        description = "Seat pools, assignments, leases, rules, analytics, compliance and the audit trail of a licman seat store. Every refusal is `{\"error\": {\"code\", \"message\"}}`: 400 a malformed request, 401 no or a bad token, 403 a role that may not, 404 an unknown id, 409 a conflict with the current state, 422 a value that fails validation, 503 a database that does not answer."
    ),
    modifiers(&Security),
    security(("bearer" = [])),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// Every route with its OpenAPI description.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .routes(routes!(me))
        .merge(pools::routes())
        .merge(assignments::routes())
        .merge(users::routes())
        .merge(rules::routes())
        .merge(leases::routes())
        .merge(reports::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .nest("/api/v1", v1)
}

/// The OpenAPI 3.1 document of this server's API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

fn openapi_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| openapi().to_pretty_json().unwrap_or_default())
}

/// The OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_text()).into_response()
}

/// The process answers.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "meta", security(()),
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn readyz(State(app): State<AppState>) -> Result<axum::Json<Health>, ApiError> {
    let probe = app.clone();
    app.workers
        .run(move || probe.store.with(|s| s.now().map(|_| ())))
        .await??;
    Ok(axum::Json(Health {
        status: "ready".into(),
    }))
}

/// Who the token is.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Me {
    /// The token's name.
    name: String,
    /// `admin`, `manager`, `staff` or `instance`.
    role: String,
    /// A manager's users.
    manages: Vec<String>,
    /// A staff token's user.
    user: Option<String>,
    /// An instance's pools.
    pools: Vec<String>,
}

/// The caller's token: its name, role and scope (what the dashboard shows).
#[utoipa::path(get, path = "/me", tag = "meta",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(caller: super::Caller) -> Result<axum::Json<Me>, ApiError> {
    require(
        &caller,
        &[Role::Admin, Role::Manager, Role::Staff, Role::Instance],
    )?;
    let p = caller.principal;
    Ok(axum::Json(Me {
        name: p.name,
        role: p.role.name().into(),
        manages: p.manages.into_iter().collect(),
        user: p.user,
        pools: p.pools.into_iter().collect(),
    }))
}

/// Anything else: 404 in the API's error shape.
pub(crate) async fn not_found() -> ApiError {
    ApiError(Failure::new("not_found", "no such route"))
}

/// A request body: JSON (`Content-Type: application/json`), every field
/// known and of its type, or 400 (413 past the size limit, 415 another
/// content type).
///
/// The extractor never refuses: it keeps what it found, and the handler
/// takes it with [`JsonBody::read`] after the caller's role is checked, so
/// a token that may not use a route hears 403 whatever it sent (not a 400
/// or 415 that tells it how the body is read).
pub(crate) struct JsonBody<T>(Result<T, ApiError>);

impl<T> JsonBody<T> {
    /// The body, or why it is refused.
    pub(crate) fn read(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(JsonBody(json_body(request, state).await))
    }
}

async fn json_body<T: DeserializeOwned, S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<T, ApiError> {
    let json = media_type(&request).is_some_and(|m| {
        m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
    });
    if !json {
        return Err(ApiError(Failure::new(
            "unsupported_media_type",
            "the body must be JSON (Content-Type: application/json)",
        )));
    }
    let bytes = read_body(request, state).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError(Failure::new("bad_request", format!("the JSON body: {e}"))))
}

/// The request's media type, lower case, without its parameters: `None`
/// without a `Content-Type`, an empty string for one that cannot be read
/// (not visible ASCII, or empty), which no route takes.
fn media_type(request: &Request) -> Option<String> {
    let value = request.headers().get(header::CONTENT_TYPE)?;
    let essence = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    Some(essence)
}

/// A CSV body, UTF-8: `Content-Type: text/csv` (or another `text/` type,
/// `application/csv`, or none), else 415; 400 when it is not UTF-8. Taken,
/// like [`JsonBody`], after the role check ([`TextBody::read`]).
pub(crate) struct TextBody(Result<String, ApiError>);

impl TextBody {
    /// The text, or why it is refused.
    pub(crate) fn read(self) -> Result<String, ApiError> {
        self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for TextBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(TextBody(text_body(request, state).await))
    }
}

async fn text_body<S: Send + Sync>(request: Request, state: &S) -> Result<String, ApiError> {
    let csv = media_type(&request)
        .is_none_or(|m| (m.starts_with("text/") && m.len() > 5) || m == "application/csv");
    if !csv {
        return Err(ApiError(Failure::new(
            "unsupported_media_type",
            "the body must be CSV text (Content-Type: text/csv)",
        )));
    }
    let bytes = read_body(request, state).await?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError(Failure::new("bad_request", "the body is not UTF-8 text")))
}

async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError(Failure::new(code, e.body_text()))
    })
}

/// Query parameters, each of its type, or 400; taken, like [`JsonBody`],
/// after the role check ([`Params::read`]). A parameter the route does not
/// take is refused (400), not ignored: a misspelt filter (`?pool_id=`
/// for `?pool=`) would otherwise answer with the whole unfiltered list.
pub(crate) struct Params<T>(Result<T, ApiError>);

impl<T> Params<T> {
    /// The parameters, or why they are refused.
    pub(crate) fn read(self) -> Result<T, ApiError> {
        self.0
    }
}

/// A route's query: its documented parameters, and whether it also takes
/// [`Paging`]'s (`sort`, `limit`, `offset`).
pub(crate) trait Query: DeserializeOwned + IntoParams {
    /// It takes `sort`, `limit` and `offset`.
    const PAGED: bool;
}

/// The names of `T`'s parameters.
fn parameter_names<T: IntoParams>() -> Vec<String> {
    T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect()
}

impl<T: Query, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Params(query::<T>(&parts.uri)))
    }
}

fn query<T: Query>(uri: &axum::http::Uri) -> Result<T, ApiError> {
    let mut known = parameter_names::<T>();
    if T::PAGED {
        known.extend(parameter_names::<Paging>());
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|e| ApiError(Failure::new("bad_request", format!("the query: {e}"))))?;
    if let Some((name, _)) = pairs.iter().find(|(name, _)| !known.contains(name)) {
        let shown: String = name.chars().take(64).collect();
        return Err(ApiError(Failure::new(
            "bad_request",
            if known.is_empty() {
                format!("query parameter {shown:?}: this route takes none")
            } else {
                format!(
                    "query parameter {shown:?} is not one this route takes ({})",
                    known.join(", ")
                )
            },
        )));
    }
    axum::extract::Query::<T>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError(Failure::new("bad_request", e.body_text())))
}

/// A path's id: any text (the store says whether it names something).
/// Taken, like [`JsonBody`], after the role check ([`Id::read`]).
pub(crate) struct Id(Result<String, ApiError>);

impl Id {
    /// The id, or why the path is refused.
    pub(crate) fn read(self) -> Result<String, ApiError> {
        self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Id(axum::extract::Path::<String>::from_request_parts(
            parts, state,
        )
        .await
        .map(|p| p.0)
        .map_err(|e| {
            ApiError(Failure::new("bad_request", e.body_text()))
        })))
    }
}

/// The most items a page may ask for.
pub(crate) const MAX_LIMIT: u32 = 1000;

/// `sort`, `limit` and `offset` of every list. Each list's filter takes
/// them with `#[serde(flatten)]`, which hands query values over as text:
/// the numbers are read here (400 when they are not numbers).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Paging {
    /// Order by this field of the items (`-field` for descending).
    sort: Option<String>,
    /// At most this many items (default 50, at most 1000).
    #[param(value_type = Option<u32>, minimum = 0, maximum = 1000)]
    limit: Option<String>,
    /// Skip this many first.
    #[param(value_type = Option<u32>, minimum = 0)]
    offset: Option<String>,
}

impl Paging {
    /// The CLI's page: 400 for a number that is not one, 422 past
    /// [`MAX_LIMIT`].
    pub(crate) fn page(&self) -> Result<Page, ApiError> {
        let number = |name: &str, v: &Option<String>| -> Result<Option<u32>, ApiError> {
            v.as_deref()
                .map(|t| {
                    t.parse::<u32>().map_err(|_| {
                        ApiError(Failure::new(
                            "bad_request",
                            format!("query parameter {name}: {t:?} is not a whole number"),
                        ))
                    })
                })
                .transpose()
        };
        let limit = number("limit", &self.limit)?.unwrap_or(50);
        if limit > MAX_LIMIT {
            return Err(ApiError(Failure::invalid(format!(
                "limit {limit} is more than {MAX_LIMIT}"
            ))));
        }
        Ok(Page {
            sort: self.sort.clone(),
            limit: limit as usize,
            offset: number("offset", &self.offset)?.unwrap_or(0) as usize,
        })
    }
}

/// 403 unless the caller has one of `roles`; then 400 for a query on a
/// route that takes none (a route that takes some checks them itself,
/// [`Params`]).
pub(crate) fn require(caller: &Caller, roles: &[Role]) -> Result<(), ApiError> {
    let principal = &caller.principal;
    if !roles.contains(&principal.role) {
        let role = principal.role.name();
        let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        return Err(forbidden(format!("{article} {role} token may not do this")));
    }
    match &caller.stray_query {
        Some(query) => Err(ApiError(Failure::new(
            "bad_request",
            format!("this route takes no query parameters (the request has ?{query})"),
        ))),
        None => Ok(()),
    }
}

/// The query of a request whose route documents no query parameter (the
/// first 64 characters), if it has one.
pub(crate) fn stray_query(parts: &Parts) -> Option<String> {
    let query = parts.uri.query().filter(|q| !q.is_empty())?;
    let route = parts
        .extensions
        .get::<axum::extract::MatchedPath>()?
        .as_str();
    // A HEAD request is answered by the route's GET.
    let method = if parts.method == axum::http::Method::HEAD {
        "GET"
    } else {
        parts.method.as_str()
    };
    let takes_some = query_routes()
        .iter()
        .any(|(m, p)| m == method && p == route);
    (!takes_some).then(|| query.chars().take(64).collect())
}

/// The routes (method, path) whose operation documents query parameters
/// (a dozen: a scan, no key to build per request).
fn query_routes() -> &'static [(String, String)] {
    static ROUTES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        use utoipa::openapi::path::ParameterIn;
        let mut routes = Vec::new();
        for (path, item) in openapi().paths.paths {
            let operations = [
                ("GET", item.get),
                ("POST", item.post),
                ("PUT", item.put),
                ("PATCH", item.patch),
                ("DELETE", item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let query = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                if query {
                    routes.push((method.to_string(), path.clone()));
                }
            }
        }
        routes
    })
}

pub(crate) fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError(Failure::new("forbidden", message))
}

/// A JSON answer with a status.
pub(crate) fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}
