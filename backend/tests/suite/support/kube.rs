//! A real Kubernetes API server for the dispatch tests: etcd and the
//! kube-apiserver that `scripts/kube-apiserver` builds from Debian's sources,
//! on 127.0.0.1, with a CA made here, a serving certificate for 127.0.0.1 and
//! static tokens. There is no scheduler, controller manager or kubelet: Jobs
//! stay as created until a test plays the cluster's part by patching their
//! status (`finish_job`).
//!
//! Both processes run under `sh`, reading the test's stdin pipe: when the test
//! process ends, however it ends, the pipe closes and they are stopped.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// Acts as `system:masters`: may do anything.
pub const ADMIN_TOKEN: &str = "airlock-test-admin-token";
/// Signed in, but granted nothing by RBAC.
pub const POWERLESS_TOKEN: &str = "airlock-test-powerless-token";

pub struct KubeApi {
    pub url: String,
    pub port: u16,
    pub dir: PathBuf,
    /// A kubeconfig (context `test`) for the admin token.
    pub kubeconfig: PathBuf,
    pub ca_file: PathBuf,
    etcd: Child,
    apiserver: Option<Child>,
    etcd_url: String,
    _temp: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub fn apiserver_binary() -> PathBuf {
    if let Ok(path) = std::env::var("AIRLOCK_KUBE_APISERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache"));
    let path = cache.join("airlock/kube-apiserver-1.20.2/kube-apiserver");
    assert!(path.exists(), "no kube-apiserver at {}: run scripts/bootstrap (it builds one) or set AIRLOCK_KUBE_APISERVER", path.display());
    path
}

/// Runs `program args…` until it exits or the test process does.
fn supervised(program: &Path, args: &[String], log: &Path) -> Child {
    let mut script = String::from("\"$0\" \"$@\" & child=$!; cat >/dev/null; kill $child 2>/dev/null; wait $child");
    script.push_str(" 2>/dev/null");
    let log = std::fs::File::create(log).expect("log file");
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start a supervised process")
}

fn write_certificates(dir: &Path) -> PathBuf {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "airlock test CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let mut server = CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
    server.subject_alt_names.push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    let server_cert = server.signed_by(&server_key, &issuer).expect("server certificate");
    let service_accounts = KeyPair::generate().expect("service-account key");
    std::fs::write(dir.join("ca.crt"), ca_cert.pem()).expect("write");
    std::fs::write(dir.join("server.crt"), server_cert.pem()).expect("write");
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).expect("write");
    std::fs::write(dir.join("sa.key"), service_accounts.serialize_pem()).expect("write");
    std::fs::write(dir.join("sa.pub"), service_accounts.public_key_pem()).expect("write");
    std::fs::write(
        dir.join("audit-policy.yaml"),
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n\
         - level: Metadata\n  verbs: [create]\n  resources: [{group: batch, resources: [jobs]}]\n- level: None\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("tokens.csv"),
        format!("{ADMIN_TOKEN},admin,admin-uid,\"system:masters\"\n{POWERLESS_TOKEN},powerless,powerless-uid\n"),
    )
    .expect("write");
    dir.join("ca.crt")
}

