//! The Kubernetes install (`deploy/`) checked by a real kube-apiserver: each
//! overlay renders with kubectl's kustomize and the server accepts every
//! object (`--dry-run=server`: schema and admission); what the manifests
//! promise (non-root, read-only root, probes, secrets only from Secrets, no
//! demo sign-in) holds in what they render; and the ClusterRole is exactly
//! what `airlock clusters check` needs: with the ServiceAccount's own token it
//! passes, and with any one rule taken away it fails, naming what is missing.

use crate::support::kube::KubeApi;
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Debian's kubectl of the test API server's version (kustomize 2 built in),
/// which `scripts/kube-apiserver` unpacks.
fn kubectl_binary() -> PathBuf {
    if let Ok(path) = std::env::var("AIRLOCK_KUBECTL") {
        return PathBuf::from(path);
    }
    let output = Command::new(format!("{REPO}/scripts/kube-apiserver")).arg("--kubectl-path").output().expect("scripts/kube-apiserver");
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    assert!(path.exists(), "no kubectl at {}: run scripts/bootstrap (it unpacks one)", path.display());
    path
}

fn kubectl(api: &KubeApi, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(kubectl_binary())
        .arg(format!("--kubeconfig={}", api.kubeconfig.display()))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        std::io::Write::write_all(&mut pipe, text.as_bytes()).expect("written");
    }
    drop(pipe);
    child.wait_with_output().expect("kubectl ends")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `kubectl kustomize deploy/<overlay>` as YAML text.
pub(crate) fn render(overlay: &str) -> String {
    let output = Command::new(kubectl_binary()).arg("kustomize").arg(format!("{REPO}/deploy/{overlay}")).output().expect("kubectl runs");
    assert!(output.status.success(), "deploy/{overlay} renders: {}", text(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

pub(crate) fn documents(yaml: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(yaml).map(|d| serde::Deserialize::deserialize(d).expect("YAML")).collect()
}

pub(crate) fn of_kind<'d>(docs: &'d [Value], kind: &str) -> Vec<&'d Value> {
    docs.iter().filter(|d| d["kind"].as_str() == Some(kind)).collect()
}

/// The test API server is Kubernetes 1.20, which serves PodDisruptionBudget as
/// policy/v1beta1 only; the manifests use policy/v1 (1.21 and later), whose
/// fields they use (`maxUnavailable`, `selector`) are the same.
fn for_kubernetes_1_20(yaml: &str) -> String {
    yaml.replace("apiVersion: policy/v1\nkind: PodDisruptionBudget", "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget")
}

pub(crate) fn apply_for_real(api: &KubeApi, yaml: &str) {
    let applied = kubectl(api, &["apply", "-f", "-"], Some(yaml));
    assert!(applied.status.success(), "applied: {}", text(&applied));
}

#[tokio::test]
async fn each_overlay_renders_and_the_api_server_accepts_every_object_it_makes() {
    let api = KubeApi::shared();
    api.client().await; // ready
    for overlay in ["embedded", "ha"] {
        let yaml = render(overlay);
        let docs = documents(&yaml);
        // The namespace for real: a dry run of the objects in it needs it to exist.
        let namespace = serde_yaml::to_string(of_kind(&docs, "Namespace")[0]).expect("YAML");
        apply_for_real(api, &namespace);
        let checked = kubectl(api, &["apply", "--dry-run=server", "-f", "-"], Some(&for_kubernetes_1_20(&yaml)));
        assert!(checked.status.success(), "the API server accepts deploy/{overlay}: {}", text(&checked));
        let said = text(&checked);
        for kind in
            ["deployment.apps/airlock", "service/airlock", "networkpolicy", "poddisruptionbudget", "clusterrole", "serviceaccount/airlock"]
        {
            assert!(said.contains(kind), "deploy/{overlay} makes a {kind}: {said}");
        }
    }
}

fn env_named<'v>(container: &'v Value, name: &str) -> Option<&'v Value> {
    container["env"].as_sequence()?.iter().find(|e| e["name"].as_str() == Some(name))
}

