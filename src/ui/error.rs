//! Errors of UI pages: an HTML page with the right status (never a panic,
//! never a 500 for bad input), and Retry-After when Redis is unavailable.

use maud::html;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

use super::layout::{Nav, page};
use crate::engine::EngineError;

#[derive(Debug)]
pub enum UiError {
    BadRequest(String),
    NotFound(String),
    Unavailable(String),
    Internal(String),
}

impl From<EngineError> for UiError {
    fn from(e: EngineError) -> Self {
        if e.is_unavailable() {
            UiError::Unavailable(e.to_string())
        } else {
            UiError::Internal(e.to_string())
        }
    }
}

impl From<crate::api::problem::ApiError> for UiError {
    fn from(e: crate::api::problem::ApiError) -> Self {
        use crate::api::problem::ApiError as A;
        match e {
            A::NotFound(p) => UiError::NotFound(p.0.detail),
            A::Unavailable(p, _) | A::TooManyRequests(p, _) => UiError::Unavailable(p.0.detail),
            A::Unauthorized(p, _) => UiError::BadRequest(p.0.detail),
            A::BadRequest(p)
            | A::Forbidden(p)
            | A::Misdirected(p)
            | A::RequestTimeout(p)
            | A::Conflict(p)
            | A::PayloadTooLarge(p)
            | A::UnsupportedMediaType(p)
            | A::Unprocessable(p) => UiError::BadRequest(p.0.detail),
            A::Internal(p) => UiError::Internal(p.0.detail),
        }
    }
}

impl UiError {
    fn status(&self) -> StatusCode {
        match self {
            UiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            UiError::NotFound(_) => StatusCode::NOT_FOUND,
            UiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            UiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> &str {
        match self {
            UiError::BadRequest(m)
            | UiError::NotFound(m)
            | UiError::Unavailable(m)
            | UiError::Internal(m) => m,
        }
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = page(
            title,
            Nav::None,
            html! {
                h1 { (title) }
                p class="error" role="alert" { (self.message()) }
                p { a href="/" { "Analyse an artifact" } " · " a href="/ui/runs" { "Recent runs" } }
            },
        );
        let mut resp = body.into_response();
        resp.set_status(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert("retry-after", poem::http::HeaderValue::from_static("2"));
        }
        resp
    }
}

impl From<UiError> for poem::Error {
    fn from(e: UiError) -> Self {
        poem::Error::from_response(e.into_response())
    }
}
