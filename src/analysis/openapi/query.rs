//! Questions rules ask of the typed model, answered once here so every rule
//! reads the same way: effective security, schema reachability, response
//! classes, list endpoints and pagination.

use foldhash::{HashSet, HashSetExt};

use super::model::{
    Additional, Loc, Method, Operation, ParamIn, Property, Requirement, Response, Schema, SchemaId,
    Spec,
};

/// Most schemas one walk visits (guards pathological graphs).
const MAX_WALK: usize = 20_000;

impl Spec {
    /// The document as a whole (line 1, empty pointer).
    pub fn root_loc(&self) -> Loc {
        Loc::new(1, "")
    }

    pub fn schema(&self, id: SchemaId) -> Option<&Schema> {
        self.schemas.get(id)
    }

    /// The `security` that applies to `op`: its own, else the top level.
    pub fn effective_security<'a>(&'a self, op: &'a Operation) -> Option<&'a [Requirement]> {
        op.security.as_deref().or(self.security.as_deref())
    }

    /// True when every alternative of the effective security names a scheme.
    pub fn is_secured(&self, op: &Operation) -> bool {
        match self.effective_security(op) {
            Some(reqs) => !reqs.is_empty() && reqs.iter().all(|r| !r.schemes.is_empty()),
            None => false,
        }
    }

    /// Visits every schema reachable from `roots` once (properties, items,
    /// additionalProperties, allOf/anyOf/oneOf), cycles included, in the
    /// order a reader meets them: the roots in the order given, each one
    /// depth first with its children in the order they are written (a
    /// plain stack would visit the last root first). The `Sink` keeps a
    /// finding's locations in document order whatever the visiting order.
    pub fn walk(
        &self,
        roots: impl IntoIterator<Item = SchemaId>,
        mut visit: impl FnMut(SchemaId, &Schema),
    ) {
        let mut seen = HashSet::new();
        // A stack pops last-in first: push everything in reverse.
        let mut stack: Vec<SchemaId> = roots.into_iter().collect();
        stack.reverse();
        let mut children: Vec<SchemaId> = Vec::new();
        while let Some(id) = stack.pop() {
            if seen.len() >= MAX_WALK || !seen.insert(id) {
                continue;
            }
            let Some(s) = self.schema(id) else { continue };
            visit(id, s);
            children.clear();
            children.extend(s.properties.iter().map(|p| p.schema));
            children.extend(s.items);
            if let Additional::Schema(a) = s.additional {
                children.push(a);
            }
            children.extend(s.all_of.iter().chain(&s.any_of).chain(&s.one_of).copied());
            stack.extend(children.iter().rev().filter(|c| !seen.contains(*c)));
        }
    }

    /// Schemas of the operation's inputs: parameters and request bodies.
    pub fn input_roots(&self, op: &Operation) -> Vec<SchemaId> {
        let params = op.parameters.iter().filter_map(|p| p.schema);
        let body = op
            .request_body
            .iter()
            .flat_map(|b| &b.content)
            .filter_map(|m| m.schema);
        params.chain(body).collect()
    }

    /// Schemas of request bodies only.
    pub fn body_roots(&self, op: &Operation) -> Vec<SchemaId> {
        op.request_body
            .iter()
            .flat_map(|b| &b.content)
            .filter_map(|m| m.schema)
            .collect()
    }

    /// Schemas of the successful (2xx) responses.
    pub fn success_roots(&self, op: &Operation) -> Vec<SchemaId> {
        op.responses
            .iter()
            .filter(|r| is_success(&r.status))
            .flat_map(|r| &r.content)
            .filter_map(|m| m.schema)
            .collect()
    }

    /// Own properties plus those of `allOf` members (one level of composition).
    pub fn all_properties(&self, id: SchemaId) -> Vec<&Property> {
        let Some(s) = self.schema(id) else {
            return Vec::new();
        };
        let mut out: Vec<&Property> = s.properties.iter().collect();
        for part in &s.all_of {
            if let Some(p) = self.schema(*part) {
                out.extend(p.properties.iter());
            }
        }
        out
    }

    /// The array a list endpoint returns: the 2xx body itself, or the one
    /// array property of a wrapper object that is shaped like a page of a
    /// collection (`{items: [...], next: ...}`): the array has a list name
    /// (`items`, `data`, `results`, ...) or is named after a static path
    /// segment (`{calls: [...]}` from `/Calls.json`), the wrapper carries
    /// paging fields (`next`, `has_more`, `total`, ...), or the operation
    /// takes pagination parameters. An object that merely has one array
    /// field (`{sid, name, permissions: [...]}`) is a single item.
    pub fn returns_list(&self, op: &Operation) -> bool {
        self.success_roots(op).into_iter().any(|id| {
            let Some(s) = self.schema(id) else {
                return false;
            };
            if s.has_type("array") {
                return true;
            }
            let props = self.all_properties(id);
            let mut arrays = props
                .iter()
                .filter(|p| self.schema(p.schema).is_some_and(|x| x.has_type("array")));
            let (Some(array), None) = (arrays.next(), arrays.next()) else {
                return false;
            };
            LIST_FIELDS.contains(&squash(&array.name).as_str())
                || names_a_segment(&array.name, &op.path)
                || props
                    .iter()
                    .any(|p| PAGE_FIELDS.contains(&squash(&p.name).as_str()))
                || op.has_pagination()
        })
    }

