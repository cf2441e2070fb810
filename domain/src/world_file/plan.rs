//! What applying a world changes: each object added, changed (field by
//! field, before → after) or removed, in the file's order of sections.
//! Fields are compared as the words a reviewer reads, so anything a person
//! would call a change is one, and nothing else is.

use super::{Access, Notifications, Webhook, format_duration};
use crate::freeze::{Freeze, FreezeWindow};
use crate::{Cluster, Environment, NamespaceStrategy, Region, Service, Tenant, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub items: Vec<PlanItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// `environment`, `region`, `cluster`, `service`, `tenant` or `access`.
    pub kind: String,
    pub name: String,
    #[serde(flatten)]
    pub change: ObjectChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ObjectChange {
    Added { fields: Vec<FieldChange> },
    Changed { fields: Vec<FieldChange> },
    Removed,
}

/// One field; `before` is empty for an added object, `after` for a removed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Each environment's job template as the plan names it (its path and a
/// digest of its text), by environment.
pub type TemplateNames = BTreeMap<String, String>;

type Fields = Vec<(&'static str, String)>;

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many objects it adds, changes and removes.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&ObjectChange) -> bool| self.items.iter().filter(|i| f(&i.change)).count();
        (
            count(|c| matches!(c, ObjectChange::Added { .. })),
            count(|c| matches!(c, ObjectChange::Changed { .. })),
            count(|c| matches!(c, ObjectChange::Removed)),
        )
    }

    /// The plan as `airlock apply` prints it.
    pub fn render(&self) -> String {
        if self.is_empty() {
            return "No changes: the world is already as the file describes it.\n".to_owned();
        }
        let mut out = String::new();
        for item in &self.items {
            let (mark, verb) = match &item.change {
                ObjectChange::Added { .. } => ('+', "add"),
                ObjectChange::Changed { .. } => ('~', "change"),
                ObjectChange::Removed => ('-', "remove"),
            };
            out.push_str(&format!("{mark} {verb} {} {}\n", item.kind, item.name));
            if let ObjectChange::Added { fields } | ObjectChange::Changed { fields } = &item.change {
                for f in fields {
                    match &item.change {
                        ObjectChange::Added { .. } => out.push_str(&format!("    {}: {}\n", f.field, f.after)),
                        _ => out.push_str(&format!("    {}: {} \u{2192} {}\n", f.field, shown(&f.before), shown(&f.after))),
                    }
                }
            }
        }
        let (added, changed, removed) = self.counts();
        out.push_str(&format!("Plan: {added} to add, {changed} to change, {removed} to remove.\n"));
        out
    }
}

fn shown(value: &str) -> &str {
    if value.is_empty() { "(none)" } else { value }
}

/// The plan that takes `current` (with its templates) to `desired`.
pub fn plan(current: &World, current_templates: &TemplateNames, desired: &World, desired_templates: &TemplateNames) -> Plan {
    let mut items = Vec::new();
    let current_envs = current.environments.iter().map(|e| (e.name.clone(), environment_fields(e, current_templates.get(&e.name))));
    let desired_envs = desired.environments.iter().map(|e| (e.name.clone(), environment_fields(e, desired_templates.get(&e.name))));
    diff(&mut items, "environment", current_envs, desired_envs);
    diff(&mut items, "region", current.regions.iter().map(region), desired.regions.iter().map(region));
    diff(&mut items, "cluster", current.clusters.iter().map(cluster), desired.clusters.iter().map(cluster));
    diff(&mut items, "service", current.services.iter().map(service), desired.services.iter().map(service));
    diff(&mut items, "tenant", current.tenants.iter().map(tenant), desired.tenants.iter().map(tenant));
    let access = |a: &Option<Access>| a.as_ref().map(|a| ("access".to_owned(), access_fields(a)));
    diff(&mut items, "access", access(&current.access).into_iter(), access(&desired.access).into_iter());
    let notifications = |n: &Option<Notifications>| n.as_ref().map(|n| ("notifications".to_owned(), notification_fields(n)));
    diff(&mut items, "notifications", notifications(&current.notifications).into_iter(), notifications(&desired.notifications).into_iter());
    Plan { items }
}

