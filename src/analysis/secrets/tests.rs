//! Each detector on a planted secret, its placeholders, the masks, and the
//! redactor. The secrets are made up; they only have the vendors' shapes.

use proptest::prelude::*;

use super::*;

/// (kind, a line holding a made-up secret, the secret itself).
pub(crate) const PLANTED: &[(SecretKind, &str, &str)] = &[
    (
        SecretKind::AwsAccessKeyId,
        "aws_access_key_id = AKIA2E0A8F3B4C5D6E7F",
        "AKIA2E0A8F3B4C5D6E7F",
    ),
    (
        SecretKind::AwsAccessKeyId,
        "key: ASIAQWERTYUIOPASDFGH",
        "ASIAQWERTYUIOPASDFGH",
    ),
    (
        SecretKind::AwsSecretAccessKey,
        "AWS_SECRET_ACCESS_KEY=q8Rv2Lm9Xc7Tb4Nz1Ws6Pk3Yh5Jd0Fg8Ue2Ai7Oo",
        "q8Rv2Lm9Xc7Tb4Nz1Ws6Pk3Yh5Jd0Fg8Ue2Ai7Oo",
    ),
    (
        SecretKind::GcpServiceAccountKey,
        r#"  "private_key_id": "3f2a9c1b7e4d6a8f0b2c4e6a8c0e2f4a6b8d0f1e","#,
        "3f2a9c1b7e4d6a8f0b2c4e6a8c0e2f4a6b8d0f1e",
    ),
    (
        SecretKind::GoogleApiKey,
        "maps key AIzaSyD4f8Gh2Jk5Lm9Np3Qr7St1Uv6Wx0Yz2Ab",
        "AIzaSyD4f8Gh2Jk5Lm9Np3Qr7St1Uv6Wx0Yz2Ab",
    ),
    (
        SecretKind::GitHubToken,
        "GH=ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234",
        "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234",
    ),
    (
        SecretKind::GitHubToken,
        "token ghs_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    (
        SecretKind::GitHubToken,
        "github_pat_11ABCDEFG0aBcDeFgHiJkL_MnOpQrStUvWxYz0123456789",
        "github_pat_11ABCDEFG0aBcDeFgHiJkL_MnOpQrStUvWxYz0123456789",
    ),
    (
        SecretKind::SlackToken,
        "slack: xoxb-2748163950-8817263549-Qm3Rt7Yu1Io5Pa9Sd",
        "xoxb-2748163950-8817263549-Qm3Rt7Yu1Io5Pa9Sd",
    ),
    (
        SecretKind::StripeKey,
        "example: sk_live_51H8xKLMn0pQrStUvWxYz",
        "sk_live_51H8xKLMn0pQrStUvWxYz",
    ),
    (
        SecretKind::StripeKey,
        "rk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "rk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    (
        SecretKind::Jwt,
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZG1pbiJ9.Zk3y8Qm2Rt6Vb1Nc5Xs9Lp4Wd7Hg0Jf3",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZG1pbiJ9.Zk3y8Qm2Rt6Vb1Nc5Xs9Lp4Wd7Hg0Jf3",
    ),
    (
        SecretKind::UrlPassword,
        "url: postgres://app:Hunt3r-22x@db.internal/app",
        "Hunt3r-22x",
    ),
    (
        SecretKind::Assignment,
        "  password: s3cr3t-Pa55",
        "s3cr3t-Pa55",
    ),
    (
        SecretKind::Assignment,
        "DB_PASSWORD=hunter2hunter2",
        "hunter2hunter2",
    ),
    (
        SecretKind::Assignment,
        r#"{"client_secret": "abcd1234efgh"}"#,
        "abcd1234efgh",
    ),
    (
        SecretKind::Assignment,
        "| api_key=9f8e7d6c5b4a |",
        "9f8e7d6c5b4a",
    ),
    (
        SecretKind::Assignment,
        "x-api-key: 'Zq8Wm3Rt5Yn'",
        "Zq8Wm3Rt5Yn",
    ),
    (
        SecretKind::Assignment,
        "app: {password: hunter22x}",
        "hunter22x",
    ),
    (
        SecretKind::Assignment,
        r#""secret": "kJhGfDsAqWeRtYuIoPlM""#,
        "kJhGfDsAqWeRtYuIoPlM",
    ),
];

/// A made-up RSA key (random base64, not a real key).
pub(crate) const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3f9Lq2Wm8Rt5Yn7Vb1Nc4Xs6Lp0Wd2Hg9Jf3Kq8Zm5Rt7Yu1\nIo5Pa9Sd2Fg4Hj6Kl8Zx0Cv2Bn4Mq6We8Rt0Yu2Io4Pa6Sd8Fg0Hj2Kl4Zx6Cv8\n-----END RSA PRIVATE KEY-----";

#[test]
fn every_planted_secret_is_found_with_its_kind_line_and_value() {
    for (kind, line, secret) in PLANTED {
        let text = format!("first line\n{line}\nlast line\n");
        let hits = scan(&text);
        assert_eq!(hits.len(), 1, "{line}: {hits:?}");
        assert_eq!(hits[0].kind, *kind, "{line}");
        assert_eq!(hits[0].line, 2, "{line}");
        assert_eq!(hits[0].value(&text), *secret, "{line}");
    }
}

#[test]
fn a_lone_cr_ends_a_line_and_crlf_is_one_break() {
    for ends in ["\n", "\r\n", "\r"] {
        let text = ["# Design", "", "The db password = \"Zq8vR2mK9pLx4T\"", ""].join(ends);
        let lines: Vec<u32> = scan(&text).iter().map(|h| h.line).collect();
        assert_eq!(lines, [3], "{ends:?}");
    }
}

#[test]
fn a_private_key_is_found_whole_and_shown_by_its_header() {
    let text = format!("# Keys\n\n```\n{PEM}\n```\n");
    let hits = scan(&text);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, SecretKind::PrivateKey);
    assert_eq!(hits[0].line, 4);
    assert_eq!(hits[0].value(&text), PEM);
    assert_eq!(
        hits[0].header.as_deref(),
        Some("-----BEGIN RSA PRIVATE KEY-----")
    );
    // In a JSON string (a service-account file) the line breaks are escapes.
    let json = format!(
        "{{\"type\": \"service_account\", \"private_key\": \"{}\"}}",
        PEM.replace('\n', "\\n")
    );
    let hits = scan(&json);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, SecretKind::PrivateKey);
}