#[test]
fn what_the_manifests_render_runs_as_promised() {
    for overlay in ["embedded", "ha"] {
        let yaml = render(overlay);
        assert!(!yaml.contains("AIRLOCK_DEMO_SIGN_IN") && !yaml.contains("AIRLOCK_SEED_DEMO"), "deploy/{overlay} never sets the demo");
        let docs = documents(&yaml);
        let deployment = of_kind(&docs, "Deployment")[0];
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true), "{overlay}: non-root");
        assert_eq!(pod["serviceAccountName"].as_str(), Some("airlock"));
        let containers: Vec<&Value> =
            ["initContainers", "containers"].iter().flat_map(|k| pod[*k].as_sequence().into_iter().flatten()).collect();
        assert_eq!(containers.len(), 2, "{overlay}: the world applied first, then the portal");
        for container in &containers {
            let security = &container["securityContext"];
            assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true), "{overlay}: read-only root");
            assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false), "{overlay}: no escalation");
            assert_eq!(security["capabilities"]["drop"][0].as_str(), Some("ALL"), "{overlay}: no capabilities");
            for secret in ["DATABASE_URL", "AIRLOCK_OIDC_CLIENT_SECRET", "AIRLOCK_AUDIT_KEY"] {
                if let Some(entry) = env_named(container, secret) {
                    assert!(entry["value"].is_null(), "{overlay}: {secret} comes from a Secret, never a literal");
                }
            }
        }
        let portal = containers[1];
        assert_eq!(portal["readinessProbe"]["httpGet"]["path"].as_str(), Some("/health/ready"));
        assert_eq!(portal["livenessProbe"]["httpGet"]["path"].as_str(), Some("/health/live"));
        assert!(portal["resources"]["requests"]["memory"].is_string() && portal["resources"]["limits"]["memory"].is_string());
        // Secrets are files from Secret volumes; settings come from a ConfigMap with none.
        let settings = of_kind(&docs, "ConfigMap").into_iter().find(|c| c["data"]["AIRLOCK_PUBLIC_URL"].is_string()).expect("settings");
        let keys: Vec<&str> = settings["data"].as_mapping().expect("data").keys().filter_map(Value::as_str).collect();
        assert!(keys.iter().all(|k| !k.contains("SECRET") && !k.contains("KEY") && *k != "DATABASE_URL"), "{overlay}: {keys:?}");
        let replicas = deployment["spec"]["replicas"].as_u64().expect("replicas");
        let database = env_named(portal, "DATABASE_URL");
        match overlay {
            "embedded" => {
                assert_eq!(replicas, 1, "one server per database file");
                assert_eq!(deployment["spec"]["strategy"]["type"].as_str(), Some("Recreate"), "the old pod stops before the new starts");
                assert!(database.is_none(), "SQLite on the volume");
                assert_eq!(of_kind(&docs, "PersistentVolumeClaim").len(), 1);
            }
            _ => {
                assert!(replicas >= 2, "highly available");
                let from = &database.expect("DATABASE_URL")["valueFrom"]["secretKeyRef"];
                assert_eq!(from["name"].as_str(), Some("airlock-database"));
                assert_eq!(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"].as_u64(), Some(0));
            }
        }
    }
}

// ---------------------------------------------------------------- RBAC

/// The Namespace, ServiceAccount, ClusterRole and its binding from `docs`, for real.
pub(crate) fn apply_rbac(api: &KubeApi, docs: &[Value]) {
    let rbac: Vec<String> = ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"]
        .iter()
        .flat_map(|k| of_kind(docs, k))
        .map(|d| serde_yaml::to_string(d).expect("YAML"))
        .collect();
    apply_for_real(api, &rbac.join("---\n"));
}

