//! The HTTP API's error answers: a status and
//! `{"error": {"code": "...", "message": "...", "sqlstate": "..."}}`, and the
//! JSON body extractor whose rejections answer the same way.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::errors::PgError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short machine-readable code (`not_found`, `invalid_dataset`…).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The SQLSTATE, for errors of SQL statements.
    pub sqlstate: Option<String>,
    /// One entry per dataset that failed, for registrations and reloads.
    pub datasets: Vec<DatasetFailure>,
}

/// Why one dataset could not be loaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetFailure {
    /// The dataset's name.
    pub name: String,
    /// Its path.
    pub path: String,
    /// Why it failed.
    pub message: String,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error's fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A short machine-readable code.
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// The SQLSTATE of a failed SQL statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
    /// The datasets that failed to load, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<DatasetFailure>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            sqlstate: None,
            datasets: Vec::new(),
        }
    }

    /// A failed SQL statement: the status follows the SQLSTATE's class.
    pub fn sql(e: &PgError) -> ApiError {
        let status = match e.code.get(..2) {
            _ if e.code == "42501" => StatusCode::FORBIDDEN,
            Some("25") => StatusCode::FORBIDDEN,
            Some("53" | "57") => StatusCode::SERVICE_UNAVAILABLE,
            Some("XX") => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError {
            sqlstate: Some(e.code.to_string()),
            ..ApiError::new(status, "sql_error", e.message.clone())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                sqlstate: self.sqlstate,
                datasets: self.datasets,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// A JSON request body, whatever its `Content-Type` says (so that
/// `curl -d '{…}'` works); a malformed or oversized one is an [`ApiError`].
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            let status = rejection.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "body_too_large"
            } else {
                "invalid_body"
            };
            ApiError::new(status, code, rejection.body_text())
        })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the body is not the JSON this route takes: {e}"),
            )
        })
    }
}
