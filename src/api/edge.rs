//! What runs in front of the request guard, outermost first: the security
//! headers every response carries, the `Host` check (DNS rebinding), and
//! the shape of CORS refusals. A request refused here never reaches the
//! guard, so its answer gets the guard's parts here: problem+json, the
//! request id, and a count in the request metrics.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use poem::error::CorsError;
use poem::http::{HeaderValue, Method, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::Digest;

use super::guard::{REQUEST_ID, request_id};
use super::problem::ApiError;
use super::route_table::{RouteTable, method_label};
use crate::config::AllowedHosts;

/// The policy of every page but Swagger UI: scripts, styles and images
/// from this server only (the UI has no inline script or style), no
/// plugins, no `<base>`, forms posting here only, never framed.
pub const CSP: &str = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; \
    base-uri 'none'; form-action 'self'";

pub struct Edge {
    pub hosts: AllowedHosts,
    pub routes: RouteTable,
    /// CORS is configured (`CORS_ALLOWED_ORIGINS`).
    pub cors: bool,
    /// The policy of `/docs` (see [`docs_policy`]).
    pub docs_csp: String,
}

/// What a refusal needs of the request it refuses.
struct Seen {
    method: Method,
    path: String,
    request_id: String,
    began: Instant,
}

impl Seen {
    fn of(req: &Request) -> Self {
        Seen {
            method: req.method().clone(),
            path: req.uri().path().to_string(),
            request_id: request_id(req),
            began: Instant::now(),
        }
    }
}

impl Edge {
    /// Adds the security headers to every response: `nosniff`, no
    /// `Referer` to other sites, never framed, and a Content-Security-Policy
    /// (Swagger UI's own at `/docs`). Headers a response set itself stay.
    pub async fn headers<E: Endpoint>(&self, ep: Arc<E>, req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        let docs = path == "/docs" || path.starts_with("/docs/");
        let csp = if docs { self.docs_csp.as_str() } else { CSP };
        let csp = HeaderValue::from_str(csp).expect("the policies are ASCII");
        // An error that got this far is answered here, so it has them too.
        let mut resp = match ep.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(e) => e.into_response(),
        };
        let headers = resp.headers_mut();
        for (name, value) in [
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (header::CONTENT_SECURITY_POLICY, csp),
        ] {
            headers.entry(name).or_insert(value);
        }
        Ok(resp)
    }

    /// Answers only requests for an allowed `Host` (`ALLOWED_HOSTS`): a page
    /// that rebinds its DNS name to this server's address would otherwise
    /// be same-origin with it. 421 Misdirected Request otherwise. A request
    /// without `Host` (HTTP/1.0) is no browser's, and is served.
    pub async fn host<E: Endpoint>(&self, ep: Arc<E>, req: Request) -> poem::Result<Response> {
        let host = match req.headers().get(header::HOST) {
            // Not text: no name of ours.
            Some(value) => Some(value.to_str().unwrap_or("")),
            None => req.uri().authority().map(|a| a.as_str()),
        };
        if let Some(host) = host
            && !self.hosts.allows(host)
        {
            static LOG: crate::clock::OncePerSecond = crate::clock::OncePerSecond::new();
            if LOG.ready() {
                tracing::info!(
                    host = %host.chars().take(100).collect::<String>(),
                    "refused a request for a host name not in ALLOWED_HOSTS"
                );
            }
            let shown: String = host.chars().take(100).collect();
            return Ok(self.refuse(
                &Seen::of(&req),
                ApiError::misdirected(format!(
                    "this server does not answer for the host {shown:?}: list the name in \
                     ALLOWED_HOSTS to serve it"
                )),
            ));
        }
        ep.call(req).await.map(IntoResponse::into_response)
    }

    /// Around the CORS layer: its refusals become problem+json (403
    /// `ORIGIN_NOT_ALLOWED`, …) like every other error, and every answer
    /// says `Vary: Origin`, since whether it carries
    /// `Access-Control-Allow-Origin` (or is refused) depends on that header
    /// (a cache must not give one origin's answer to another).
    ///
    /// With no `CORS_ALLOWED_ORIGINS` there is no CORS layer, and every
    /// request that still names an origin is refused here: the server's own
    /// pages lost theirs in `not_cross_origin`, so what is left comes from
    /// another site. A browser sends such a POST without asking first when
    /// it has no `Content-Type` (`fetch` with `no-cors`, `sendBeacon`), and
    /// the API reads a body without one as JSON, so not answering it
    /// cross-origin is not enough: it must not be carried out.
    pub async fn cors<E: Endpoint>(&self, ep: Arc<E>, req: Request) -> poem::Result<Response> {
        let seen = Seen::of(&req);
        let origin = req
            .header(header::ORIGIN)
            .map(|o| o.chars().take(200).collect::<String>());
        let mut resp = match (self.cors, origin) {
            (false, None) => ep.call(req).await?.into_response(),
            (false, Some(origin)) => {
                self.refuse_foreign(&seen, &origin, req.header(header::HOST).unwrap_or_default())
            }
            (true, origin) => match ep.call(req).await {
                Ok(resp) => resp.into_response(),
                Err(e) => match e.downcast_ref::<CorsError>() {
                    Some(refusal) => {
                        let origin = origin.unwrap_or_default();
                        self.refuse(&seen, cors_refusal(refusal, &origin))
                    }
                    None => return Err(e),
                },
            },
        };
        let varies = resp
            .headers()
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("origin") || v.trim() == "*");
        if !varies {
            resp.headers_mut()
                .append(header::VARY, HeaderValue::from_static("Origin"));
        }
        Ok(resp)
    }

    /// The 403 of a request from another origin when no origin is allowed.
    fn refuse_foreign(&self, seen: &Seen, origin: &str, host: &str) -> Response {
        static LOG: crate::clock::OncePerMinute = crate::clock::OncePerMinute::new();
        if LOG.ready() {
            tracing::info!(
                %origin,
                host,
                "refused a request from another origin (logged once a minute): if it is this \
                 server's own page behind a proxy, have the proxy pass the client's Host on, or \
                 list the origin in CORS_ALLOWED_ORIGINS"
            );
        }
        let detail = format!(
            "cross-origin requests are refused: the origin {origin:?} is not this server's own, \
             and CORS_ALLOWED_ORIGINS is not set"
        );
        self.refuse(seen, ApiError::forbidden("ORIGIN_NOT_ALLOWED", detail))
    }

    /// A refusal before the guard: answered and counted here, with the
    /// request id the guard would have given it.
    fn refuse(&self, seen: &Seen, error: ApiError) -> Response {
        let mut resp = error.into_response();
        crate::metrics::http_request(
            method_label(&seen.method),
            self.routes.label(&seen.path),
            resp.status().as_u16(),
            seen.began.elapsed().as_secs_f64(),
        );
        if let Ok(id) = HeaderValue::from_str(&seen.request_id) {
            resp.headers_mut().insert(REQUEST_ID, id);
        }
        resp
    }
}

