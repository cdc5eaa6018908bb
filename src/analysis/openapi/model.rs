//! The typed OpenAPI model every rule reads. Swagger 2.0, OpenAPI 3.0 and 3.1
//! are normalised into it (2.0 `host`/`basePath` become servers, body and
//! formData parameters become request bodies, `definitions` become schemas),
//! so rules never branch on the version unless the version itself matters.
//! Schemas live in one arena addressed by [`SchemaId`]; a `$ref` points at the
//! arena entry of its target, which makes recursive schemas a plain graph.

use crate::analysis::model::Location;

/// The input syntax; `Auto` detects it from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

/// Where a model element came from: 1-based line and RFC 6901 pointer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Loc {
    pub line: u32,
    pub pointer: String,
}

impl Loc {
    pub fn new(line: u32, pointer: impl Into<String>) -> Self {
        Self {
            line,
            pointer: pointer.into(),
        }
    }

    pub fn location(&self) -> Location {
        Location {
            line: Some(self.line.max(1)),
            pointer: Some(self.pointer.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The lower-case key used in path items.
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// Changes server state (POST, PUT, PATCH, DELETE).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Method::Post | Method::Put | Method::Patch | Method::Delete
        )
    }
}

/// The whole normalised document.
#[derive(Debug, Clone)]
pub struct Spec {
    pub version: Version,
    /// Json or Yaml (never Auto once parsed).
    pub format: Format,
    /// Number of lines of the source, so locations can be checked.
    pub line_count: u32,
    pub info: Info,
    pub servers: Vec<Server>,
    pub security_schemes: Vec<SecurityScheme>,
    /// Top-level `security`; `None` when absent.
    pub security: Option<Vec<Requirement>>,
    /// Where `paths` is (document-level findings about endpoints point here).
    pub paths_loc: Loc,
    pub paths: Vec<PathItem>,
    pub operations: Vec<Operation>,
    /// Operations under 3.1 `webhooks` (not endpoints of this API, so not
    /// in `operations`, but an API description all the same).
    pub webhooks: u32,
    /// Line where a second YAML document of the file starts: only the
    /// first is read.
    pub next_document: Option<u32>,
    pub schemas: Vec<Schema>,
    /// Reusable components (`components/*`, 2.0 `definitions`, `parameters`, `responses`).
    pub components: Vec<Component>,
    pub tags: Vec<Tag>,
    /// Every local `$ref` target (pointer), plus its ancestors.
    pub referenced: foldhash::HashSet<String>,
    pub unresolved_refs: Vec<UnresolvedRef>,
    /// How many local (`#/...`) `$ref`s the document has.
    pub local_refs: u32,
    /// Free text worth scanning (descriptions, examples, defaults) with where it is.
    pub texts: Vec<Text>,
}

#[derive(Debug, Clone, Default)]
pub struct Info {
    pub loc: Loc,
    pub title: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub has_contact: bool,
    pub has_license: bool,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub loc: Loc,
    pub url: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SecurityScheme {
    pub loc: Loc,
    pub name: String,
    pub kind: SchemeKind,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    /// `location` is query, header or cookie.
    ApiKey {
        location: String,
        param: String,
    },
    /// `scheme` lower-cased: basic, bearer, digest, negotiate, ...
    Http {
        scheme: String,
        bearer_format: Option<String>,
    },
    OAuth2 {
        flows: Vec<OAuthFlow>,
    },
    OpenIdConnect,
    MutualTls,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OAuthFlow {
    pub loc: Loc,
    /// 3.x names: implicit, password, clientCredentials, authorizationCode.
    pub kind: String,
    pub scopes: Vec<String>,
    pub refresh_url: Option<String>,
}

/// One alternative of a `security` list: scheme name → required scopes.
/// Empty means "anonymous allowed".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Requirement {
    pub loc: Loc,
    pub schemes: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct PathItem {
    pub loc: Loc,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub loc: Loc,
    pub method: Method,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Path-level and operation-level parameters, merged and resolved.
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// Operation-level `security`; `None` inherits the top level.
    pub security: Option<Vec<Requirement>>,
    /// Names of `x-` extensions on the operation.
    pub extensions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Query,
    Header,
    Path,
    Cookie,
    Other,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub loc: Loc,
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub description: Option<String>,
    pub deprecated: bool,
    pub schema: Option<SchemaId>,
    pub has_example: bool,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub loc: Loc,
    pub required: bool,
    pub description: Option<String>,
    pub content: Vec<MediaType>,
}

#[derive(Debug, Clone)]
pub struct MediaType {
    pub loc: Loc,
    pub name: String,
    pub schema: Option<SchemaId>,
    pub has_example: bool,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub loc: Loc,
    /// As written: "200", "4XX", "default".
    pub status: String,
    pub description: Option<String>,
    pub headers: Vec<Header>,
    pub content: Vec<MediaType>,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub loc: Loc,
    pub name: String,
    pub schema: Option<SchemaId>,
}

/// Index into [`Spec::schemas`].
pub type SchemaId = usize;

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub loc: Loc,
    /// Declared types without "null" (3.1 arrays and 3.0 `nullable` folded).
    pub types: Vec<String>,
    pub format: Option<String>,
    pub properties: Vec<Property>,
    pub required: Vec<String>,
    pub items: Option<SchemaId>,
    pub additional: Additional,
    pub all_of: Vec<SchemaId>,
    pub any_of: Vec<SchemaId>,
    pub one_of: Vec<SchemaId>,
    pub max_length: Option<f64>,
    pub max_items: Option<f64>,
    pub maximum: Option<f64>,
    pub minimum: Option<f64>,
    pub pattern: Option<String>,
    /// Enum values rendered as text (`None` when there is no enum).
    pub enum_values: Option<Vec<String>>,
    pub read_only: bool,
    pub write_only: bool,
    pub description: Option<String>,
    pub has_example: bool,
    /// A `$ref` that could not be resolved stands here.
    pub unresolved: bool,
}

impl Schema {
    pub fn has_type(&self, name: &str) -> bool {
        self.types.iter().any(|t| t == name)
    }
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub line: u32,
    pub schema: SchemaId,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Additional {
    /// Not stated: open by JSON Schema default.
    #[default]
    Unspecified,
    Allowed,
    Forbidden,
    Schema(SchemaId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    Schema,
    Parameter,
    Response,
    RequestBody,
    Header,
    Example,
    Other,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub loc: Loc,
    pub kind: ComponentKind,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub loc: Loc,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnresolvedRef {
    /// Where the `$ref` is.
    pub loc: Loc,
    pub target: String,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Description,
    Example,
    Default,
}

#[derive(Debug, Clone)]
pub struct Text {
    pub loc: Loc,
    pub kind: TextKind,
    pub text: String,
}
