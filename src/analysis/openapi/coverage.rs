//! Coverage ratios for the charts (share of operations that do a good thing)
//! and the endpoint list the cross-artifact rules compare against. Numbers
//! come straight from the model: nothing is estimated.

use super::model::Spec;
use super::query::{is_client_error, is_server_error};

/// `covered` of `applicable` objects meet `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub label: &'static str,
    pub covered: u32,
    pub applicable: u32,
}

/// Security, pagination, error-response and rate-limit coverage.
pub fn coverage(spec: &Spec) -> Vec<Coverage> {
    let ops = &spec.operations;
    let count = |pred: &dyn Fn(&super::model::Operation) -> bool| {
        u32::try_from(ops.iter().filter(|o| pred(o)).count()).unwrap_or(u32::MAX)
    };
    let all = count(&|_| true);
    let lists = count(&|o| spec.is_list_endpoint(o));
    vec![
        Coverage {
            label: "Operations with security",
            covered: count(&|o| spec.is_secured(o)),
            applicable: all,
        },
        Coverage {
            label: "List endpoints with pagination",
            covered: count(&|o| spec.is_list_endpoint(o) && o.has_pagination()),
            applicable: lists,
        },
        Coverage {
            label: "Operations with documented error responses",
            covered: count(&|o| {
                o.has_status(|s| is_client_error(s) || is_server_error(s) || s == "default")
            }),
            applicable: all,
        },
        Coverage {
            label: "Operations with 429 / rate-limit responses",
            covered: count(&|o| o.has_status(|s| s == "429")),
            applicable: all,
        },
    ]
}

/// Every operation as (METHOD, path), in document order.
pub fn endpoints(spec: &Spec) -> Vec<(String, String)> {
    spec.operations
        .iter()
        .map(|o| (o.method.key().to_ascii_uppercase(), o.path.clone()))
        .collect()
}
