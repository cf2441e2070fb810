//! The world's rows as the audit log records them. Every environment (its
//! rollout, rollback and namespace rules; its gate policy is `policy.set`'s),
//! region, tenant (with its allowed regions), service and cluster a world
//! import sets is recorded as one entry per object (`tenant.set`, …) in the
//! import's transaction, with the record before and after; `clusters add`
//! records the same shape. `airlock audit verify` names every row whose
//! newest entry does not say what the row says: one changed behind
//! Airlock's back. A cluster's record holds the SHA-256 of its credentials
//! reference, not the reference, so reading the log reveals no path or
//! variable name.

use crate::dispatch::credentials::Credentials;
use airlock_domain::audit::{AuditAction, AuditDraft};
use airlock_domain::world_file::{Access, Notifications};
use airlock_domain::{Cluster, Environment, Region, Service, Tenant};
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The actions whose newest entry per subject is a world row's record (a
/// removal's entry records nothing: the row is gone).
pub(crate) const ACTIONS: [&str; 16] = [
    "environment.set",
    "region.set",
    "tenant.set",
    "service.set",
    "cluster.set",
    "cluster.added",
    "checklist.set",
    "access.set",
    "environment.removed",
    "region.removed",
    "cluster.removed",
    "service.removed",
    "tenant.removed",
    "access.removed",
    "notifications.set",
    "notifications.removed",
];

/// One world row as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorldRecord {
    pub action: AuditAction,
    /// `tenant/acme`: the audit entry's subject.
    pub subject: String,
    /// `tenant acme`: how `verify` names it.
    pub named: String,
    /// Canonical JSON (serde_json writes an object's keys in order).
    pub record: String,
}

fn world_record(action: AuditAction, kind: &str, name: &str, record: serde_json::Value) -> WorldRecord {
    WorldRecord { action, subject: format!("{kind}/{name}"), named: format!("{kind} {name}"), record: record.to_string() }
}

/// What an environment decides besides its gate policy (`policy.set`): the
/// same subject, another action, so each has its own newest entry.
pub(crate) fn environment(e: &Environment) -> WorldRecord {
    let record = json!({
        "position": e.position, "rollout": e.rollout, "rollback": e.rollback, "creates_namespaces": e.creates_namespaces,
    });
    world_record(AuditAction::EnvironmentSet, "environment", &e.name, record)
}

pub(crate) fn region(r: &Region) -> WorldRecord {
    world_record(AuditAction::RegionSet, "region", &r.name, json!({ "display_name": r.display_name, "position": r.position }))
}

pub(crate) fn tenant(t: &Tenant) -> WorldRecord {
    let mut allowed = t.allowed_regions.clone();
    allowed.sort();
    let mut record = json!({
        "name": t.name, "primary_region": t.primary_region, "data_residency": t.data_residency, "allowed_regions": allowed,
    });
    // Only when set, so tenants recorded before admin groups existed read as they did.
    if !t.admin_groups.is_empty() {
        let mut groups = t.admin_groups.clone();
        groups.sort();
        record["admin_groups"] = json!(groups);
    }
    world_record(AuditAction::TenantSet, "tenant", &t.slug, record)
}

/// The items every release of the environment must tick: its own subject,
/// so the environment's record reads as it did before checklists were its own.
pub(crate) fn checklist(e: &Environment) -> WorldRecord {
    let record = json!(e.checklist);
    WorldRecord {
        action: AuditAction::ChecklistSet,
        subject: format!("environment/{}/checklist", e.name),
        named: format!("the checklist of environment {}", e.name),
        record: record.to_string(),
    }
}

/// Who holds which role, as the world file's `access` says.
pub(crate) fn access(a: &Access) -> WorldRecord {
    let record = serde_json::to_value(a).unwrap_or_default();
    WorldRecord { action: AuditAction::AccessSet, subject: "access".into(), named: "the access map".into(), record: record.to_string() }
}

/// The webhooks the world file's `notifications` names: each address by its
/// host and SHA-256 (a Slack address is itself a credential, and the log is
/// read by auditors and never edited), each secret only by where it is.
pub(crate) fn notifications(n: &Notifications) -> WorldRecord {
    let hooks: Vec<serde_json::Value> = n
        .webhooks
        .iter()
        .map(|w| {
            let host = w.url.split("://").nth(1).and_then(|rest| rest.split(['/', '?', '#']).next()).unwrap_or_default();
            json!({
                "name": w.name, "url_host": host, "url_sha256": sha256_hex(&w.url), "secret_env": w.secret_env,
                "secret_file": w.secret_file, "format": w.format, "events": w.events,
            })
        })
        .collect();
    let record = json!({ "webhooks": hooks });
    WorldRecord {
        action: AuditAction::NotificationsSet,
        subject: "notifications".into(),
        named: "the notifications".into(),
        record: record.to_string(),
    }
}

