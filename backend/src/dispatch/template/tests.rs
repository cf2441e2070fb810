use super::*;

fn vars() -> JobVars {
    JobVars {
        service: "api".into(),
        version: "2.15.0".into(),
        image: "registry.airlock.internal/api:2.15.0".into(),
        tenant: "acme".into(),
        region: "frankfurt".into(),
        environment: "production".into(),
        release_id: 7,
        revision: 2,
        kind: JobKind::Deploy,
        namespace: "tenant-acme".into(),
        name: "airlock-7-r2-deploy-acme-frankfurt".into(),
    }
}

#[test]
fn the_default_template_renders_a_named_labelled_bounded_job_in_the_tenant_namespace() {
    let job = JobTemplate::parse(DEFAULT_TEMPLATE).expect("valid").render(&vars()).expect("renders");
    assert_eq!(job.metadata.name.as_deref(), Some("airlock-7-r2-deploy-acme-frankfurt"));
    assert_eq!(job.metadata.namespace.as_deref(), Some("tenant-acme"));
    let labels = job.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get(RELEASE_LABEL).map(String::as_str), Some("7"));
    assert_eq!(labels.get(REVISION_LABEL).map(String::as_str), Some("2"));
    assert_eq!(labels.get(KIND_LABEL).map(String::as_str), Some("deploy"));
    assert_eq!(labels.get(TENANT_LABEL).map(String::as_str), Some("acme"));
    assert_eq!(labels.get(MANAGED_BY.0).map(String::as_str), Some("airlock"));
    let spec = job.spec.expect("spec");
    assert_eq!(spec.backoff_limit, Some(2));
    assert!(spec.active_deadline_seconds.is_some() && spec.ttl_seconds_after_finished.is_some());
    let container = &spec.template.spec.expect("pod").containers[0];
    assert_eq!(container.image.as_deref(), Some("registry.airlock.internal/api:2.15.0"));
}

#[test]
fn a_template_without_bounds_gets_them() {
    let text = "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: x\n          image: \"{{image}}\"\n";
    let spec = JobTemplate::parse(text).expect("valid").render(&vars()).expect("renders").spec.expect("spec");
    assert_eq!(spec.backoff_limit, Some(BACKOFF_LIMIT));
    assert_eq!(spec.active_deadline_seconds, Some(ACTIVE_DEADLINE_SECONDS));
    assert_eq!(spec.ttl_seconds_after_finished, Some(TTL_SECONDS_AFTER_FINISHED));
    assert_eq!(spec.template.spec.expect("pod").restart_policy.as_deref(), Some("Never"));
}

#[test]
fn an_unknown_variable_is_refused_naming_its_line() {
    let text = DEFAULT_TEMPLATE.replace("{{revision}}", "{{revison}}");
    let error = JobTemplate::parse(&text).expect_err("refused");
    assert_eq!(error.line, 21);
    assert!(error.message.contains("{{revison}}"), "{error}");
}

#[test]
fn broken_yaml_is_refused_naming_its_line() {
    let text = "apiVersion: batch/v1\nkind: Job\nspec:\n  template: [unclosed\n";
    let error = JobTemplate::parse(text).expect_err("refused");
    assert!(error.line >= 4, "{error}");
}

#[test]
fn anything_but_a_batch_v1_job_is_refused() {
    let text = DEFAULT_TEMPLATE.replace("kind: Job", "kind: Deployment");
    let error = JobTemplate::parse(&text).expect_err("refused");
    assert_eq!((error.line, error.message.as_str()), (2, "kind must be Job"));
}

#[test]
fn a_job_without_containers_is_refused() {
    let error =
        JobTemplate::parse("apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers: []\n").expect_err("refused");
    assert!(error.message.contains("container"), "{error}");
}