    /// The kind of secret a schema property holds (a password, secret, SSN
    /// or card number; see [`sensitive_kind`], tokens left out), or `None`
    /// when its name only refers to one or its value cannot be one: a
    /// boolean flag (`serviceAccountTokenInSecrets`), an object or `$ref`'d
    /// object (a reference or a container, `secret: SecretVolumeSource`), or
    /// an array of those (`imagePullSecrets`). Strings, numbers, maps of
    /// strings and untyped values may hold one.
    pub fn secret_property(&self, p: &Property) -> Option<&'static str> {
        let kind = sensitive_kind(&p.name).filter(|k| *k != "token")?;
        self.may_hold_secret_value(p.schema, 0).then_some(kind)
    }

    fn may_hold_secret_value(&self, id: SchemaId, depth: u8) -> bool {
        // Unknown or too deep to tell: assume it may.
        let Some(s) = self.schema(id) else {
            return true;
        };
        if depth > 4 || s.has_type("string") || s.has_type("integer") || s.has_type("number") {
            return true;
        }
        if s.has_type("array") {
            return s
                .items
                .is_none_or(|i| self.may_hold_secret_value(i, depth + 1));
        }
        let map_of_values = match s.additional {
            Additional::Schema(a) => self.may_hold_secret_value(a, depth + 1),
            _ => false,
        };
        if s.has_type("object") || !s.properties.is_empty() {
            return map_of_values;
        }
        if !s.types.is_empty() {
            // boolean or null
            return false;
        }
        let mut parts = s.all_of.iter().chain(&s.any_of).chain(&s.one_of).peekable();
        parts.peek().is_none() || parts.any(|&x| self.may_hold_secret_value(x, depth + 1))
    }

    /// Whether the document gives the `FL-OAS` rules an API to judge: at
    /// least one operation under `paths` (FL-OAS-068). The rules read no
    /// webhook: a spec of webhooks alone passed them all, vouching for
    /// nothing.
    pub fn is_assessable(&self) -> bool {
        !self.operations.is_empty()
    }

    /// GET on a collection path (its last segment holds no `{param}`)
    /// returning a list.
    pub fn is_list_endpoint(&self, op: &Operation) -> bool {
        op.method == Method::Get && !last_segment_is_param(&op.path) && self.returns_list(op)
    }
}

impl Operation {
    /// "POST /pets", for finding details.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.key().to_ascii_uppercase(), self.path)
    }

    pub fn has_status(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.responses.iter().any(|r| pred(&r.status))
    }

    pub fn response(&self, status: &str) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| r.status.eq_ignore_ascii_case(status))
    }

    pub fn params_in(&self, location: ParamIn) -> impl Iterator<Item = &super::model::Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// Accepts a page size / cursor / offset / page number.
    pub fn has_pagination(&self) -> bool {
        self.params_in(ParamIn::Query)
            .any(|p| PAGINATION.contains(&squash(&p.name).as_str()))
    }

    /// Declares a header parameter named `name` (case-insensitive).
    pub fn has_header_param(&self, name: &str) -> bool {
        self.params_in(ParamIn::Header)
            .any(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// Query parameter names (squashed) that mean pagination.
pub const PAGINATION: &[&str] = &[
    "limit",
    "offset",
    "page",
    "pagesize",
    "perpage",
    "size",
    "cursor",
    "pagetoken",
    "nextpagetoken",
    "after",
    "before",
    "continue",
    "continuationtoken",
    "maxresults",
    "top",
    "skip",
    "first",
    "last",
    "startingafter",
    "endingbefore",
    "pagenumber",
    "count",
    "start",
    "marker",
    "since",
    "from",
];

/// Lower-cased with `_`, `-`, `.` and spaces removed: `page_size` = `pageSize`.
pub fn squash(name: &str) -> String {
    // Names are nearly always ASCII: a byte loop, ~10x cheaper than the
    // char-by-char lowercasing (rules squash every property name).
    if name.is_ascii() {
        let bytes = name.bytes().filter(u8::is_ascii_alphanumeric);
        let lower: Vec<u8> = bytes.map(|b| b.to_ascii_lowercase()).collect();
        return String::from_utf8(lower).unwrap_or_default();
    }
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

pub fn is_client_error(status: &str) -> bool {
    status.starts_with('4')
}

pub fn is_server_error(status: &str) -> bool {
    status.starts_with('5')
}

/// 4xx, 5xx or `default`.
pub fn is_error(status: &str) -> bool {
    is_client_error(status) || is_server_error(status) || status == "default"
}

/// True when the last segment holds a template variable, which makes the
/// path address one item: `/orders/{id}`, but also `/Calls/{Sid}.json` and
/// `/files/{name}.{ext}`.
pub fn last_segment_is_param(path: &str) -> bool {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .is_some_and(|s| s.contains('{') && s.contains('}'))
}

/// Squashed names of an array field that holds a page of a collection.
const LIST_FIELDS: &[&str] = &[
    "items", "data", "results", "records", "entries", "list", "values", "elements", "content",
    "contents", "rows", "hits", "nodes", "edges", "objects",
];

/// Squashed names of the fields a page of a collection carries beside its
/// array (a response's counterpart of [`PAGINATION`]).
const PAGE_FIELDS: &[&str] = &[
    "next",
    "nextcursor",
    "nextpage",
    "nextpagetoken",
    "nextpageuri",
    "nextpageurl",
    "nextlink",
    "hasmore",
    "more",
    "total",
    "totalcount",
    "totalitems",
    "totalelements",
    "totalresults",
    "totalpages",
    "cursor",
    "offset",
    "limit",
    "page",
    "pagesize",
    "pagenumber",
    "perpage",
    "continue",
    "continuationtoken",
];

/// The field `name` is named after a static segment of `path` (the resource
/// it lists): `calls` in `/Accounts/{Sid}/Calls.json`, `incident_types` in
/// `/incidents/types`. Compared squashed, file extensions dropped, either
/// name ending in the other (at least three characters).
fn names_a_segment(name: &str, path: &str) -> bool {
    let name = squash(name);
    static_segments(path).any(|seg| {
        let seg = squash(seg.split('.').next().unwrap_or(seg));
        let (short, long) = if seg.len() <= name.len() {
            (&seg, &name)
        } else {
            (&name, &seg)
        };
        short.len() >= 3 && long.ends_with(short.as_str())
    })
}

/// Template variables of a path: `/a/{id}/b/{x}` → `["id", "x"]`.
pub fn template_vars(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(v, _)| v))
        .collect()
}

/// Static (non-template) path segments.
pub fn static_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter(|s| !s.is_empty() && !s.contains('{'))
}