#[test]
fn placeholders_references_and_prose_are_not_secrets() {
    for line in [
        "password: ${DB_PASSWORD}",
        "password: <your password>",
        "token: {{ .Values.token }}",
        "api_key: ***",
        "api_key: '****************'",
        "password: changeme",
        "password: change-me-in-prod",
        "Password: must be at least 12 characters",
        "Token: expires after one hour",
        "password_policy: strict-default",
        "token_url: https://auth.example.com/token",
        "tokenUrl: https://auth.example.com/token",
        "secretKeyRef: db-secret",
        "password: # set via env",
        "password:",
        "password: {type: string, format: password}",
        "\"password\": {\"type\": \"string\"}",
        "token_limit: 1000000",
        "secret: vault:kv/data/app#db",
        "password: short",
        "url: postgres://app@db/app",
        "url: postgres://app:${PW}@db/app",
        "key = AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "example: sk_live_XXXXXXXXXXXXXXXXXXXX",
        "example: sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "Paste the `-----BEGIN PRIVATE KEY-----` block into the vault.",
        "mypassword is not a key = at all",
        r#""apiKey": "oa_citations","#,
        r#""client_secret": "oauth-secret-id","#,
        r#""auth_token": "auth_token","#,
        r#""CallToken": "call-token-string","#,
        r#"{"token":" clouds","logprob":-1.9}"#,
        "DB_PASSWORD[DB_PASSWORD: password]",
    ] {
        let hits = scan(line);
        assert!(hits.is_empty(), "{line}: {hits:?}");
    }
}

