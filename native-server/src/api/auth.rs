//! What every request goes through: a bearer token when the server has one (required when
//! the API listens beyond loopback) and a body size limit.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Largest request body accepted, in bytes: SDP and JSON bodies are a few KiB. Past it the
/// answer is 413 with a message.
pub const MAX_BODY: usize = 64 * 1024;

/// The server's bearer token.
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl core::fmt::Debug for Token {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

impl Token {
    /// The configured token; an empty one counts as none.
    pub fn from_config(token: Option<&str>) -> Option<Token> {
        token
            .filter(|t| !t.is_empty())
            .map(|t| Token(Arc::from(t.as_bytes())))
    }

    /// Compares in time that does not depend on where the first difference is.
    fn matches(&self, given: &[u8]) -> bool {
        let want: &[u8] = &self.0;
        let mut diff = u8::from(want.len() != given.len());
        for (i, w) in want.iter().enumerate() {
            diff |= w ^ given.get(i).copied().unwrap_or(0);
        }
        diff == 0
    }
}

/// `router` with every route (including `/healthz` and `/metrics`) behind `token`, or as it
/// is when there is none.
pub fn protect(router: Router, token: Option<Token>) -> Router {
    match token {
        Some(token) => router.layer(middleware::from_fn_with_state(token, require_token)),
        None => router,
    }
}

async fn require_token(State(token): State<Token>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    let credentials = given.and_then(|v| {
        let (scheme, rest) = v.split_at(v.len().min(7));
        scheme.eq_ignore_ascii_case(b"bearer ").then_some(rest)
    });
    match credentials {
        Some(c) if token.matches(c) => next.run(request).await,
        Some(_) => ApiError::Unauthorized("the bearer token is wrong".into()).into_response(),
        None if given.is_some() => {
            ApiError::Unauthorized("the Authorization header must be \"Bearer <token>\"".into())
                .into_response()
        }
        None => ApiError::Unauthorized(
            "this server requires \"Authorization: Bearer <token>\" on every request".into(),
        )
        .into_response(),
    }
}
