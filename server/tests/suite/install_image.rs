//! The runtime image that `scripts/image` builds, run under podman as a
//! cluster would run it: on PostgreSQL, signing people in through a real
//! OpenID provider, as its own user on a read-only root file system, the
//! world applied by the image itself (the manifests' init step); and two
//! containers started together on one fresh database, which migrate it once,
//! serve together and send each Job of a dispatch to a real kube-apiserver
//! exactly once.
//!
//! Ignored by the plain `cargo test`: they need the image. `scripts/test`
//! builds it and runs them (`install_image:: --ignored`), with the image's
//! name in `AIRLOCK_TEST_IMAGE`.

use crate::support::dispatch::{job_names_in_cluster, open_release, prefix, targets, world};
use crate::support::gate::rita;
use crate::support::kube::KubeApi;
use crate::support::oidc::{Login, start_provider};
use crate::support::{cookie_client, fresh_postgres_url};
use airlock_backend::{Backend, DatabaseTarget, connect, dispatch};
use airlock_domain::dispatch::{JobState, Rollout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// The image's user (deploy/image/Containerfile, the Dockerfile).
const AIRLOCK_UID: u32 = 10001;

fn image() -> String {
    std::env::var("AIRLOCK_TEST_IMAGE").unwrap_or_else(|_| "localhost/airlock:latest".into())
}

fn podman(args: &[&str]) -> Output {
    let conf = std::env::var("CONTAINERS_CONF").unwrap_or_else(|_| format!("{REPO}/scripts/lib/containers.conf"));
    Command::new("podman").env("CONTAINERS_CONF", conf).args(args).output().expect("podman runs (scripts/bootstrap installs it)")
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A directory the image's user may read (and write, for the data directory).
fn directory_for_the_image(writable: bool) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    if writable {
        std::os::unix::fs::chown(dir.path(), Some(AIRLOCK_UID), Some(AIRLOCK_UID)).expect("chown");
    }
    dir
}

/// A file the image's user may read, holding `content`.
fn readable_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, content).expect("written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    path
}

/// A container of the image, removed (with its logs shown on failure) when dropped.
struct Container {
    name: String,
    url: String,
}

impl Drop for Container {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- {} logs:\n{}", self.name, said(&podman(&["logs", "--tail", "40", &self.name])));
        }
        podman(&["rm", "--force", "--time", "5", &self.name]);
    }
}

