//! `/api/datasets` and `/api/reload`: the dataset registry over HTTP. Every
//! change loads first and swaps after, so a failure changes nothing.

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::errors::{ApiError, ApiJson, DatasetFailure, ErrorBody};
use super::ApiState;
use crate::config::DatasetSpec;
use crate::datasets::{Dataset, DatasetError};
use crate::encode::types::pg_type_of;
use crate::live::ChangeError;

/// A registered dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetInfo {
    /// The table name (schema `public`).
    pub name: String,
    /// The file, directory or glob it reads.
    pub path: String,
    /// `parquet`, `csv`, `json` or `arrow`.
    pub format: String,
    /// How many files it read when it was (re)loaded.
    pub files: usize,
    /// `config` (the configuration file) or `api` (registered over HTTP).
    pub origin: String,
    /// The table's OID (`pg_class.oid`); a name keeps it across replace and reload.
    pub oid: u32,
    /// The columns, in order.
    pub columns: Vec<ColumnInfo>,
}

/// One column of a dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnInfo {
    /// The column name.
    pub name: String,
    /// The Arrow type DataFusion reads.
    pub arrow_type: String,
    /// The PostgreSQL type clients see (`pg_type.typname`).
    pub pg_type: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
}

/// `POST /api/datasets`: the dataset to register or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The table name: letters, digits and `_`, at most 63.
    #[schema(pattern = "^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    pub name: String,
    /// A file, directory or glob inside `data_roots`; relative paths are
    /// taken from the configuration file's directory.
    #[schema(min_length = 1)]
    pub path: String,
    /// `parquet`, `csv`, `json` or `arrow`; from the extension when absent.
    pub format: Option<String>,
    /// Format options.
    pub options: Option<DatasetOptions>,
}

/// Format options of a dataset.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetOptions {
    /// CSV: whether the first line is a header (default true).
    pub header: Option<bool>,
    /// CSV: the one-character delimiter (default `,`).
    pub delimiter: Option<String>,
}

/// `POST /api/reload`'s answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReloadAnswer {
    /// The datasets now served, by name.
    pub datasets: Vec<String>,
}

fn info(oid: u32, d: &Dataset) -> DatasetInfo {
    let schema = d.table.schema();
    DatasetInfo {
        name: d.config.name.clone(),
        path: d.config.path.display().to_string(),
        format: d.config.format.name().to_string(),
        files: d.files,
        origin: d.origin.name().to_string(),
        oid,
        columns: schema
            .fields()
            .iter()
            .map(|f| {
                let (pg_type, _) = pg_type_of(f);
                ColumnInfo {
                    name: f.name().clone(),
                    arrow_type: f.data_type().to_string(),
                    pg_type: crate::catalog::builtin_types::type_by_oid(pg_type.oid())
                        .map_or_else(|| pg_type.oid().to_string(), |t| t.name),
                    nullable: f.is_nullable(),
                }
            })
            .collect(),
    }
}

fn failure(e: &DatasetError) -> DatasetFailure {
    DatasetFailure {
        name: e.name.clone(),
        path: e.path.clone(),
        message: e.message.clone(),
    }
}

/// The answer to a refused change.
fn refused(e: ChangeError) -> ApiError {
    match &e {
        ChangeError::OutsideRoots(_) => {
            ApiError::new(StatusCode::FORBIDDEN, "outside_data_roots", e.to_string())
        }
        ChangeError::NotFound(_) => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
        }
        ChangeError::Invalid(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_dataset",
            e.to_string(),
        ),
        ChangeError::Load(failures) => ApiError {
            datasets: failures.iter().map(failure).collect(),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_dataset",
                e.to_string(),
            )
        },
    }
}
/// Lists the registered datasets.
#[utoipa::path(get, path = "/api/datasets", tag = "datasets",
    responses((status = 200, body = [DatasetInfo]), (status = 401, body = ErrorBody)))]
pub async fn list(State(api): State<ApiState>) -> Json<Vec<DatasetInfo>> {
    let registry = api.datasets.engine().registry();
    Json(
        registry
            .with_oids()
            .iter()
            .map(|(oid, d)| info(*oid, d))
            .collect(),
    )
}

/// One registered dataset.
#[utoipa::path(get, path = "/api/datasets/{name}", tag = "datasets",
    params(("name" = String, Path, description = "The dataset's name")),
    responses((status = 200, body = DatasetInfo), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn show(
    State(api): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<DatasetInfo>, ApiError> {
    described(&api, &name).map(Json)
}

/// The description of the dataset `name`, or 404.
fn described(api: &ApiState, name: &str) -> Result<DatasetInfo, ApiError> {
    let (oid, d) = api
        .datasets
        .engine()
        .registry()
        .dataset(name)
        .ok_or_else(|| refused(ChangeError::NotFound(name.to_string())))?;
    Ok(info(oid, &d))
}

/// Registers a dataset (201), or replaces the one of the same name (200).
/// Nothing changes when it cannot be loaded (422) or lies outside the data
/// roots (403).
#[utoipa::path(post, path = "/api/datasets", tag = "datasets", request_body = RegisterRequest,
    responses((status = 201, body = DatasetInfo), (status = 200, body = DatasetInfo),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn register(
    State(api): State<ApiState>,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<DatasetInfo>), ApiError> {
    let options = request.options.unwrap_or_default();
    let spec = DatasetSpec {
        name: request.name,
        path: PathBuf::from(request.path),
        format: request.format,
        header: options.header,
        delimiter: options.delimiter,
    };
    let name = spec.name.clone();
    let replaced = api.datasets.register(spec).await.map_err(refused)?;
    let status = if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(described(&api, &name)?)))
}

/// Removes a dataset (204), or 404.
#[utoipa::path(delete, path = "/api/datasets/{name}", tag = "datasets",
    params(("name" = String, Path, description = "The dataset's name")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn remove(
    State(api): State<ApiState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    api.datasets.remove(&name).await.map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Re-reads the configuration file's datasets and the files behind every
/// dataset; datasets registered over HTTP stay. All or nothing: on any
/// failure (422) the previous datasets stay served.
#[utoipa::path(post, path = "/api/reload", tag = "datasets",
    responses((status = 200, body = ReloadAnswer), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn reload(State(api): State<ApiState>) -> Result<Json<ReloadAnswer>, ApiError> {
    let datasets = api.datasets.reload().await.map_err(refused)?;
    Ok(Json(ReloadAnswer { datasets }))
}
