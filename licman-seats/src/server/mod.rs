//! `licman-seats serve`: the REST API under `/api/v1`, its OpenAPI
//! document, and the admin dashboard at `/`, over one store.
//!
//! The server adds no seat rule: every request becomes the same [`Cmd`]
//! the command line runs ([`crate::cli::execute`]), on one
//! [`SharedStore`] per process, so the API answers with the CLI's `--json`
//! objects and refusals. What the server adds is access (bearer tokens and
//! their roles, [`tokens`]), transport (JSON bodies checked strictly, HTTP
//! statuses by the kind of failure, size and time limits, graceful
//! shutdown) and the record of who asked: every change's actor in the
//! audit trail is `api:TOKEN ip=IP ua="AGENT"`, and every request is
//! logged with the same three.
//!
//! It keeps no state of its own between requests: each one catches the
//! store up with the trail first, so several servers on one PostgreSQL
//! answer alike, and every write is decided under the trail's lock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use clap::Args;
use serde_json::json;

use licman_core::seats::SeatState;

use crate::cli::{Cmd, Ctx, Output};
use crate::error::Failure;
use crate::shared::SharedStore;
use crate::time::parse_duration;

mod api;
mod dashboard;
pub(crate) mod maintenance;
pub mod tokens;
pub mod webhooks;

