//! FL-OAS-002: Write operation without authentication.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::{Operation, Spec};
use crate::analysis::openapi::query::{n, squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// POST, PUT, PATCH or DELETE that anyone may call.
///
/// ## What it checks
/// A write operation whose effective security (its own `security`, else the top-level one) is
/// absent, empty (`security: []`) or has an empty alternative (`{}`), which allows anonymous
/// calls. Auth bootstrap operations (login, sign-in, sign-up, register, token, token refresh,
/// password reset or forgotten password, judged by the words of the path and operationId)
/// are left alone when they opt out explicitly with their own `security: []`, or when the API
/// secures its other operations one by one (no top-level `security`, so there is nothing to
/// opt out of): a caller cannot authenticate before it has credentials.
///
/// ## Why it matters
/// Anonymous writes let anyone create, change or delete data; `security: []` is an explicit
/// opt-out that is easy to miss in review.
///
/// ## Example
///
/// ```yaml
/// paths:
///   /orders:
///     post:
///       security: []
/// ```
///
/// ## Fix
/// Require a security scheme on every write operation; if one must be public, document why and
/// protect it another way (captcha, signed links).
pub struct UnauthenticatedWriteOperation;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-002",
    title: "Write operation without authentication",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Anonymous writes let anyone create, change or delete data; `security: []` is an explicit opt-out that is easy to miss in review.",
    remediation: "Require a security scheme on every write operation; if one must be public, document why and protect it another way (captcha, signed links).",
};

impl Rule<Spec> for UnauthenticatedWriteOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let writes: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| o.method.is_write())
            .collect();
        sink.examined(&META, n(writes.len()));
        for op in writes
            .into_iter()
            .filter(|o| !spec.is_secured(o) && !is_public_by_design(spec, o))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} can be called anonymously", op.label()),
            );
        }
    }
}

/// An auth bootstrap operation that is public on purpose: its own
/// `security` is `[]` or has an empty alternative, or it has none while the
/// API secures other operations one by one (with no top-level `security`
/// there is nothing to opt out of). Inheriting an anonymous top-level
/// `security`, or an API that secures nothing (FL-OAS-001), is no such sign.
fn is_public_by_design(spec: &Spec, op: &Operation) -> bool {
    let explicit = op
        .security
        .as_ref()
        .is_some_and(|reqs| reqs.is_empty() || reqs.iter().any(|r| r.schemes.is_empty()));
    let per_operation = op.security.is_none()
        && spec.security.is_none()
        && spec.operations.iter().any(|o| spec.is_secured(o));
    (explicit || per_operation) && is_auth_bootstrap(op)
}

/// Whether the path's static segments or the operationId name a step a
/// caller takes before it has credentials: log in, sign up, get or refresh
/// a token, reset a forgotten password.
fn is_auth_bootstrap(op: &Operation) -> bool {
    const WORDS: &[&str] = &[
        "login",
        "signin",
        "logon",
        "signup",
        "register",
        "registration",
        "token",
    ];
    let mut words: Vec<String> = static_segments(&op.path).map(squash).collect();
    words.extend(op.operation_id.as_deref().map(squash));
    let text = words.join("/");
    let has = |w: &str| text.contains(w);
    let named = WORDS.iter().any(|w| has(w)) && !has("deregister") && !has("unregister");
    // "refresh" alone may be a cache or a feed; with auth words it is a token.
    let refresh = has("refresh") && (has("auth") || has("session"));
    let password = has("password") && (has("reset") || has("forgot") || has("recover"));
    named || refresh || password
}

#[cfg(test)]
mod tests {
    use crate::analysis::openapi::tests::{findings_of, pointers};

    /// Where FL-OAS-002 fires in `yaml` (its operations' pointers).
    fn flagged(yaml: &str) -> Vec<String> {
        pointers(&findings_of("FL-OAS-002", yaml))
    }

    const SPEC: &str = "openapi: 3.0.3
info: {title: T, version: 1.0.0}
security: [{bearer: []}]
paths:
  /auth/login:
    post: {operationId: loginUser, security: [], responses: {'200': {description: ok}}}
  /auth/register:
    post: {security: [], responses: {'201': {description: ok}}}
  /users/sign-up:
    post: {security: [{}], responses: {'201': {description: ok}}}
  /oauth/token:
    post: {security: [], responses: {'200': {description: ok}}}
  /auth/refresh:
    post: {security: [], responses: {'200': {description: ok}}}
  /password/reset:
    post: {security: [], responses: {'204': {description: ok}}}
  /session:
    post: {operationId: forgotPassword, security: [], responses: {'204': {description: ok}}}
  /orders:
    post: {security: [], responses: {'201': {description: ok}}}
  /cache/refresh:
    post: {security: [], responses: {'204': {description: ok}}}
  /devices/deregister:
    post: {security: [], responses: {'204': {description: ok}}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
";

    #[test]
    fn auth_bootstrap_operations_declared_public_are_not_flagged() {
        assert_eq!(
            flagged(SPEC),
            [
                "/paths/~1orders/post",
                "/paths/~1cache~1refresh/post",
                "/paths/~1devices~1deregister/post"
            ]
        );
    }

    #[test]
    fn a_login_left_public_without_saying_so_is_flagged() {
        // No `security` of its own: the API as a whole is anonymous.
        let spec = "openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /auth/login:
    post: {responses: {'200': {description: ok}}}
";
        assert_eq!(flagged(spec), ["/paths/~1auth~1login/post"]);
    }

    #[test]
    fn a_sign_up_beside_operations_secured_one_by_one_is_public_by_design() {
        // No top-level `security`: each operation says what it needs, and
        // the sign-up, saying nothing, is the way in. The order post is not.
        let spec = "openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /auth/sign-up:
    post: {responses: {'201': {description: ok}}}
  /orders:
    post: {responses: {'201': {description: ok}}}
  /orders/{id}:
    delete:
      security: [{key: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
";
        assert_eq!(flagged(spec), ["/paths/~1orders/post"]);
    }
}