/// Path segments (squashed) that name a health, liveness or readiness probe.
pub const PROBE_SEGMENTS: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "livez",
    "readyz",
    "ready",
    "live",
    "liveness",
    "readiness",
    "ping",
    "heartbeat",
];

/// A collection length as the `u32` [`Sink::examined`] takes.
///
/// [`Sink::examined`]: crate::analysis::rule::Sink::examined
pub fn n(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Naming style of one identifier; `None` when it has no style marker, or
/// no letters at all (`2010-04-01` is a date, not kebab-case).
pub fn style(name: &str) -> Option<&'static str> {
    let name = name.trim_start_matches(['_', '$', '@']);
    if !name.chars().any(char::is_alphabetic) {
        None
    } else if name.contains('-') {
        Some("kebab-case")
    } else if name.contains('_') {
        Some("snake_case")
    } else if name.chars().next().is_some_and(char::is_lowercase)
        && name.chars().any(char::is_uppercase)
    {
        Some("camelCase")
    } else if name.chars().next().is_some_and(char::is_uppercase)
        && name.chars().any(char::is_lowercase)
    {
        Some("PascalCase")
    } else {
        None
    }
}

/// What kind of sensitive data a field name denotes, if any.
pub fn sensitive_kind(name: &str) -> Option<&'static str> {
    let s = squash(name);
    // `secretRef`, `passwordPolicy`, `tokenExpiresAt` name or describe a secret; they are not one,
    // and neither is where one is kept (`secretFile`, `keyPath`, `secretNamespace`).
    const ABOUT: &[&str] = &[
        "ref",
        "refs",
        "name",
        "names",
        "namespace",
        "file",
        "files",
        "path",
        "paths",
        "id",
        "ids",
        "policy",
        "count",
        "length",
        "set",
        "enabled",
        "required",
        "type",
        "hint",
        "expiresat",
        "expiry",
        "url",
        "uri",
        "exists",
        "changed",
        "reset",
    ];
    if ABOUT.iter().any(|a| s.ends_with(a) && s.len() > a.len()) {
        return None;
    }
    if s.contains("password") || s.contains("passwd") || s == "pwd" {
        Some("password")
    } else if s.contains("secret") || s.contains("privatekey") {
        Some("secret")
    } else if s == "ssn"
        || s.starts_with("ssn")
        || s.ends_with("ssn")
        || s.contains("socialsecurity")
    {
        Some("ssn")
    } else if s.contains("cardnumber")
        || s.contains("creditcard")
        || s == "pan"
        || s == "cvv"
        || s == "cvc"
        || s.ends_with("cvv")
    {
        Some("card")
    } else if s.ends_with("accesstoken")
        || s.ends_with("refreshtoken")
        || s.ends_with("apikey")
        || s == "token"
    {
        Some("token")
    } else {
        None
    }
}
