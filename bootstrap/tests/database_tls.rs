//! `sslmode=require` against a PostgreSQL that serves TLS (SPEC §1 `database.url`): a
//! throwaway cluster with a server certificate from a CA made here. `tessera serve` trusting
//! that CA (`SSL_CERT_FILE`) connects over TLS, as the server itself reports; trusting only
//! another CA, it refuses the server's certificate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

#[path = "support/serve.rs"]
mod serve;

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use serve::Serve;
use tessera_adapters::postgres::EmbeddedPostgres;
use tokio_postgres::NoTls;

/// A CA certificate (PEM) and the issuer that signs with it.
fn certificate_authority(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let certificate = params.self_signed(&key).unwrap();
    (certificate.pem(), Issuer::new(params, key))
}

/// A throwaway cluster serving TLS on 127.0.0.1 with a certificate of `issuer`.
struct TlsCluster {
    cluster: EmbeddedPostgres,
    dir: PathBuf,
}

impl TlsCluster {
    async fn start(issuer: &Issuer<'static, KeyPair>) -> Self {
        let dir = std::env::temp_dir().join(format!("tessera-tls-{}", uuid::Uuid::new_v4()));
        let cluster = EmbeddedPostgres::start(&dir, true).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
        let certificate = params.signed_by(&key, issuer).unwrap();
        let cert_file = server_file(&dir, "server.crt", &certificate.pem());
        let key_file = server_file(&dir, "server.key", &key.serialize_pem());
        let (client, connection) = tokio_postgres::connect(cluster.url(), NoTls).await.unwrap();
        tokio::spawn(connection);
        for (setting, value) in [
            ("ssl_cert_file", cert_file.display().to_string()),
            ("ssl_key_file", key_file.display().to_string()),
            ("ssl", "on".to_owned()),
        ] {
            let sql = format!("ALTER SYSTEM SET {setting} = '{value}'");
            client.batch_execute(&sql).await.unwrap();
        }
        client
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .unwrap();
        let tls = Self { cluster, dir };
        tls.wait_until_ssl_is_on().await;
        tls
    }

    /// The reload is asynchronous: new sessions see `ssl = on` once the server has it.
    async fn wait_until_ssl_is_on(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (client, connection) = tokio_postgres::connect(self.url(), NoTls).await.unwrap();
            tokio::spawn(connection);
            let ssl: String = client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
            if ssl == "on" {
                return;
            }
            assert!(Instant::now() < deadline, "the cluster never turned TLS on");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn url(&self) -> &str {
        self.cluster.url()
    }

    /// The TLS flag of every connection tessera (not this test) has open.
    async fn tls_of_tessera_connections(&self) -> Vec<bool> {
        let (client, connection) = tokio_postgres::connect(self.url(), NoTls).await.unwrap();
        tokio::spawn(connection);
        let sql = "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                   WHERE a.backend_type = 'client backend' AND s.pid <> pg_backend_pid()";
        let rows = client.query(sql, &[]).await.unwrap();
        rows.iter().map(|row| row.get(0)).collect()
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `contents` to `name` in `dir`, readable only by the cluster's OS user (PostgreSQL
/// refuses a private key that others can read).
fn server_file(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let owner = std::fs::metadata(dir).unwrap();
    std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
    path
}

/// A CA file for `SSL_CERT_FILE`, removed with the test's cluster directory.
fn ca_file(tls: &TlsCluster, name: &str, pem: &str) -> String {
    let path = tls.dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn sslmode_require_connects_over_tls_to_a_server_whose_ca_is_trusted() {
    let (ca, issuer) = certificate_authority("tessera test CA");
    let tls = TlsCluster::start(&issuer).await;
    let url = format!("{}?sslmode=require", tls.url());
    let trusted = ca_file(&tls, "ca.pem", &ca);

    let serve = Serve::start(&[("TESSERA_DATABASE__URL", &url), ("SSL_CERT_FILE", &trusted)]);
    serve.wait_ready().await;

    let connections = tls.tls_of_tessera_connections().await;
    assert!(!connections.is_empty(), "tessera holds connections");
    assert!(connections.iter().all(|ssl| *ssl), "{connections:?}");
}

#[tokio::test]
async fn sslmode_require_refuses_a_server_certificate_from_an_untrusted_ca() {
    let (_, issuer) = certificate_authority("tessera test CA");
    let (other_ca, _) = certificate_authority("some other CA");
    let tls = TlsCluster::start(&issuer).await;
    let url = format!("{}?sslmode=require", tls.url());
    let untrusted = ca_file(&tls, "other-ca.pem", &other_ca);

    let serve = Serve::spawn(&[
        ("TESSERA_DATABASE__URL", &url),
        ("SSL_CERT_FILE", &untrusted),
    ]);

    let refused = serve.wait_for_log("database not reachable yet", Duration::from_secs(30));
    let error = refused["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("certificate"), "{refused}");
}
