//! The kinds of secret the scanner knows, most specific first (the order
//! decides which kind wins when two shapes overlap).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretKind {
    PrivateKey,
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GcpServiceAccountKey,
    GoogleApiKey,
    GitHubToken,
    SlackToken,
    StripeKey,
    Jwt,
    UrlPassword,
    /// `password: …`, `API_KEY=…` and the like with a literal value.
    Assignment,
}

impl SecretKind {
    pub const ALL: [SecretKind; 11] = [
        SecretKind::PrivateKey,
        SecretKind::AwsAccessKeyId,
        SecretKind::AwsSecretAccessKey,
        SecretKind::GcpServiceAccountKey,
        SecretKind::GoogleApiKey,
        SecretKind::GitHubToken,
        SecretKind::SlackToken,
        SecretKind::StripeKey,
        SecretKind::Jwt,
        SecretKind::UrlPassword,
        SecretKind::Assignment,
    ];

    /// What the finding calls it.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::PrivateKey => "Private key",
            SecretKind::AwsAccessKeyId => "AWS access key id",
            SecretKind::AwsSecretAccessKey => "AWS secret access key",
            SecretKind::GcpServiceAccountKey => "GCP service-account key",
            SecretKind::GoogleApiKey => "Google API key",
            SecretKind::GitHubToken => "GitHub token",
            SecretKind::SlackToken => "Slack token",
            SecretKind::StripeKey => "Stripe live key",
            SecretKind::Jwt => "JSON Web Token",
            SecretKind::UrlPassword => "Password in a connection URL",
            SecretKind::Assignment => "Password, secret or token in configuration",
        }
    }
}
