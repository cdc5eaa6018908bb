//! `rediss://`: the service against a TLS-only `redis-server` whose
//! certificates come from a private CA made here (rcgen). The main flow works
//! with mutual TLS (the SSE feed and worker reads use dedicated connections,
//! TLS too); a certificate for another name, an untrusted CA or a missing
//! client certificate stop the start at once with an error naming the
//! setting, not after the 30 s wait for Redis.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faultline::config::Settings;
use faultline::startup::{App, Role};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::helpers::*;

/// A private certificate authority.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Ca {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// Writes `<name>.crt` and `<name>.key` for the given names (DNS or IP).
    fn issue(&self, dir: &Path, name: &str, sans: &[&str]) -> (PathBuf, PathBuf) {
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let (crt, pem) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&crt, cert.pem()).unwrap();
        std::fs::write(&pem, key.serialize_pem()).unwrap();
        (crt, pem)
    }

    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{name}.crt"));
        std::fs::write(&path, self.issuer.pem()).unwrap();
        path
    }
}

/// A `redis-server` listening on TLS only, killed on drop.
struct TlsRedis {
    port: u16,
    child: Child,
}

impl TlsRedis {
    fn start(dir: &Path, cert: &Path, key: &Path, ca: &Path, client_certs: bool) -> Self {
        let port = faultline::store::embedded::free_port().unwrap();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--tls-cert-file")
            .arg(cert)
            .arg("--tls-key-file")
            .arg(key)
            .arg("--tls-ca-cert-file")
            .arg(ca)
            .args([
                "--tls-auth-clients",
                if client_certs { "yes" } else { "no" },
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (built with TLS, as Debian's is)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "TLS redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsRedis { port, child }
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tls_settings(url: &str, vars: &[(&str, &Path)]) -> Settings {
    let mut all: Vec<(String, String)> = vec![
        ("REDIS_URL".into(), url.into()),
        ("PORT".into(), "0".into()),
        ("SHARDS".into(), "4".into()),
        ("METRICS_PORT".into(), "0".into()),
        ("REDIS_TIMEOUT_MS".into(), "2000".into()),
    ];
    all.extend(
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.display().to_string())),
    );
    Settings::from_lookup(|name| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .expect("valid settings")
}

/// Starting must fail fast (well before the 30 s wait for an unreachable
/// Redis) with the TLS explanation; returns the error text.
async fn start_fails(settings: Settings) -> String {
    let build = App::build(settings, Role::Api, real_engine());
    let err = match tokio::time::timeout(Duration::from_secs(20), build).await {
        Ok(Ok(_)) => panic!("the app started against a certificate it must refuse"),
        Ok(Err(e)) => format!("{e:#}"),
        Err(_) => panic!("the start hung instead of failing"),
    };
    assert!(err.contains("TLS handshake with Redis failed"), "{err}");
    assert!(err.contains("REDIS_URL"), "{err}");
    err
}

#[tokio::test]
async fn the_main_flow_runs_over_mutual_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Faultline test CA");
    let ca_file = ca.write(dir.path(), "ca");
    let (cert, key) = ca.issue(dir.path(), "server", &["127.0.0.1"]);
    let (client_cert, client_key) = ca.issue(dir.path(), "client", &["faultline"]);
    let redis = TlsRedis::start(dir.path(), &cert, &key, &ca_file, true);
    let url = format!("rediss://127.0.0.1:{}/0", redis.port);

    let settings = tls_settings(
        &url,
        &[
            ("REDIS_CA_CERT", &ca_file),
            ("REDIS_CLIENT_CERT", &client_cert),
            ("REDIS_CLIENT_KEY", &client_key),
        ],
    );
    let app = App::build(settings, Role::Serve, real_engine())
        .await
        .expect("starts over TLS");
    let mut app = TestApp {
        base: format!("http://127.0.0.1:{}", app.port),
        fns: app.fns.clone(),
        app: Some(app),
        http: reqwest::Client::new(),
    };
    let job = app.submit_spec(41).await;
    app.wait_terminal(&job, Duration::from_secs(30)).await;
    let (status, result) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(status, 200, "{result}");
    let sse = app
        .http
        .get(format!("{}/jobs/{job}/events/stream", app.base))
        .send()
        .await
        .unwrap();
    let text = tokio::time::timeout(Duration::from_secs(30), sse.text())
        .await
        .unwrap()
        .unwrap();
    assert!(text.contains("event: completed"), "{text}");
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    app.stop().await;

    // The same server refuses a client without a certificate.
    let err = start_fails(tls_settings(&url, &[("REDIS_CA_CERT", &ca_file)])).await;
    assert!(err.contains("REDIS_CLIENT_CERT"), "{err}");
}

#[tokio::test]
async fn a_certificate_for_another_name_or_from_an_untrusted_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Faultline test CA");
    let ca_file = ca.write(dir.path(), "ca");
    let (cert, key) = ca.issue(dir.path(), "server", &["db.internal.example"]);
    let redis = TlsRedis::start(dir.path(), &cert, &key, &ca_file, false);
    let url = format!("rediss://127.0.0.1:{}/0", redis.port);

    // Right CA, wrong name: 127.0.0.1 is not db.internal.example.
    let err = start_fails(tls_settings(&url, &[("REDIS_CA_CERT", &ca_file)])).await;
    assert!(err.contains("not valid for name"), "{err}");

    // A CA the client does not trust: a stranger's, or the public roots.
    let other = Ca::new("Someone else's CA");
    let other_file = other.write(dir.path(), "other-ca");
    let err = start_fails(tls_settings(&url, &[("REDIS_CA_CERT", &other_file)])).await;
    assert!(err.contains("UnknownIssuer"), "{err}");
    let err = start_fails(tls_settings(&url, &[])).await;
    assert!(err.contains("UnknownIssuer"), "{err}");

    // A CA file with a plain redis:// URL is a mistake, said at once.
    let plain = format!("redis://127.0.0.1:{}/0", redis.port);
    let settings = tls_settings(&plain, &[("REDIS_CA_CERT", &ca_file)]);
    let err = App::build(settings, Role::Api, real_engine())
        .await
        .err()
        .map(|e| format!("{e:#}"))
        .expect("refused");
    assert!(err.contains("not rediss://"), "{err}");

    // A file that is not PEM names its variable.
    let junk = dir.path().join("junk.crt");
    std::fs::write(&junk, "not a certificate").unwrap();
    let err = Settings::from_lookup(|n| (n == "REDIS_CA_CERT").then(|| junk.display().to_string()))
        .unwrap_err();
    assert_eq!(err.name, "REDIS_CA_CERT");
}

/// Three TLS-only cluster masters (cluster bus and replication over TLS
/// too), killed on drop.
struct TlsCluster {
    ports: Vec<u16>,
    nodes: Vec<TlsRedis>,
}

impl TlsCluster {
    fn start(dir: &Path, cert: &Path, key: &Path, ca: &Path) -> Self {
        let ports = cluster_ports(3);
        let nodes = ports
            .iter()
            .map(|&port| {
                let node_dir = dir.join(port.to_string());
                std::fs::create_dir_all(&node_dir).unwrap();
                let child = Command::new("redis-server")
                    .args(["--port", "0", "--tls-port", &port.to_string()])
                    .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                    .args(["--cluster-enabled", "yes", "--tls-cluster", "yes"])
                    .args(["--tls-replication", "yes", "--tls-auth-clients", "no"])
                    .arg("--tls-cert-file")
                    .arg(cert)
                    .arg("--tls-key-file")
                    .arg(key)
                    .arg("--tls-ca-cert-file")
                    .arg(ca)
                    .arg("--dir")
                    .arg(&node_dir)
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("redis-server");
                TlsRedis { port, child }
            })
            .collect::<Vec<_>>();
        let cli = |port: u16, args: &[&str]| {
            Command::new("redis-cli")
                .args(["--tls", "--cacert"])
                .arg(ca)
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .args(args)
                .output()
                .expect("redis-cli")
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        for &port in &ports {
            while !String::from_utf8_lossy(&cli(port, &["PING"]).stdout).contains("PONG") {
                assert!(
                    Instant::now() < deadline,
                    "TLS cluster node {port} did not start"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let mut create = vec!["--cluster".to_string(), "create".into()];
        create.extend(ports.iter().map(|p| format!("127.0.0.1:{p}")));
        create.extend([
            "--cluster-replicas".into(),
            "0".into(),
            "--cluster-yes".into(),
        ]);
        let create: Vec<&str> = create.iter().map(String::as_str).collect();
        let out = cli(ports[0], &create);
        assert!(out.status.success(), "{out:?}");
        for &port in &ports {
            while !String::from_utf8_lossy(&cli(port, &["CLUSTER", "INFO"]).stdout)
                .contains("cluster_state:ok")
            {
                assert!(Instant::now() < deadline, "TLS cluster not ready");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        TlsCluster { ports, nodes }
    }
}

/// `n` ports whose cluster bus port (+10000) is free too.
fn cluster_ports(n: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    while ports.len() < n {
        let port = faultline::store::embedded::free_port().unwrap();
        let bus_free =
            port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok();
        if bus_free && !ports.contains(&port) {
            ports.push(port);
        }
    }
    ports
}

#[tokio::test]
async fn the_cluster_runs_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Faultline test CA");
    let ca_file = ca.write(dir.path(), "ca");
    let (cert, key) = ca.issue(dir.path(), "server", &["127.0.0.1"]);
    let cluster = TlsCluster::start(dir.path(), &cert, &key, &ca_file);
    let seeds: Vec<String> = cluster
        .ports
        .iter()
        .map(|p| format!("rediss://127.0.0.1:{p}"))
        .collect();
    let mut settings = tls_settings("", &[("REDIS_CA_CERT", &ca_file)]);
    settings.redis_url = None;
    settings.redis_cluster_nodes = seeds;
    let app = App::build(settings, Role::Serve, real_engine())
        .await
        .expect("starts on the TLS cluster");
    assert!(app.fns.store.is_cluster());
    let mut app = TestApp {
        base: format!("http://127.0.0.1:{}", app.port),
        fns: app.fns.clone(),
        app: Some(app),
        http: reqwest::Client::new(),
    };
    // Enough jobs to land on every master.
    let jobs = app.submit_specs(70, 8).await;
    for job in &jobs {
        let snapshot = app.wait_terminal(job, Duration::from_secs(30)).await;
        assert_eq!(snapshot.status.as_str(), "completed");
    }
    app.stop().await;
    drop(cluster.nodes);
}
