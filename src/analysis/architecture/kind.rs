//! The kinds of component the architecture rules reason about.

/// What a component is, as far as production readiness cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentKind {
    Service,
    Database,
    Cache,
    Queue,
    Gateway,
    LoadBalancer,
    External,
    Auth,
    Observability,
    Storage,
    Client,
}

impl ComponentKind {
    pub const ALL: [ComponentKind; 11] = [
        ComponentKind::Service,
        ComponentKind::Database,
        ComponentKind::Cache,
        ComponentKind::Queue,
        ComponentKind::Gateway,
        ComponentKind::LoadBalancer,
        ComponentKind::External,
        ComponentKind::Auth,
        ComponentKind::Observability,
        ComponentKind::Storage,
        ComponentKind::Client,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Service => "service",
            ComponentKind::Database => "database",
            ComponentKind::Cache => "cache",
            ComponentKind::Queue => "queue",
            ComponentKind::Gateway => "gateway",
            ComponentKind::LoadBalancer => "load balancer",
            ComponentKind::External => "external dependency",
            ComponentKind::Auth => "auth/identity",
            ComponentKind::Observability => "observability",
            ComponentKind::Storage => "storage",
            ComponentKind::Client => "client",
        }
    }

    /// Kinds that hold state which must survive a restart.
    pub fn is_datastore(self) -> bool {
        matches!(self, ComponentKind::Database | ComponentKind::Storage)
    }
}
