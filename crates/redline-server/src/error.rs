//! The one place errors become HTTP statuses and stable JSON error codes.
//!
//! User errors (bad parameters, bodies, tokens, unknown ids) are 4xx with a message naming the
//! parameter at fault; internal errors (the store failed) are 500. The `code` strings are part of
//! the API (documented in `openapi.json`) and never change meaning.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answered to a client as `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// For people: lowercase, no final period, names the parameter at fault.
    pub message: String,
}

impl ApiError {
    /// A malformed or unknown query or path parameter: 400 `bad_parameter`.
    pub fn bad_parameter(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_parameter",
            message: format!("parameter '{name}': {why}"),
        }
    }

    /// A request body that cannot be read as documents: 400 `bad_body`.
    pub fn bad_body(why: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_body",
            message: format!("body: {why}"),
        }
    }

    /// Nothing with this id or path: 404 `not_found`.
    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: format!("{what} not found"),
        }
    }

    /// A write without a valid bearer token: 401 `unauthorized`.
    pub fn unauthorized() -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "writes need 'Authorization: Bearer TOKEN' with the server's token".into(),
        }
    }

    /// A write to a server started without a token: 403 `writes_disabled`.
    pub fn writes_disabled() -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "writes_disabled",
            message: "this server accepts no writes (start it with --token or REDLINE_TOKEN)"
                .into(),
        }
    }

    /// A body over the server's limit: 413 `body_too_large`.
    pub fn body_too_large(limit: usize) -> ApiError {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "body_too_large",
            message: format!("body: larger than the limit of {limit} bytes"),
        }
    }

    /// The server failed: 500 `internal`.
    pub fn internal(why: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: why.to_string(),
        }
    }
}

impl From<redline_store::StoreError> for ApiError {
    fn from(e: redline_store::StoreError) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"code": self.code, "message": self.message})),
        )
            .into_response()
    }
}
