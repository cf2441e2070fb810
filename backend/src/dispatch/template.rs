//! Job templates: an environment's `batch/v1` Job as YAML, with `{{name}}`
//! variables. A template is checked when it is stored (and again before each
//! dispatch), with errors that name the line, and rendered in the dispatch's
//! transaction, so the Job recorded in the outbox is exactly the Job sent.

use airlock_domain::dispatch::JobKind;
use k8s_openapi::api::batch::v1::Job;
use std::collections::BTreeMap;

/// Used by environments that have no template of their own.
pub const DEFAULT_TEMPLATE: &str = r#"apiVersion: batch/v1
kind: Job
spec:
  backoffLimit: 2
  activeDeadlineSeconds: 1800
  ttlSecondsAfterFinished: 604800
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: "{{kind}}"
          image: "{{image}}"
          args: ["{{kind}}", "{{service}}", "{{version}}"]
          env:
            - { name: AIRLOCK_SERVICE, value: "{{service}}" }
            - { name: AIRLOCK_VERSION, value: "{{version}}" }
            - { name: AIRLOCK_TENANT, value: "{{tenant}}" }
            - { name: AIRLOCK_REGION, value: "{{region}}" }
            - { name: AIRLOCK_ENVIRONMENT, value: "{{environment}}" }
            - { name: AIRLOCK_RELEASE, value: "{{release_id}}" }
            - { name: AIRLOCK_REVISION, value: "{{revision}}" }
"#;

/// The variables a template may use.
pub const VARIABLES: [&str; 9] = ["service", "version", "image", "tenant", "region", "environment", "release_id", "revision", "kind"];

/// Set on every Job Airlock creates; watchers select on it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "airlock");
pub const RELEASE_LABEL: &str = "airlock.dev/release";
pub const REVISION_LABEL: &str = "airlock.dev/revision";
pub const KIND_LABEL: &str = "airlock.dev/kind";
pub const TENANT_LABEL: &str = "airlock.dev/tenant";
pub const REGION_LABEL: &str = "airlock.dev/region";

/// Defaults for what a template leaves out: a Job that retries forever, runs
/// forever or stays forever is never what a deployment wants.
const BACKOFF_LIMIT: i32 = 2;
const ACTIVE_DEADLINE_SECONDS: i64 = 1800;
const TTL_SECONDS_AFTER_FINISHED: i32 = 7 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TemplateError {
    pub line: usize,
    pub message: String,
}

/// What one Job is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobVars {
    pub service: String,
    pub version: String,
    pub image: String,
    pub tenant: String,
    pub region: String,
    pub environment: String,
    pub release_id: i64,
    pub revision: u32,
    pub kind: JobKind,
    pub namespace: String,
    pub name: String,
}

impl JobVars {
    fn value(&self, variable: &str) -> Option<String> {
        Some(match variable {
            "service" => self.service.clone(),
            "version" => self.version.clone(),
            "image" => self.image.clone(),
            "tenant" => self.tenant.clone(),
            "region" => self.region.clone(),
            "environment" => self.environment.clone(),
            "release_id" => self.release_id.to_string(),
            "revision" => self.revision.to_string(),
            "kind" => self.kind.as_str().to_owned(),
            _ => return None,
        })
    }

    fn example() -> JobVars {
        JobVars {
            service: "api".into(),
            version: "1.0.0".into(),
            image: "registry.example.com/api:1.0.0".into(),
            tenant: "acme".into(),
            region: "frankfurt".into(),
            environment: "production".into(),
            release_id: 1,
            revision: 1,
            kind: JobKind::Deploy,
            namespace: "tenant-acme".into(),
            name: "airlock-1-r1-deploy-acme-frankfurt".into(),
        }
    }
}

/// A template that passed [`JobTemplate::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTemplate(String);