/// `podman run` of the image as Kubernetes runs it with deploy/'s security
/// context: read-only root, a writable data directory, the host's network.
/// `settings` are environment variables; `mounts` are `host:container[:ro]`.
fn start(port: u16, settings: &[(&str, &str)], mounts: &[String], data: &Path, args: &[&str]) -> Container {
    let name = format!("airlock-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let address = format!("127.0.0.1:{port}");
    // --read-only-tmpfs=false: podman would otherwise add writable /run, /tmp and /var/tmp;
    // the manifests give the portal /tmp only.
    let mut command: Vec<String> =
        ["run", "--detach", "--name", &name, "--network", "host", "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp"]
            .map(String::from)
            .into();
    command.extend(["--cap-drop".into(), "ALL".into()]);
    command.extend(["--security-opt".into(), "no-new-privileges".into()]);
    command.extend(["--volume".into(), format!("{}:/var/lib/airlock", data.display())]);
    for mount in mounts {
        command.extend(["--volume".into(), mount.clone()]);
    }
    for (key, value) in settings.iter().copied().chain([("AIRLOCK_ADDR", address.as_str()), ("AIRLOCK_LOG_FILTER", "warn")]) {
        command.extend(["--env".into(), format!("{key}={value}")]);
    }
    command.push(image());
    command.extend(args.iter().map(|a| (*a).to_owned()));
    let started = podman(&command.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(started.status.success(), "podman run: {}", said(&started));
    Container { name, url: format!("http://{address}") }
}

async fn wait_ready(container: &Container) {
    let client = reqwest::Client::new();
    for _ in 0..240 {
        if let Ok(response) = client.get(format!("{}/health/ready", container.url)).send().await
            && response.status().is_success()
        {
            return;
        }
        let running = podman(&["inspect", "--format", "{{.State.Running}}", &container.name]);
        assert!(said(&running).trim() == "true", "{} stopped: {}", container.name, said(&podman(&["logs", &container.name])));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{} was not ready within 60 s", container.name);
}

/// Runs the image once with `args` (a command such as `apply`), to its end.
fn run_once(settings: &[(&str, &str)], mounts: &[String], data: &Path, args: &[&str]) -> String {
    let container = start(free_port(), settings, mounts, data, args);
    let waited = podman(&["wait", &container.name]);
    let logs = said(&podman(&["logs", &container.name]));
    assert_eq!(said(&waited).trim(), "0", "airlock {args:?} in the image: {logs}");
    logs
}

/// The process the container runs, as the host's kernel sees it.
fn host_view(container: &Container, file: &str) -> String {
    let pid = said(&podman(&["inspect", "--format", "{{.State.Pid}}", &container.name])).trim().to_owned();
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).expect("the container's process")
}

#[tokio::test]
#[ignore = "needs the image: scripts/test builds it (scripts/image) and runs these"]
async fn the_image_runs_as_its_own_user_on_a_read_only_root_and_signs_a_person_in_through_the_provider() {
    let provider = start_provider("127.0.0.1");
    let database_url = fresh_postgres_url().await;
    let data = directory_for_the_image(true);
    let secrets = directory_for_the_image(false);
    readable_file(secrets.path(), "client-secret", crate::support::oidc::CLIENT_SECRET);
    readable_file(secrets.path(), "audit-key", "an audit key of at least thirty-two characters");
    let settings = [
        ("DATABASE_URL", database_url.as_str()),
        ("AIRLOCK_OIDC_ISSUER", provider.issuer.as_str()),
        ("AIRLOCK_OIDC_CLIENT_ID", crate::support::oidc::CLIENT_ID),
        ("AIRLOCK_OIDC_CLIENT_SECRET_FILE", "/run/secrets/airlock/client-secret"),
        ("AIRLOCK_AUDIT_KEY_FILE", "/run/secrets/airlock/audit-key"),
    ];
    let mounts = [format!("{}:/run/secrets/airlock:ro", secrets.path().display()), format!("{REPO}/deploy/base:/etc/airlock/world:ro")];

    // The manifests' init step: the image migrates the new database and applies deploy/'s world.
    let applied = run_once(&settings, &mounts, data.path(), &["apply", "-f", "/etc/airlock/world/world.yaml"]);
    assert!(applied.contains("add environment production") && applied.contains("add tenant example"), "{applied}");

    let port = free_port();
    let public_url = format!("http://127.0.0.1:{port}");
    let serving: Vec<(&str, &str)> = settings.iter().copied().chain([("AIRLOCK_PUBLIC_URL", public_url.as_str())]).collect();
    let portal = start(port, &serving, &mounts, data.path(), &["serve"]);
    wait_ready(&portal).await;

    let status = host_view(&portal, "status");
    let uids = status.lines().find(|l| l.starts_with("Uid:")).expect("Uid line");
    assert_eq!(uids.split_whitespace().skip(1).collect::<Vec<_>>(), ["10001"; 4], "never root: {uids}");
    let root = host_view(&portal, "mountinfo").lines().find(|l| l.split(' ').nth(4) == Some("/")).expect("/ mounted").to_owned();
    assert!(root.split(' ').nth(5).is_some_and(|options| options.split(',').any(|o| o == "ro")), "read-only root: {root}");

    let login = Login { client: cookie_client(), app: portal.url.clone() };
    login.sign_in("/", "rita", "pw-rita").await;
    let me = login.me().await.expect("signed in");
    // Her role comes from the world file's access map (platform → release_manager).
    assert_eq!((me["name"].as_str(), me["roles"].clone()), (Some("rita"), serde_json::json!(["release_manager"])), "{me}");

    let minted = podman(&["exec", &portal.name, "airlock", "token", "create", "--name", "ci", "--role", "release_manager"]);
    let token = said(&minted).split_whitespace().last().unwrap_or_default().to_owned();
    assert!(token.starts_with("airlock_"), "a token: {}", said(&minted));
    let release = serde_json::json!({ "service": "web", "version": "1.0.0", "environment": "production",
        "targets": [{ "tenant": "example", "region": "main" }], "notes": "First release through the image" });
    let created = reqwest::Client::new()
        .post(format!("{}/api/v1/releases", portal.url))
        .bearer_auth(&token)
        .json(&release)
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status().as_u16(), 201, "{}", created.text().await.unwrap_or_default());
}

/// A kubeconfig for the test API server (admin token) in a directory the
/// image's user may read, mounted at the same path so the stored reference
/// (`kubeconfig:PATH`) means the same inside and out.
fn kubeconfig_for_the_image(api: &KubeApi, dir: &Path) -> PathBuf {
    let ca = readable_file(dir, "ca.crt", &std::fs::read_to_string(&api.ca_file).expect("CA"));
    let config = std::fs::read_to_string(&api.kubeconfig)
        .expect("kubeconfig")
        .replace(&api.ca_file.display().to_string(), &ca.display().to_string());
    readable_file(dir, "kubeconfig", &config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the image: scripts/test builds it (scripts/image) and runs these"]
async fn two_replicas_started_together_on_a_fresh_database_migrate_it_once_apply_the_world_once_and_send_each_job_once() {
    const TENANTS: usize = 10; // × 2 regions = 20 Jobs
    let api = KubeApi::shared();
    let client = api.client().await;
    let database_url = fresh_postgres_url().await;
    let kube = directory_for_the_image(false);
    let kubeconfig = kubeconfig_for_the_image(api, kube.path());
    let mounts = [format!("{0}:{0}:ro", kube.path().display()), format!("{REPO}/deploy/base:/etc/airlock/world:ro")];
    // Some way to sign in must be configured; the demo one is allowed on loopback and unused here.
    let settings = [("DATABASE_URL", database_url.as_str()), ("AIRLOCK_DEMO_SIGN_IN", "true")];
    let (data_a, data_b) = (directory_for_the_image(true), directory_for_the_image(true));

    // Both replicas' init steps at the same moment on an empty database: each migrates and applies.
    let apply = |data: &Path| run_once(&settings, &mounts, data, &["apply", "-f", "/etc/airlock/world/world.yaml"]);
    let (apply_a, apply_b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| apply(data_a.path()));
        let b = scope.spawn(|| apply(data_b.path()));
        (a.join().expect("first init step"), b.join().expect("second init step"))
    });
    let done = |said: &str| said.contains("Applied") || said.contains("No changes");
    assert!(done(&apply_a) && done(&apply_b), "both init steps succeed:\n{apply_a}\n{apply_b}");
    let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(&database_url).await.expect("connect");
    let expected = std::fs::read_dir(format!("{REPO}/migrations/postgres")).expect("migrations").count();
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version").fetch_all(&mut connection).await.expect("rows");
    assert!(applied.len() == expected && applied.iter().all(|(_, success)| *success), "the whole schema: {applied:?}");
    let (recorded,): (i64,) = sqlx::query_as("SELECT count(*) FROM audit_log WHERE action = 'tenant.set' AND subject LIKE '%example'")
        .fetch_one(&mut connection)
        .await
        .expect("count");
    assert_eq!(recorded, 1, "the world applied once: the second init step found it applied");

    let replicas = std::thread::scope(|scope| {
        let a = scope.spawn(|| start(free_port(), &settings, &mounts, data_a.path(), &["serve"]));
        let b = scope.spawn(|| start(free_port(), &settings, &mounts, data_b.path(), &["serve"]));
        [a.join().expect("first replica"), b.join().expect("second replica")]
    });
    for replica in &replicas {
        wait_ready(replica).await;
    }

    // A world whose production clusters are the real API server, and a release whose gate is open.
    let store = connect(&DatabaseTarget::Postgres(database_url.clone()), None).await.expect("connect");
    let prefix = prefix();
    let mut world = world(api, &prefix, TENANTS, Rollout::AllAtOnce);
    for cluster in &mut world.clusters {
        cluster.credentials_ref = format!("kubeconfig:{}", kubeconfig.display());
    }
    store.import_world(&world).await.expect("world");
    let backend = Backend::new(store.clone());
    for cluster in store.clusters().await.expect("clusters") {
        if cluster.name.starts_with("prod-") {
            assert!(dispatch::runtime::check_now(&backend, &cluster).await.0.reachable, "{}", cluster.name);
        }
    }
    let id = open_release(&backend, &targets(&prefix, TENANTS)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, chrono::Utc::now()).await.expect("jobs recorded");

    // Both replicas' workers compete for the Jobs; each is sent once.
    let started = std::time::Instant::now();
    loop {
        let jobs = store.release_jobs(id).await.expect("jobs");
        if jobs.iter().all(|j| j.view.state == JobState::Created) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "not sent: {:?}", jobs.iter().map(|j| j.view.state).collect::<Vec<_>>());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let in_cluster = job_names_in_cluster(&client, &prefix, TENANTS).await;
    let mut expected: Vec<String> = store.release_jobs(id).await.expect("jobs").into_iter().map(|j| j.view.name).collect();
    expected.sort();
    assert_eq!(in_cluster, expected, "every recorded Job exists in the cluster");
    // Existing is not enough (a second create of a name is refused, 409, and recorded as
    // sent): the API server's own log shows 20 Jobs created and none asked for twice. (A
    // tenant's first Job is refused 404 until Airlock has made its namespace.)
    let creates = api.job_creates(&format!("tenant-{prefix}-"));
    let created = creates.iter().filter(|(_, status)| *status == 201).count();
    assert_eq!(created, 2 * TENANTS, "{creates:?}");
    assert!(creates.iter().all(|(_, status)| [201, 404].contains(status)), "never a second create of a Job (409): {creates:?}");
    for replica in &replicas {
        let page = reqwest::get(format!("{}/health/ready", replica.url)).await.expect("answers");
        assert!(page.status().is_success(), "{} still serves", replica.name);
    }
}

#[tokio::test]
#[ignore = "needs the image: scripts/test builds it (scripts/image) and runs these"]
async fn in_cluster_credentials_reach_the_cluster_the_container_runs_in_with_the_manifests_rights() {
    use crate::install_manifests::{apply_rbac, documents, render, service_account_token};
    let api = KubeApi::shared();
    api.client().await;
    apply_rbac(api, &documents(&render("embedded")));
    // What the kubelet gives a pod of the ServiceAccount: its token and the cluster's CA
    // where client libraries look, and the API server's address in the environment.
    let account = directory_for_the_image(false);
    readable_file(account.path(), "token", &service_account_token(api).await);
    readable_file(account.path(), "ca.crt", &std::fs::read_to_string(&api.ca_file).expect("CA"));
    readable_file(account.path(), "namespace", "airlock");
    let port = api.port.to_string();
    let settings = [("KUBERNETES_SERVICE_HOST", "127.0.0.1"), ("KUBERNETES_SERVICE_PORT", port.as_str())];
    let mounts = [
        format!("{}:/var/run/secrets/kubernetes.io/serviceaccount:ro", account.path().display()),
        format!("{REPO}/deploy/base:/etc/airlock/world:ro"),
    ];
    let data = directory_for_the_image(true);

    run_once(&settings, &mounts, data.path(), &["apply", "-f", "/etc/airlock/world/world.yaml"]);
    let checked = run_once(&settings, &mounts, data.path(), &["clusters", "check"]);
    let row = checked.lines().find(|l| l.starts_with("production-main")).unwrap_or_else(|| panic!("a row: {checked}"));
    assert!(row.contains("yes") && row.contains("cluster-wide") && !row.contains("may not"), "{row}");
}