/// The problem a refusal of the CORS layer answers.
fn cors_refusal(refusal: &CorsError, origin: &str) -> ApiError {
    let (code, detail) = match refusal {
        CorsError::OriginNotAllowed => (
            "ORIGIN_NOT_ALLOWED",
            format!("the origin {origin:?} is not in CORS_ALLOWED_ORIGINS"),
        ),
        CorsError::MethodNotAllowed => (
            "CORS_METHOD_NOT_ALLOWED",
            "Access-Control-Request-Method names a method this API does not allow across origins"
                .to_string(),
        ),
        CorsError::HeadersNotAllowed => (
            "CORS_HEADERS_NOT_ALLOWED",
            "Access-Control-Request-Headers names a header this API does not allow across \
             origins"
                .to_string(),
        ),
    };
    ApiError::forbidden(code, detail)
}

/// Swagger UI's policy: poem-openapi inlines its script, its styles and the
/// spec into the page, so its two inline scripts are allowed by their
/// SHA-256 (any other inline script is refused), its inline styles and
/// `data:` images (icons in its CSS) as such; nothing from elsewhere.
pub fn docs_policy(html: &str) -> String {
    let hashes: Vec<String> = inline_scripts(html)
        .map(|text| {
            let digest = sha2::Sha256::digest(text.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' {}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; \
         form-action 'self'",
        hashes.join(" ")
    )
}

/// The text of each inline `<script>` (without `src`) of a page, as a
/// browser reads it: from the end of the opening tag to the next `</script`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find("<script")?;
            let tag_end = start + rest[start..].find('>')?;
            let tag = &rest[start..tag_end];
            let body = &rest[tag_end + 1..];
            let len = body.find("</script")?;
            rest = &body[len..];
            if !tag.contains(" src=") {
                return Some(&body[..len]);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_policy_allows_exactly_swagger_uis_inline_scripts() {
        let html = "<head><script charset=\"UTF-8\">var a = 1;</script>\
            <script src=\"/x.js\"></script></head><body><script>\nrun(a)\n</script></body>";
        let scripts: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(scripts, ["var a = 1;", "\nrun(a)\n"]);
        let policy = docs_policy(html);
        // echo -n 'var a = 1;' | openssl dgst -sha256 -binary | base64
        assert!(
            policy.contains("'sha256-+dZ6udsWxNVoGfScAq7t5IIF5UJb4F6RhjbN6oe1p4w='"),
            "{policy}"
        );
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
        // The real page: poem-openapi's two inline scripts.
        let real = crate::api::service().swagger_ui_html();
        assert_eq!(inline_scripts(&real).count(), 2);
    }
}
