//! Pages when reads need an API key (`FAULTLINE_API_KEYS` with
//! `FAULTLINE_AUTH_READS=true`). A browser navigation carries no key, so a
//! page request without `Authorization` gets an empty shell (and the assets,
//! which hold no data); its script asks for the key, keeps it in
//! sessionStorage, and loads the same page with the bearer header, which the
//! API's guard checks like any other read. Without locked reads this is a
//! pass-through.

use std::sync::Arc;

use maud::html;
use poem::http::Method;
use poem::{Endpoint, IntoResponse, Request, Response};

use super::assets;
use super::layout::{Nav, page};

/// Sent by the page's script when it loads a page itself: such a request
/// goes to the guard (401 without a key, so the script asks for one).
const PAGE_FETCH: &str = "x-faultline-page";

pub async fn front<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
    reads_locked: bool,
) -> poem::Result<Response> {
    let path = req.uri().path();
    let navigation = matches!(*req.method(), Method::GET | Method::HEAD)
        && req.header("authorization").is_none()
        && req.header(PAGE_FETCH).is_none()
        && (path == "/" || path.starts_with("/ui/"));
    if reads_locked && navigation {
        if let Some(file) = path.strip_prefix("/ui/assets/") {
            return Ok(assets::asset(file));
        }
        // Charts and the Markdown download are data without a page around
        // them: the guard answers those (401 without a key).
        if !path.ends_with(".svg") && !path.ends_with(".md") {
            let src = req
                .uri()
                .path_and_query()
                .map_or(path, |pq| pq.as_str())
                .to_string();
            return Ok(shell(&src));
        }
    }
    Ok(ep.call(req).await?.into_response())
}

fn shell(src: &str) -> Response {
    page(
        "Faultline",
        Nav::None,
        html! {
            div id="deferred" data-src=(src) {
                p role="status" { "This server needs an API key to read; loading the page with yours…" }
            }
        },
    )
    .into_response()
}