impl KubeApi {
    /// A server of this test's own (for tests that stop and restart it).
    pub fn start() -> KubeApi {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let ca_file = write_certificates(&dir);
        let (client_port, peer_port) = (free_port(), free_port());
        let etcd_url = format!("http://127.0.0.1:{client_port}");
        let peer = format!("http://127.0.0.1:{peer_port}");
        let etcd_args: Vec<String> = [
            "--name=test".to_owned(),
            format!("--data-dir={}", dir.join("etcd").display()),
            format!("--listen-client-urls={etcd_url}"),
            format!("--advertise-client-urls={etcd_url}"),
            format!("--listen-peer-urls={peer}"),
            format!("--initial-advertise-peer-urls={peer}"),
            format!("--initial-cluster=test={peer}"),
        ]
        .into();
        let etcd = supervised(Path::new("etcd"), &etcd_args, &dir.join("etcd.log"));
        let port = free_port();
        let url = format!("https://127.0.0.1:{port}");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {url}\n    certificate-authority: {}\n\
                 users:\n- name: admin\n  user:\n    token: {ADMIN_TOKEN}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: admin\n\
                 current-context: test\n",
                ca_file.display()
            ),
        )
        .expect("write kubeconfig");
        let mut api = KubeApi { url, port, dir, kubeconfig, ca_file, etcd, apiserver: None, etcd_url, _temp: temp };
        api.start_apiserver();
        api
    }

    /// One server for the whole test binary, for tests that only need one
    /// (each works in namespaces of its own tenants).
    pub fn shared() -> &'static KubeApi {
        static SHARED: OnceLock<KubeApi> = OnceLock::new();
        SHARED.get_or_init(KubeApi::start)
    }

    pub fn start_apiserver(&mut self) {
        let d = |name: &str| self.dir.join(name).display().to_string();
        let args: Vec<String> = vec![
            format!("--etcd-servers={}", self.etcd_url),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            format!("--secure-port={}", self.port),
            format!("--tls-cert-file={}", d("server.crt")),
            format!("--tls-private-key-file={}", d("server.key")),
            format!("--token-auth-file={}", d("tokens.csv")),
            "--authorization-mode=RBAC".into(),
            format!("--service-account-key-file={}", d("sa.pub")),
            format!("--service-account-signing-key-file={}", d("sa.key")),
            "--service-account-issuer=https://kubernetes.default.svc".into(),
            "--service-cluster-ip-range=10.96.0.0/24".into(),
            // No controller manager runs, so no service-account tokens exist for Pods.
            "--disable-admission-plugins=ServiceAccount".into(),
            format!("--cert-dir={}", d("certs")),
            // Beta and on by default from 1.21; 1.20 drops the field without it.
            "--feature-gates=TTLAfterFinished=true".into(),
            // Every request to create a Job, for tests that count what was sent (not just what exists).
            format!("--audit-policy-file={}", d("audit-policy.yaml")),
            format!("--audit-log-path={}", d("audit.log")),
        ];
        self.apiserver = Some(supervised(&apiserver_binary(), &args, &self.dir.join("apiserver.log")));
    }

    /// Stops the API server (etcd keeps the data), as an outage would.
    pub fn stop_apiserver(&mut self) {
        if let Some(mut child) = self.apiserver.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    /// A client with the admin token, once the server answers.
    pub async fn client(&self) -> kube::Client {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.expect("config");
        let client = kube::Client::try_from(config).expect("client");
        self.wait_ready(&client).await;
        client
    }

    pub async fn wait_ready(&self, client: &kube::Client) {
        let started = std::time::Instant::now();
        loop {
            // Ready means the namespace `default` exists: the server finished its own bootstrapping.
            let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client.clone());
            if namespaces.get_opt("default").await.ok().flatten().is_some() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "the kube-apiserver did not become ready; see {}",
                self.dir.join("apiserver.log").display()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl KubeApi {
    /// Every request to create a Job in a namespace starting with `prefix`, as the
    /// API server's audit log recorded it: (namespace, response status).
    pub fn job_creates(&self, prefix: &str) -> Vec<(String, u16)> {
        let log = std::fs::read_to_string(self.dir.join("audit.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|event| event["verb"] == "create" && event["objectRef"]["resource"] == "jobs")
            .filter_map(|event| {
                let namespace = event["objectRef"]["namespace"].as_str()?.to_owned();
                let status = event["responseStatus"]["code"].as_u64()? as u16;
                namespace.starts_with(prefix).then_some((namespace, status))
            })
            .collect()
    }
}

impl Drop for KubeApi {
    fn drop(&mut self) {
        self.stop_apiserver();
        drop(self.etcd.stdin.take());
        let _ = self.etcd.wait();
    }
}

/// Plays the cluster: marks the Job finished, as the Job controller would.
pub async fn finish_job(client: &kube::Client, namespace: &str, name: &str, succeeded: bool, reason: &str) {
    use k8s_openapi::api::batch::v1::Job;
    let jobs: kube::Api<Job> = kube::Api::namespaced(client.clone(), namespace);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let condition = serde_json::json!([{
        "type": if succeeded { "Complete" } else { "Failed" },
        "status": "True", "reason": "Played", "message": reason, "lastProbeTime": now, "lastTransitionTime": now,
    }]);
    let patch = if succeeded {
        serde_json::json!({"status": {"startTime": now, "completionTime": now, "succeeded": 1, "conditions": condition}})
    } else {
        serde_json::json!({"status": {"startTime": now, "failed": 1, "conditions": condition}})
    };
    jobs.patch_status(name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.expect("patch the Job's status");
}

/// Plays the cluster: the Job's Pod started.
pub async fn start_job(client: &kube::Client, namespace: &str, name: &str) {
    use k8s_openapi::api::batch::v1::Job;
    let jobs: kube::Api<Job> = kube::Api::namespaced(client.clone(), namespace);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let patch = serde_json::json!({"status": {"startTime": now, "active": 1}});
    jobs.patch_status(name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.expect("patch the Job's status");
}