fn diff(
    items: &mut Vec<PlanItem>,
    kind: &str,
    current: impl Iterator<Item = (String, Fields)>,
    desired: impl Iterator<Item = (String, Fields)>,
) {
    let mut before: BTreeMap<String, Fields> = current.collect();
    for (name, after) in desired {
        let change = match before.remove(&name) {
            None => {
                ObjectChange::Added { fields: after.into_iter().filter(|(_, v)| !v.is_empty()).map(|(f, v)| field(f, "", &v)).collect() }
            }
            Some(was) => {
                let fields: Vec<FieldChange> =
                    after.iter().zip(&was).filter(|((_, a), (_, b))| a != b).map(|((f, a), (_, b))| field(f, b, a)).collect();
                if fields.is_empty() {
                    continue;
                }
                ObjectChange::Changed { fields }
            }
        };
        items.push(PlanItem { kind: kind.to_owned(), name, change });
    }
    items.extend(before.into_keys().map(|name| PlanItem { kind: kind.to_owned(), name, change: ObjectChange::Removed }));
}

fn field(name: &str, before: &str, after: &str) -> FieldChange {
    FieldChange { field: name.to_owned(), before: before.to_owned(), after: after.to_owned() }
}

fn environment_fields(e: &Environment, template: Option<&String>) -> Fields {
    vec![
        ("order", e.position.to_string()),
        ("protected", e.protected.to_string()),
        ("required_approvals", e.required_approvals.to_string()),
        ("approval_ttl", e.approval_ttl_seconds.map(format_duration).unwrap_or_default()),
        ("checklist", e.checklist.join("; ")),
        ("rollout", e.rollout.as_str().to_owned()),
        ("rollback", e.rollback.as_str().to_owned()),
        ("creates_namespaces", e.creates_namespaces.to_string()),
        ("job_template", template.cloned().unwrap_or_default()),
        ("freezes", e.freezes.iter().map(freeze_words).collect::<Vec<_>>().join("; ")),
        ("bake", e.bake_seconds.map(format_duration).unwrap_or_default()),
        ("rollback_on", e.rollback_on.map(|r| r.as_str().to_owned()).unwrap_or_default()),
    ]
}

/// A freeze in one line, as the plan and the environment page show it.
pub fn freeze_words(f: &Freeze) -> String {
    match &f.window {
        FreezeWindow::Once { from, until } => format!("{} {} until {} ({})", f.name, from.to_rfc3339(), until.to_rfc3339(), f.reason),
        FreezeWindow::Recurring { cron, duration_seconds, time_zone } => {
            format!("{} every \u{201c}{cron}\u{201d} {time_zone} for {} ({})", f.name, format_duration(*duration_seconds), f.reason)
        }
    }
}

fn region(r: &Region) -> (String, Fields) {
    (r.name.clone(), vec![("display_name", r.display_name.clone()), ("order", r.position.to_string())])
}

fn cluster(c: &Cluster) -> (String, Fields) {
    let namespaces = match &c.namespace_strategy {
        NamespaceStrategy::PerTenant => "per_tenant".to_owned(),
        NamespaceStrategy::Shared { namespace } => format!("shared:{namespace}"),
    };
    let fields = vec![
        ("environment", c.environment.clone()),
        ("region", c.region.clone()),
        ("connection", c.credentials_ref.clone()),
        ("api_url", c.api_url.clone()),
        ("namespaces", namespaces),
    ];
    (c.name.clone(), fields)
}

fn service(s: &Service) -> (String, Fields) {
    (s.name.clone(), vec![("image_repository", s.image_repository.clone()), ("workload_label", s.workload_label().to_string())])
}

fn tenant(t: &Tenant) -> (String, Fields) {
    // Sets, not lists: the store keeps regions in their promotion order.
    let sorted = |list: &[String]| {
        let mut list = list.to_vec();
        list.sort();
        list.join(", ")
    };
    let fields = vec![
        ("name", t.name.clone()),
        ("primary_region", t.primary_region.clone()),
        ("data_residency", t.data_residency.clone()),
        ("allowed_regions", sorted(&t.allowed_regions)),
        ("admin_groups", sorted(&t.admin_groups)),
    ];
    (t.slug.clone(), fields)
}

fn access_fields(a: &Access) -> Fields {
    a.grants().map(|(role, groups)| (role.as_str(), groups.join(", "))).collect()
}

/// One field per webhook (a field's name is static: the webhook's name is in its value).
fn notification_fields(n: &Notifications) -> Fields {
    let hook = |w: &Webhook| {
        let secret = w
            .secret_env
            .as_ref()
            .map(|v| format!("secret from ${v}"))
            .or_else(|| w.secret_file.as_ref().map(|f| format!("secret from {f}")));
        format!("{}: {} ({}, {}) on {}", w.name, w.url, w.format.as_str(), secret.unwrap_or_default(), w.events.join(", "))
    };
    vec![("webhooks", n.webhooks.iter().map(hook).collect::<Vec<_>>().join("; "))]
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