#[test]
fn a_specific_shape_wins_over_the_generic_assignment() {
    let text = "github_token: ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234\n";
    let hits = scan(text);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, SecretKind::GitHubToken);
}

#[test]
fn each_secret_is_its_own_high_finding_with_masked_evidence() {
    let text: String = PLANTED.iter().map(|(_, l, _)| format!("{l}\n")).collect();
    let scan = SecretScan::of([(None, text.as_str())]);
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(&rules(), &scan);
    for (i, (kind, _, secret)) in PLANTED.iter().enumerate() {
        let line = Some(u32::try_from(i + 1).unwrap());
        let f = run
            .findings
            .iter()
            .find(|f| f.location.line == line)
            .unwrap_or_else(|| panic!("no finding for {secret} on line {line:?}"));
        assert_eq!(f.severity, crate::analysis::Severity::High);
        assert!(f.description.starts_with(kind.label()), "{}", f.description);
        assert!(f.description.contains(&mask(secret)), "{}", f.description);
        assert!(!f.description.contains(secret), "{}", f.description);
        assert!(f.remediation.contains("rotate"));
    }
    assert_eq!(run.findings.len(), PLANTED.len());
    // Rules that found nothing are not applicable (they do not raise the score).
    let silent = SecretScan::of([(None, "nothing here")]);
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(&rules(), &silent);
    assert!(run.outcomes.iter().all(|o| o.applicable().is_none()));
}

#[test]
fn the_redactor_masks_every_secret_and_key_fragment() {
    let text = format!("token: ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234\n{PEM}\n");
    let scan = SecretScan::of([(None, text.as_str())]);
    let redactor = scan.redactor();
    let fragment = PEM.lines().nth(1).unwrap();
    let dirty = format!("saw ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234 and {fragment}");
    let clean = redactor.scrub(&dirty);
    assert_eq!(clean, format!("saw ghp_…(40 chars) and {}", mask(fragment)));
    assert!(Redactor::default().is_empty());
    assert_eq!(Redactor::default().scrub("same"), "same");
}