/// `airlock …` on the embedded database in `dir`.
fn airlock(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airlock"))
        .env("AIRLOCK_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .env_remove("AIRLOCK_CONFIG")
        .args(args)
        .output()
        .expect("airlock runs")
}

/// A token of the ServiceAccount `airlock/airlock`, asked of the API server
/// itself (TokenRequest), as a Pod's projected token would be.
pub(crate) async fn service_account_token(api: &KubeApi) -> String {
    use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
    use k8s_openapi::api::core::v1::ServiceAccount;
    let accounts: kube::Api<ServiceAccount> = kube::Api::namespaced(api.client().await, "airlock");
    let request = TokenRequest { spec: TokenRequestSpec { expiration_seconds: Some(3600), ..Default::default() }, ..Default::default() };
    let answer: TokenRequest = accounts.create_subresource("token", "airlock", &Default::default(), &request).await.expect("a token");
    answer.status.expect("status").token
}

/// Runs `clusters check` until it exits `passes` (RBAC changes reach the
/// authorizer within moments); returns what it said then.
async fn check_until(dir: &Path, passes: bool, why: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        let output = airlock(dir, &["clusters", "check"]);
        if output.status.success() == passes {
            return text(&output);
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{why}; clusters check said:\n{}", text(&output));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn the_service_account_may_do_exactly_what_clusters_check_needs_and_it_fails_without_any_one_right() {
    let api = KubeApi::shared();
    api.client().await;
    let docs = documents(&render("embedded"));
    apply_rbac(api, &docs);

    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, service_account_token(api).await).expect("token written");
    assert!(airlock(dir.path(), &["seed", "--demo"]).status.success());
    let (token, ca) = (token_file.display().to_string(), api.ca_file.display().to_string());
    let added = airlock(
        dir.path(),
        &["clusters", "add", "--environment", "production", "--region", "frankfurt", "--name", "in-cluster-fra"]
            .into_iter()
            .chain(["--url", &api.url, "--token-file", &token, "--ca-file", &ca])
            .collect::<Vec<_>>(),
    );
    assert!(added.status.success(), "{}", text(&added));

    let passed = check_until(dir.path(), true, "the ClusterRole grants what Airlock needs").await;
    let row = passed.lines().find(|l| l.starts_with("in-cluster-fra")).expect("a row for the cluster");
    assert!(row.contains("yes") && row.contains("cluster-wide"), "may create Jobs and watch: {row}");

    // Every right the role grants, one (group, resource, verb) at a time: each must be needed.
    let role = *of_kind(&docs, "ClusterRole").first().expect("the ClusterRole");
    let strings = |v: &Value| v.as_sequence().expect("a list").iter().map(|s| s.as_str().expect("text").to_owned()).collect::<Vec<_>>();
    let mut rights = Vec::new();
    for rule in role["rules"].as_sequence().expect("rules") {
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                for verb in strings(&rule["verbs"]) {
                    rights.push((group.clone(), resource.clone(), verb));
                }
            }
        }
    }
    assert!(rights.len() >= 10, "jobs ×4, deployments ×2, pods, pods/log, events, namespaces: {rights:?}");
    for (index, (group, resource, verb)) in rights.iter().enumerate() {
        let others: Vec<Value> = rights
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, (g, r, v))| {
                serde_yaml::from_str(&format!("{{apiGroups: [\"{g}\"], resources: [\"{r}\"], verbs: [\"{v}\"]}}")).expect("rule")
            })
            .collect();
        let mut narrower = role.clone();
        narrower["rules"] = Value::Sequence(others);
        apply_for_real(api, &serde_yaml::to_string(&narrower).expect("YAML"));
        let failed = check_until(dir.path(), false, &format!("without {verb} {group}/{resource} the check fails")).await;
        let row = failed.lines().find(|l| l.starts_with("in-cluster-fra")).expect("a row for the cluster").to_owned();
        assert!(row.contains("may not") || row.contains(" no ") || row.contains("NO"), "says what is missing: {row}");
        apply_for_real(api, &serde_yaml::to_string(role).expect("YAML"));
        check_until(dir.path(), true, "the whole role again").await;
    }
}
