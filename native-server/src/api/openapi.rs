//! `GET /v1/openapi.json`: the OpenAPI 3.1 description of this API, written by
//! `scripts/openapi.py` (routes, bodies, answers and errors; docs/http-api.md has the prose).

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