impl JobTemplate {
    pub fn parse(text: &str) -> Result<JobTemplate, TemplateError> {
        for (index, line) in text.lines().enumerate() {
            for variable in variables_in(line) {
                if !VARIABLES.contains(&variable) {
                    let known = VARIABLES.join(", ");
                    return Err(TemplateError {
                        line: index + 1,
                        message: format!("unknown variable {{{{{variable}}}}} (known: {known})"),
                    });
                }
            }
        }
        let template = JobTemplate(text.to_owned());
        let value: serde_yaml::Value = serde_yaml::from_str(&template.substitute(&JobVars::example())).map_err(yaml_error)?;
        for (field, wanted) in [("apiVersion", "batch/v1"), ("kind", "Job")] {
            if value.get(field).and_then(serde_yaml::Value::as_str) != Some(wanted) {
                return Err(TemplateError { line: line_of(text, field), message: format!("{field} must be {wanted}") });
            }
        }
        let job = template.render(&JobVars::example())?;
        let containers = job.spec.as_ref().and_then(|s| s.template.spec.as_ref()).map_or(0, |p| p.containers.len());
        if containers == 0 {
            return Err(TemplateError {
                line: line_of(text, "spec"),
                message: "the Job's pod template needs at least one container".into(),
            });
        }
        Ok(template)
    }

    pub fn text(&self) -> &str {
        &self.0
    }

    /// The Job for one target, named, placed, labelled and bounded.
    pub fn render(&self, vars: &JobVars) -> Result<Job, TemplateError> {
        let mut job: Job = serde_yaml::from_str(&self.substitute(vars)).map_err(yaml_error)?;
        let labels = BTreeMap::from([
            (MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned()),
            (RELEASE_LABEL.to_owned(), vars.release_id.to_string()),
            (REVISION_LABEL.to_owned(), vars.revision.to_string()),
            (KIND_LABEL.to_owned(), vars.kind.as_str().to_owned()),
            (TENANT_LABEL.to_owned(), vars.tenant.clone()),
            (REGION_LABEL.to_owned(), vars.region.clone()),
        ]);
        job.metadata.name = Some(vars.name.clone());
        job.metadata.namespace = Some(vars.namespace.clone());
        job.metadata.labels.get_or_insert_default().extend(labels.clone());
        job.metadata.annotations.get_or_insert_default().extend([
            ("airlock.dev/service".to_owned(), vars.service.clone()),
            ("airlock.dev/version".to_owned(), vars.version.clone()),
            ("airlock.dev/environment".to_owned(), vars.environment.clone()),
        ]);
        let spec = job.spec.get_or_insert_default();
        spec.backoff_limit.get_or_insert(BACKOFF_LIMIT);
        spec.active_deadline_seconds.get_or_insert(ACTIVE_DEADLINE_SECONDS);
        spec.ttl_seconds_after_finished.get_or_insert(TTL_SECONDS_AFTER_FINISHED);
        spec.template.metadata.get_or_insert_default().labels.get_or_insert_default().extend(labels);
        if let Some(pod) = spec.template.spec.as_mut() {
            pod.restart_policy.get_or_insert_with(|| "Never".to_owned());
        }
        Ok(job)
    }

    fn substitute(&self, vars: &JobVars) -> String {
        let mut out = String::with_capacity(self.0.len());
        let mut rest = self.0.as_str();
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else { break };
            let variable = rest[start + 2..start + end].trim();
            out.push_str(&rest[..start]);
            out.push_str(&vars.value(variable).unwrap_or_default());
            rest = &rest[start + end + 2..];
        }
        out.push_str(rest);
        out
    }
}

fn variables_in(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else { break };
        found.push(rest[start + 2..start + end].trim());
        rest = &rest[start + end + 2..];
    }
    found
}

fn yaml_error(error: serde_yaml::Error) -> TemplateError {
    let line = error.location().map_or(1, |l| l.line());
    TemplateError { line, message: error.to_string() }
}

/// The first line setting `field` at the top level, or 1.
fn line_of(text: &str, field: &str) -> usize {
    text.lines().position(|l| l.starts_with(&format!("{field}:"))).map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests;
