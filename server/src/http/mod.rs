//! The HTTP API (SPEC §8): datasets registered, replaced, removed and
//! reloaded while the server runs; read-only SQL; health, readiness,
//! Prometheus metrics and the OpenAPI document. It shares the engine, and so
//! the dataset registry, with the PostgreSQL endpoint.

mod datasets;
mod errors;
mod listener;
mod sql;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use utoipa::OpenApi;

use crate::config::Config;
use crate::live::LiveDatasets;
use errors::ApiError;

pub use listener::HttpListenError;

/// What every handler shares.
#[derive(Debug)]
pub struct Api {
    datasets: Arc<LiveDatasets>,
    token: Option<String>,
    tls: bool,
    statement_timeout: Option<Duration>,
    draining: AtomicBool,
}

/// The handlers' state.
pub type ApiState = Arc<Api>;

#[derive(OpenApi)]
#[openapi(
    info(title = "DataPress HTTP API", description = "Datasets over HTTP and the PostgreSQL wire protocol"),
    paths(
        datasets::list, datasets::show, datasets::register, datasets::remove, datasets::reload,
        sql::run, healthz, readyz, metrics
    ),
    components(schemas(errors::ErrorBody, errors::ErrorDetail, errors::DatasetFailure)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

/// The OpenAPI document of every route, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The status of `/healthz` and `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `shutting down`.
    pub status: String,
    /// Datasets registered.
    pub datasets: usize,
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, body = Health)))]
async fn healthz(State(api): State<ApiState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        datasets: api.datasets.engine().registry().list().len(),
    })
}

/// Ready: datasets are loaded and the server is not shutting down (503 then).
#[utoipa::path(get, path = "/readyz", tag = "health", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn readyz(State(api): State<ApiState>) -> Response {
    let datasets = api.datasets.engine().registry().list().len();
    if api.draining.load(Ordering::Relaxed) {
        let health = Health {
            status: "shutting down".into(),
            datasets,
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(health)).into_response();
    }
    Json(Health {
        status: "ready".into(),
        datasets,
    })
    .into_response()
}

/// The metrics in Prometheus's text format.
#[utoipa::path(get, path = "/metrics", tag = "health", security(()),
    responses((status = 200, body = String, content_type = "text/plain")))]
async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
        .into_response()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// With a configured token, `/api` requests need `Authorization: Bearer <token>`.
async fn require_token(State(api): State<ApiState>, request: Request, next: Next) -> Response {
    let Some(token) = &api.token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        next.run(request).await
    } else {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required (Authorization: Bearer …)",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        response
    }
}

async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

fn router(api: ApiState, max_body_size: usize) -> Router {
    let protected = Router::new()
        .route(
            "/api/datasets",
            get(datasets::list).post(datasets::register),
        )
        .route(
            "/api/datasets/{name}",
            get(datasets::show).delete(datasets::remove),
        )
        .route("/api/reload", post(datasets::reload))
        .route("/api/sql", post(sql::run))
        .route("/api/openapi.json", get(openapi_json))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&api),
            require_token,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(protected)
        .fallback(no_route)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(DefaultBodyLimit::max(max_body_size))
        .with_state(api)
}

/// A running HTTP API.
pub struct HttpServer {
    local_addr: SocketAddr,
    api: ApiState,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl HttpServer {
    /// Binds `config.http.listen` (TLS loaded first) and starts serving `live`.
    pub async fn start(
        config: &Config,
        live: Arc<LiveDatasets>,
    ) -> Result<HttpServer, HttpListenError> {
        let http = &config.http;
        let listener = listener::Listener::bind(http.listen, http.tls.as_ref()).await?;
        let local_addr = listener.local_addr;
        let api = Arc::new(Api {
            datasets: live,
            token: http.bearer_token.clone(),
            tls: http.tls.is_some(),
            statement_timeout: config.pgwire.statement_timeout,
            draining: AtomicBool::new(false),
        });
        let app = router(Arc::clone(&api), http.max_body_size);
        let (shutdown, mut shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let stop = async move {
                let _ = shutdown_rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("HTTP API stopped: {e}");
            }
        });
        Ok(HttpServer {
            local_addr,
            api,
            shutdown,
            task,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `/readyz` answers 503 from now on.
    pub fn drain(&self) {
        self.api.draining.store(true, Ordering::Relaxed);
    }

    /// Stops accepting; requests in flight get `grace` to finish.
    pub async fn shutdown(self, grace: Duration) {
        self.drain();
        let _ = self.shutdown.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
        }
    }
}
