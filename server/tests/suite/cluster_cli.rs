//! `airlock clusters` and `airlock templates` as an operator runs them, with
//! a real kube-apiserver: adding clusters by kubeconfig and by token, checking
//! reachability and permission to create Jobs, never printing a credential,
//! and refusing a bad Job template with the line at fault.

use crate::support::kube::{KubeApi, POWERLESS_TOKEN};
use std::process::{Command, Output};

fn airlock(data_dir: &std::path::Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_airlock"));
    command.env("AIRLOCK_DATA_DIR", data_dir).env_remove("DATABASE_URL").env_remove("AIRLOCK_CONFIG");
    command.env("AIRLOCK_TEST_CLUSTER_TOKEN", POWERLESS_TOKEN).args(args).output().expect("runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn row<'o>(output: &'o str, cluster: &str) -> &'o str {
    output.lines().find(|l| l.starts_with(cluster)).unwrap_or_else(|| panic!("no row for {cluster} in:\n{output}"))
}

#[tokio::test]
async fn an_operator_adds_clusters_and_checks_what_airlock_may_do_in_them() {
    let api = KubeApi::shared();
    api.client().await; // ready
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(airlock(dir.path(), &["seed", "--demo"]).status.success());
    let kubeconfig = api.kubeconfig.display().to_string();
    let added = airlock(
        dir.path(),
        &[
            "clusters",
            "add",
            "--environment",
            "production",
            "--region",
            "frankfurt",
            "--name",
            "real-fra",
            "--kubeconfig",
            &kubeconfig,
            "--context",
            "test",
        ],
    );
    assert!(added.status.success(), "{}", text(&added));
    assert!(text(&added).contains("Added cluster real-fra: reachable (v"), "checked at once: {}", text(&added));
    let ca = api.ca_file.display().to_string();
    let token_added = airlock(
        dir.path(),
        &[
            "clusters",
            "add",
            "--environment",
            "staging",
            "--region",
            "frankfurt",
            "--name",
            "powerless-fra",
            "--url",
            &api.url,
            "--token-env",
            "AIRLOCK_TEST_CLUSTER_TOKEN",
            "--ca-file",
            &ca,
        ],
    );
    assert!(token_added.status.success(), "{}", text(&token_added));

    let check = airlock(dir.path(), &["clusters", "check"]);
    let report = text(&check);
    assert!(!check.status.success(), "a cluster where Airlock may not create Jobs fails the check:\n{report}");
    let real = row(&report, "real-fra");
    assert!(real.contains("yes") && real.contains(" v") && !real.contains(" no "), "reachable, with its version: {real}");
    assert!(real.contains("cluster-wide"), "may list and watch Deployments and Jobs across the cluster: {real}");
    let powerless = row(&report, "powerless-fra");
    assert!(powerless.contains(" no ") && powerless.contains("may not create Jobs in tenant-"), "{powerless}");
    assert!(powerless.contains(" NO ") && powerless.contains("Deployments and Jobs: no: may not list and watch in tenant-"), "{powerless}");
    assert!(row(&report, "prod-fra-1").contains("simulated"));
    assert!(!report.contains(POWERLESS_TOKEN), "a credential was printed");

    let listed = text(&airlock(dir.path(), &["clusters", "list"]));
    assert!(row(&listed, "powerless-fra").contains("bearer token") && !listed.contains(POWERLESS_TOKEN), "{listed}");
    let duplicate = airlock(
        dir.path(),
        &["clusters", "add", "--environment", "production", "--region", "frankfurt", "--name", "real-fra", "--simulated"],
    );
    assert!(
        !duplicate.status.success() && text(&duplicate).contains("already exists"),
        "a cluster name is taken once: {}",
        text(&duplicate)
    );
    let nowhere =
        airlock(dir.path(), &["clusters", "add", "--environment", "prod", "--region", "frankfurt", "--name", "typo", "--simulated"]);
    assert!(!nowhere.status.success() && text(&nowhere).contains("There is no environment prod"), "{}", text(&nowhere));
}

#[test]
fn a_job_template_is_checked_before_it_is_stored_and_errors_name_the_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(airlock(dir.path(), &["seed", "--demo"]).status.success());
    let file = dir.path().join("job.yaml");
    let good = "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: deploy\n          image: \"{{image}}\"\n";
    std::fs::write(&file, good.replace("{{image}}", "{{imagee}}")).expect("write");
    let path = file.display().to_string();
    let refused = airlock(dir.path(), &["templates", "set", "--environment", "production", "--file", &path]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("line 8") && text(&refused).contains("{{imagee}}"), "{}", text(&refused));
    let shown = text(&airlock(dir.path(), &["templates", "show", "--environment", "production"]));
    assert!(shown.contains("AIRLOCK_SERVICE"), "the built-in template is still in use:\n{shown}");

    std::fs::write(&file, good).expect("write");
    let stored = airlock(dir.path(), &["templates", "set", "--environment", "production", "--file", &path]);
    assert!(stored.status.success(), "{}", text(&stored));
    assert_eq!(String::from_utf8_lossy(&airlock(dir.path(), &["templates", "show", "--environment", "production"]).stdout), good);
}