pub use api::openapi;
use tokens::{Principal, Tokens};

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (`127.0.0.1:0` picks a free port; the
    /// first line on stdout says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The tokens file (TOML `[[token]]` entries; `token new` makes them).
    #[arg(long, env = "LICMAN_SEATS_TOKENS", value_name = "FILE")]
    pub tokens: PathBuf,
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body: usize,
    /// The longest a request may take (30s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub request_timeout: String,
    /// A signed revocation list (armored) the license-backed pools' licenses
    /// are checked against; re-read whenever the file changes.
    #[arg(long, value_name = "FILE")]
    pub revocations: Option<PathBuf>,
    /// How often the license-backed pools' licenses are checked again (and
    /// every pool's expiration policy applied).
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub license_check: String,
    /// Webhooks (TOML `[[webhook]]` entries: name, url, secret, events):
    /// alerts on pools expiring or over 90 %, refusals for capacity, culled
    /// leases, a broken audit chain, and a daily digest.
    #[arg(long, value_name = "FILE")]
    pub webhooks: Option<PathBuf>,
    /// Append every webhook delivery attempt to this file (JSON lines).
    #[arg(long, value_name = "FILE")]
    pub webhook_log: Option<PathBuf>,
    /// How often the whole audit chain is verified again (a failure is an
    /// `audit.broken` alert).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub verify_every: String,
    /// Log lines as `text` or `json` (on stderr).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// What every request handler shares.
pub(crate) struct App {
    /// Where the store is (`--db`).
    pub(crate) db: String,
    pub(crate) store: SharedStore,
    pub(crate) tokens: Tokens,
    pub(crate) workers: Workers,
    pub(crate) notifier: webhooks::Notifier,
    /// The revocation lists read so far (`--revocations`), which requests
    /// that create or renew a license-backed pool check too.
    pub(crate) revocations: std::sync::RwLock<Vec<licman_core::UnverifiedRevocationList>>,
}

/// Threads of their own for the store's blocking work. The PostgreSQL
/// client blocks on a runtime of its own, which may not run on a thread of
/// the server's (tokio refuses to start a runtime inside another), so the
/// store is never touched from the server's threads: a handler hands its
/// work here and awaits the answer.
///
/// The queue is bounded (a full one answers 503 `busy` at once instead of
/// piling work up), and a request that is given up on (its time is over,
/// its client went away) before its work starts is never run.
pub(crate) struct Workers {
    jobs: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// How many requests' work may wait for a store thread.
pub(crate) const QUEUE: usize = 1024;

/// Marks its request given up on when dropped before the work started.
struct Abandon(Arc<std::sync::atomic::AtomicBool>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Workers {
    /// Starts `n` threads, with room for `queue` waiting jobs.
    pub(crate) fn start(n: usize, queue: usize) -> Result<Workers, Failure> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Job>(queue);
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        for i in 0..n {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("store-{i}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| Failure::new("io", format!("cannot start a store thread: {e}")))?;
        }
        Ok(Workers { jobs: sender })
    }

    /// Runs `work` on a store thread and awaits its result; dropping the
    /// returned future before the work starts means it never runs.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Failure> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let abandoned = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let given_up = abandoned.clone();
        let job: Job = Box::new(move || {
            if given_up.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            let _ = tx.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(std::sync::mpsc::TrySendError::Full(_)) => {
                return Err(Failure::new(
                    "busy",
                    format!("the server is busy ({QUEUE} requests wait for the store): try again"),
                ));
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                return Err(Failure::new("internal", "the store threads have stopped"));
            }
        }
        let _abandon = Abandon(abandoned);
        rx.await
            .map_err(|_| Failure::new("internal", "the request's work stopped"))
    }
}

pub(crate) type AppState = Arc<App>;

/// A failure as an HTTP response: its status, and the CLI's
/// `{"error": {"code", "message", …}}` body.
#[derive(Debug)]
pub(crate) struct ApiError(pub(crate) Failure);

impl From<Failure> for ApiError {
    fn from(f: Failure) -> ApiError {
        ApiError(f)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = %self.0.code, message = %self.0.message, "request failed");
        }
        let mut response = (status, axum::Json(self.0.to_json())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The caller of a request: the token's principal, and the actor its
/// changes record.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) principal: Principal,
    pub(crate) actor: String,
    /// A query on a route that takes none: refused by
    /// [`api::require`] once the role is checked.
    pub(crate) stray_query: Option<String>,
}

/// The address and user agent of a request, as the audit trail and the
/// log record them.
fn origin(parts: &axum::http::request::Parts) -> (String, String) {
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    let agent: String = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    (ip, agent)
}

/// The bearer token of a request, if it has one.
fn bearer(parts: &axum::http::request::Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &AppState,
    ) -> Result<Caller, ApiError> {
        let Some(token) = bearer(parts) else {
            return Err(ApiError(Failure::new(
                "unauthorized",
                "this needs a bearer token: Authorization: Bearer TOKEN",
            )));
        };
        let Some(principal) = app.tokens.authenticate(token) else {
            return Err(ApiError(Failure::new(
                "unauthorized",
                "the bearer token is not one this server accepts",
            )));
        };
        let (ip, agent) = origin(parts);
        let actor = format!(
            "api:{} ip={ip} ua={}",
            principal.name,
            serde_json::Value::from(agent)
        );
        Ok(Caller {
            principal: principal.clone(),
            actor,
            stray_query: api::stray_query(parts),
        })
    }
}

impl App {
    /// Runs `command` for `caller`, on the store caught up with the trail,
    /// after `check` (the caller's scope, on the newest state) passes.
    pub(crate) async fn run(
        self: &Arc<Self>,
        caller: &Caller,
        command: Cmd,
        check: impl FnOnce(&SeatState) -> Result<(), Failure> + Send + 'static,
    ) -> Result<serde_json::Value, ApiError> {
        Ok(self.run_checked(caller, command, check).await?.0)
    }

    /// [`App::run`], also returning what `check` found.
    pub(crate) async fn run_checked<T: Send + 'static>(
        self: &Arc<Self>,
        caller: &Caller,
        command: Cmd,
        check: impl FnOnce(&SeatState) -> Result<T, Failure> + Send + 'static,
    ) -> Result<(serde_json::Value, T), ApiError> {
        let app = self.clone();
        let actor = caller.actor.clone();
        let work = move || {
            let revocations = app
                .revocations
                .read()
                .map(|r| r.clone())
                .unwrap_or_default();
            let result = app.store.with(|store| -> Result<(Output, T), Failure> {
                store.catch_up()?;
                let found = check(store.state())?;
                let now = store.now()?;
                let cx = Ctx::new(&actor, now).with_revocations(&revocations);
                let output = crate::cli::execute(store, &command, &cx)?;
                Ok((output, found))
            });
            if app.notifier.wants("assignment.capacity_refused") {
                let outcome = match &result {
                    Ok((output, _)) => Ok(crate::cli::out(output.json.clone(), "")),
                    Err(f) => Err(f.clone()),
                };
                if let Some((data, id)) = maintenance::capacity_refusal(&command, &outcome, &actor)
                {
                    app.notifier.notify(
                        "assignment.capacity_refused",
                        &id,
                        crate::time::now(),
                        data,
                    );
                }
            }
            result
        };
        let (output, found) = self.workers.run(work).await??;
        Ok((output.json, found))
    }
}

/// Logs every request: method, path, status, time, and who (token name,
/// client address, user agent).
async fn log_requests(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let (parts, body) = request.into_parts();
    let (ip, agent) = origin(&parts);
    let who = bearer(&parts)
        .and_then(|t| app.tokens.authenticate(t))
        .map_or_else(|| "-".to_string(), |p| p.name.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        token = %who,
        ip = %ip,
        user_agent = %agent,
        "request"
    );
    response
}

/// Every refusal in the API's shape, including those made below the
/// handlers (a method a route does not have, a request over its time).
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return response;
    }
    let failure = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            Failure::new("method_not_allowed", "this route does not take that method")
        }
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => Failure::new(
            "timeout",
            "the request took longer than the server allows (--request-timeout); a change it \
             asked for may still have been made: look at the audit trail",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            Failure::new("payload_too_large", "the request body is too large")
        }
        other => Failure::new(
            "bad_request",
            other
                .canonical_reason()
                .unwrap_or("the request was refused"),
        ),
    };
    let mut json = ApiError(failure).into_response();
    *json.status_mut() = status;
    if let Some(close) = response.headers().get(header::CONNECTION) {
        json.headers_mut().insert(header::CONNECTION, close.clone());
    }
    json
}