/// Secrets too long for the automaton (a pasted key block, a run of one
/// character) are scrubbed whole, and a shorter secret found inside one
/// goes with it.
#[test]
fn long_and_repetitive_secrets_are_scrubbed_whole() {
    let password = "a".repeat(5_000);
    let body = "M".repeat(3_000);
    let text = format!(
        "db: postgres://app:{password}@db/orders\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    );
    let scan = SecretScan::of([(None, text.as_str())]);
    let redactor = scan.redactor();
    assert!(!redactor.is_empty());
    let dirty = format!("quoted {password} and {body}, twice: {password}{password}");
    let clean = redactor.scrub(&dirty);
    assert!(!clean.contains(&"a".repeat(20)), "{clean:.200}");
    assert!(!clean.contains(&"M".repeat(20)), "{clean:.200}");
    assert!(clean.starts_with("quoted "), "{clean:.200}");
    assert_eq!(clean.matches(&mask(&password)).count(), 3, "{clean:.300}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_mask_never_shows_more_than_four_characters(secret in "(?s).{0,200}") {
        let masked = mask(&secret);
        let (head, tail) = masked.split_once('…').expect("a mask has an ellipsis");
        prop_assert!(head.chars().count() <= MAX_SHOWN);
        prop_assert!(secret.starts_with(head));
        prop_assert_eq!(tail, format!("({} chars)", secret.chars().count()));
    }

    #[test]
    fn scanning_arbitrary_text_never_panics_and_hits_are_in_bounds(text in "(?s).{0,400}") {
        for hit in scan(&text) {
            prop_assert!(text.get(hit.range.clone()).is_some());
            prop_assert!(hit.line >= 1);
        }
    }

    #[test]
    fn a_secret_pasted_into_noise_is_found_and_scrubbed(
        noise in "[ a-z\n]{0,80}",
        pick in 0..PLANTED.len(),
    ) {
        let (kind, line, secret) = PLANTED[pick];
        let text = format!("{noise}\n{line}\n{noise}");
        let scan = SecretScan::of([(None, text.as_str())]);
        let found: Vec<_> = scan.hits().map(|(_, t, h)| (h.kind, h.value(t).to_string())).collect();
        prop_assert!(found.contains(&(kind, secret.to_string())), "{:?}", found);
        prop_assert!(!scan.redactor().scrub(&text).contains(secret));
    }
}

#[test]
fn made_up_parts_mark_a_value_as_a_placeholder() {
    for line in [
        "client_secret: ek_token_123",
        r#""client_secret": "chatkit_token_123","#,
        "password: my-password-1234",
        "api_key: sk_test_R4nd0mL00k1ng",
        "token: fake-token-value",
        "secret: demo.secret.value",
    ] {
        let hits = scan(line);
        assert!(hits.is_empty(), "{line}: {hits:?}");
    }
    // Whole parts only: a random value containing `123` or `test` is kept.
    for (line, value) in [
        ("password: Xk9123Lm7Pq", "Xk9123Lm7Pq"),
        ("token: attestQ8mZ-7Rw2", "attestQ8mZ-7Rw2"),
    ] {
        let hits = scan(line);
        assert_eq!(hits.len(), 1, "{line}: {hits:?}");
        assert_eq!(hits[0].value(line), value);
    }
}

/// A schema whose example holds a placeholder and a real-looking value,
/// next to a real assignment outside any example.
const EXAMPLES: &str = "components:\n  schemas:\n    Session:\n      type: object\n      example:\n        id: cksess_123\n        client_secret: ek_token_123\n        refresh_token: q8Rv2Lm9Xc7Tb4Nz\nx-config:\n  password: hunter2hunter2\n";

#[test]
fn assignments_in_examples_are_samples_and_placeholders_are_skipped() {
    let hits = scan(EXAMPLES);
    let seen: Vec<(&str, bool)> = hits.iter().map(|h| (h.value(EXAMPLES), h.sample)).collect();
    assert_eq!(
        seen,
        [("q8Rv2Lm9Xc7Tb4Nz", true), ("hunter2hunter2", false)]
    );
}

#[test]
fn a_sample_is_a_low_fl_sec_012_finding_not_a_high_leak() {
    let scan = SecretScan::of([(None, EXAMPLES)]);
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(&rules(), &scan);
    let found: Vec<(&str, crate::analysis::Severity, Option<u32>)> = run
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.severity, f.location.line))
        .collect();
    use crate::analysis::Severity::{High, Low};
    assert_eq!(
        found,
        [("FL-SEC-011", High, Some(10)), ("FL-SEC-012", Low, Some(8))]
    );
    // The sample is still masked in the report.
    let sample = &run.findings[1].description;
    assert!(!sample.contains("q8Rv2Lm9Xc7Tb4Nz"), "{sample}");
}

#[test]
fn a_vendor_token_in_an_example_stays_high() {
    let text = "example:\n  github_token: ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234\n";
    let hits = scan(text);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].kind, hits[0].sample),
        (SecretKind::GitHubToken, false)
    );
}

#[test]
fn a_variable_given_as_a_name_and_a_value_is_found() {
    let k8s = "env:\n  - name: DB_PASSWORD\n    value: hunter2hunter2\n  - name: DB_HOST\n    value: db.internal\n";
    let hits = scan(k8s);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!((hits[0].line, hits[0].value(k8s)), (3, "hunter2hunter2"));
    let ecs = r#"{"environment": [{"name": "STRIPE_API_KEY", "value": "Zq8vR2mK9pLx4T"}]}"#;
    assert_eq!(scan(ecs).len(), 1, "{ecs}");
    // A reference is not a value, a placeholder is not a secret, and a
    // user's name is not a variable's.
    for clean in [
        "  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}\n",
        "  - name: DB_PASSWORD\n    value: ${DB_PASSWORD}\n",
        "username: admin_token_reader\nvalue: 42\n",
    ] {
        assert_eq!(scan(clean), [], "{clean}");
    }
}
