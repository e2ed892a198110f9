//! Errors of the control API, each with an HTTP status and a JSON body
//! `{"error": "<what was wrong>"}`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why a control request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The body was not JSON of the expected shape (status from axum's rejection).
    #[error("{message}")]
    Body {
        /// 400, 415 or 422, as axum classifies the rejection.
        status: StatusCode,
        /// What was wrong with the body.
        message: String,
    },
    /// A field held a value that cannot work.
    #[error("{0}")]
    InvalidField(String),
    /// No endpoint has this id.
    #[error("no endpoint with id {0:?}")]
    EndpointNotFound(String),
    /// No bridge or conference has this id, or the endpoint is not in it.
    #[error("{0}")]
    NotFound(String),
    /// No prompt or recording file has this name.
    #[error("{0}")]
    FileNotFound(String),
    /// The request conflicts with the endpoint's state (recording twice, a name taken).
    #[error("{0}")]
    Conflict(String),
    /// Every port of the RTP range is taken.
    #[error("no free RTP port in {range} on {address}; release endpoints or widen --rtp-ports")]
    PortsExhausted {
        /// The configured range.
        range: String,
        /// The RTP bind address.
        address: String,
    },
    /// No route matches the method and path.
    #[error("no route for {method} {path}")]
    NoRoute {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// The route exists but not for this method.
    #[error("method {method} is not allowed for {path}")]
    MethodNotAllowed {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// A media shard stopped or the server is shutting down.
    #[error("media shard {0} is not running; the server is shutting down")]
    ShardUnavailable(usize),
    /// An operating-system error while setting up an endpoint.
    #[error("{0}")]
    Io(String),
    /// The request did not carry the server's bearer token.
    #[error("{0}")]
    Unauthorized(String),
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Body { status, .. } => *status,
            ApiError::InvalidField(_) => StatusCode::BAD_REQUEST,
            ApiError::EndpointNotFound(_)
            | ApiError::NotFound(_)
            | ApiError::FileNotFound(_)
            | ApiError::NoRoute { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PortsExhausted { .. } | ApiError::ShardUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Body {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl From<mediacore::Error> for ApiError {
    fn from(e: mediacore::Error) -> Self {
        ApiError::InvalidField(e.to_string())
    }
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// What was wrong.
    pub error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request rejected");
        }
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.to_string(),
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: say which scheme the server wants.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"mediacore\""),
            );
        }
        response
    }
}