/// Reads a request's whole body (up to `limit`) before anything answers it.
///
/// A route that refuses a request before its handler reads the body (a
/// 403 from the token check, a 404) would otherwise leave the body unread,
/// and the HTTP layer then closes the connection without saying so: a
/// client reusing that keep-alive connection for its next request got no
/// answer, depending on whether the body had arrived by then. A body over
/// the limit is refused with 413 and `Connection: close` (its rest is
/// never read).
async fn read_body_first(request: Request, next: Next) -> Response {
    use axum::extract::FromRequest as _;
    let (parts, body) = request.into_parts();
    // The extractor honours DefaultBodyLimit (set outside this layer) and
    // answers an over-long body with 413, a broken one with 400.
    match axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(rejection) => {
            let mut response = rejection.into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// The whole application: the API, its document, the dashboard, the
/// health checks, with the body-size and time limits.
pub(crate) fn router(app: AppState, max_body: usize, timeout: Duration) -> Router {
    let (api, _) = api::routes().split_for_parts();
    Router::new()
        .merge(api)
        .merge(dashboard::routes())
        .fallback(api::not_found)
        .layer(middleware::from_fn(read_body_first))
        .layer(middleware::map_response(json_errors))
        .layer(middleware::from_fn_with_state(app.clone(), log_requests))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .with_state(app)
}

/// Runs `serve` until SIGTERM or Ctrl-C: requests in flight finish first.
pub fn serve(db: &str, args: &ServeArgs) -> Result<Output, Failure> {
    let tokens = Tokens::load(&args.tokens)?;
    let timeout = Duration::from_secs(u64::from(parse_duration(&args.request_timeout)?));
    let check_every = Duration::from_secs(u64::from(parse_duration(&args.license_check)?).max(1));
    let verify_every = Duration::from_secs(u64::from(parse_duration(&args.verify_every)?).max(1));
    let mut revocations = maintenance::Revocations::new(args.revocations.clone());
    revocations.reload()?;
    let hooks = match &args.webhooks {
        Some(path) => webhooks::load(path)?,
        None => Vec::new(),
    };
    init_logs(&args.log_format);
    let store = SharedStore::open(db)?;
    let app = Arc::new(App {
        db: db.to_string(),
        store,
        tokens,
        workers: Workers::start(8, QUEUE)?,
        notifier: webhooks::Notifier::start(hooks, args.webhook_log.clone())?,
        revocations: std::sync::RwLock::new(revocations.lists.clone()),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new("io", format!("cannot start the server's runtime: {e}")))?;
    // The store is dropped after the runtime (its PostgreSQL connections
    // close on a runtime of their own).
    let served = app.clone();
    let result = runtime.block_on(async move {
        let app = served;
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| Failure::new("io", format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::new("io", format!("no local address: {e}")))?;
        // The first line on stdout: where it listens (a test or a script
        // that asked for port 0 reads it).
        {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "listening on http://{addr}");
            let _ = stdout.flush();
        }
        tracing::info!(%addr, tokens = app.tokens.len(), "serving");
        tokio::spawn(maintenance::run(
            app.clone(),
            revocations,
            check_every,
            verify_every,
        ));
        let service =
            router(app, args.max_body, timeout).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| Failure::new("io", format!("the server stopped: {e}")))?;
        tracing::info!("stopped");
        Ok(crate::cli::out(json!({"stopped": true}), ""))
    });
    drop(runtime);
    drop(app);
    result
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LICMAN_SEATS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second call (tests run several servers in one process) keeps the first.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_given_up_on_before_it_starts_never_runs_and_a_full_queue_is_busy() {
        let workers = Arc::new(Workers::start(1, 1).unwrap());
        let ran = Arc::new(AtomicUsize::new(0));
        // The one thread is busy for a while.
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let w = workers.clone();
        let busy = tokio::spawn(async move {
            w.run(move || {
                let _ = started_tx.send(());
                std::thread::sleep(Duration::from_millis(300));
            })
            .await
        });
        started_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        // A request given up on while its work waits: it never runs.
        let counter = ran.clone();
        let waiting = workers.run(move || counter.fetch_add(1, SeqCst));
        assert!(
            tokio::time::timeout(Duration::from_millis(20), waiting)
                .await
                .is_err()
        );
        // The queue (room for one) is full: the next is refused at once.
        let counter = ran.clone();
        let full = workers.run(move || counter.fetch_add(10, SeqCst)).await;
        assert_eq!(full.unwrap_err().code, "busy");
        busy.await.unwrap().unwrap();
        let counter = ran.clone();
        workers
            .run(move || counter.fetch_add(100, SeqCst))
            .await
            .unwrap();
        assert_eq!(ran.load(SeqCst), 100);
    }
}