/// The entry that records the removal of the row whose record `subject` was.
pub(crate) fn removal(kind: &str, name: &str, newest: &HashMap<String, String>, actor: &str, now: DateTime<Utc>) -> AuditDraft {
    let (action, subject) = match kind {
        "environment" => (AuditAction::EnvironmentRemoved, format!("environment/{name}")),
        "region" => (AuditAction::RegionRemoved, format!("region/{name}")),
        "cluster" => (AuditAction::ClusterRemoved, format!("cluster/{name}")),
        "service" => (AuditAction::ServiceRemoved, format!("service/{name}")),
        "access" => (AuditAction::AccessRemoved, "access".to_owned()),
        "notifications" => (AuditAction::NotificationsRemoved, "notifications".to_owned()),
        _ => (AuditAction::TenantRemoved, format!("tenant/{name}")),
    };
    AuditDraft { at: now, actor: actor.to_owned(), action, before: newest.get(&subject).cloned(), subject, after: None }
}

pub(crate) fn service(s: &Service) -> WorldRecord {
    // Recorded only where set, so services recorded before the key existed still verify.
    let record = match &s.workload_label {
        Some(label) => json!({ "image_repository": s.image_repository, "workload_label": label }),
        None => json!({ "image_repository": s.image_repository }),
    };
    world_record(AuditAction::ServiceSet, "service", &s.name, record)
}

pub(crate) fn cluster(c: &Cluster, action: AuditAction) -> WorldRecord {
    let credentials = Credentials::parse(&c.credentials_ref).map_or("not a reference Airlock reads", |parsed| parsed.describe());
    let digest = sha256_hex(&c.credentials_ref);
    let record = json!({
        "environment": c.environment, "region": c.region, "api_url": c.api_url,
        "credentials": credentials, "credentials_sha256": digest, "namespaces": c.namespace_strategy,
    });
    world_record(action, "cluster", &c.name, record)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The world's rows, as read or as an import sets them.
pub(crate) struct WorldRows<'w> {
    pub environments: &'w [Environment],
    pub regions: &'w [Region],
    pub clusters: &'w [Cluster],
    pub services: &'w [Service],
    pub tenants: &'w [Tenant],
    pub access: Option<&'w Access>,
    pub notifications: Option<&'w Notifications>,
}

/// Every record of these rows, in a stable order.
pub(crate) fn records(rows: WorldRows<'_>) -> Vec<WorldRecord> {
    let environments = rows.environments.iter().map(environment);
    let regions = rows.regions.iter().map(region);
    let clusters = rows.clusters.iter().map(|c| cluster(c, AuditAction::ClusterSet));
    let services = rows.services.iter().map(service);
    let checklists = rows.environments.iter().map(checklist);
    let tenants = rows.tenants.iter().map(tenant);
    environments
        .chain(checklists)
        .chain(regions)
        .chain(clusters)
        .chain(services)
        .chain(tenants)
        .chain(rows.access.map(access))
        .chain(rows.notifications.map(notifications))
        .collect()
}

/// The records the log does not hold as they are (`newest`: each subject's
/// newest record).
pub(crate) fn unrecorded(records: Vec<WorldRecord>, newest: &HashMap<String, String>) -> Vec<WorldRecord> {
    records.into_iter().filter(|r| newest.get(&r.subject) != Some(&r.record)).collect()
}

/// The entry that records `record`, after what the log held before.
pub(crate) fn entry(record: WorldRecord, actor: &str, newest: &HashMap<String, String>, now: DateTime<Utc>) -> AuditDraft {
    let before = newest.get(&record.subject).cloned();
    AuditDraft { at: now, actor: actor.to_owned(), action: record.action, subject: record.subject, before, after: Some(record.record) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airlock_domain::NamespaceStrategy;

    #[test]
    fn a_clusters_record_names_how_it_connects_but_not_where_its_credentials_are() {
        let c = Cluster {
            name: "prod-fra".into(),
            environment: "production".into(),
            region: "frankfurt".into(),
            api_url: "https://fra.example:6443".into(),
            credentials_ref: "token-file:/run/secrets/fra-token".into(),
            namespace_strategy: NamespaceStrategy::PerTenant,
        };
        let record = cluster(&c, AuditAction::ClusterSet);
        assert_eq!((record.subject.as_str(), record.named.as_str()), ("cluster/prod-fra", "cluster prod-fra"));
        assert!(record.record.contains("bearer token") && !record.record.contains("/run/secrets"), "{}", record.record);
        let moved = cluster(&Cluster { credentials_ref: "token-file:/tmp/other".into(), ..c }, AuditAction::ClusterSet);
        assert_ne!(record.record, moved.record, "another reference is another record");
    }

    #[test]
    fn allowed_regions_are_recorded_in_one_order() {
        let t = |allowed: &[&str]| Tenant {
            slug: "acme".into(),
            name: "Acme".into(),
            primary_region: "frankfurt".into(),
            data_residency: "eu".into(),
            allowed_regions: allowed.iter().map(|r| r.to_string()).collect(),
            admin_groups: Vec::new(),
        };
        assert_eq!(tenant(&t(&["frankfurt", "dublin"])).record, tenant(&t(&["dublin", "frankfurt"])).record);
        let newest = HashMap::from([("tenant/acme".to_owned(), tenant(&t(&["frankfurt"])).record)]);
        assert!(unrecorded(vec![tenant(&t(&["frankfurt"]))], &newest).is_empty());
        assert_eq!(unrecorded(vec![tenant(&t(&["frankfurt", "lagos"]))], &newest).len(), 1);
    }
}
