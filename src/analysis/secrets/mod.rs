//! Secrets in artifacts: private keys, cloud and SaaS API keys, tokens,
//! passwords in configuration and connection URLs.
//!
//! [`scan`] finds them in raw text (every artifact kind alike); the `FL-SEC`
//! [`rules`] turn each into a High finding whose evidence is masked
//! ([`mask`]: at most 4 characters and the length, the header for a private
//! key). A generic assignment inside an `example`/`examples` value is a
//! documentation sample (`samples`): a Low FL-SEC-012 finding instead. A
//! [`Redactor`] then scrubs every string of the report and every error
//! message for each secret found (samples included), so no raw secret
//! leaves the analyser, whatever a rule or the synthesiser wrote.

mod kind;
mod mask;
#[cfg(test)]
mod pipeline_tests;
mod placeholder;
mod redact;
mod rules;
mod samples;
mod scan;
#[cfg(test)]
mod tests;

pub use kind::SecretKind;
pub use mask::{MAX_SHOWN, mask};
pub use redact::Redactor;
pub use rules::{SecretScan, rules};
pub use scan::{SecretHit, scan};
