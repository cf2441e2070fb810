//! From a document to the world it describes, or every problem in it, each
//! at its place in the file. What needs the server (a cluster's connection,
//! a cron schedule's time zone, a job template's file) is checked there.

use super::{
    Access, ClusterEntry, EnvironmentEntry, FreezeEntry, Notifications, Place, ServiceEntry, TenantEntry, WorldDocument, parse_duration,
};
use crate::freeze::{Freeze, FreezeWindow};
use crate::observed::WorkloadLabel;
use crate::{Cluster, Environment, NamespaceStrategy, Region, Service, Slug, Tenant, World};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// One thing wrong with a document, where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub place: Place,
    pub message: String,
}

/// An environment's job template, as the document names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTemplateFile {
    pub environment: String,
    pub path: String,
    pub place: Place,
}

/// A document that passed every check the domain can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedWorld {
    /// Without deployments: those are what runs, not what is configured.
    pub world: World,
    pub job_templates: Vec<JobTemplateFile>,
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, place: Place, message: impl Into<String>) {
        self.problems.push(Problem { place, message: message.into() });
    }

    fn name(&mut self, place: Place, what: &str, name: &str) {
        if let Err(e) = Slug::parse(name) {
            self.problem(place, format!("The {what} name \u{201c}{name}\u{201d} {e}."));
        }
    }

    /// Names must be unique within their list; the second use is the problem.
    fn unique<'n>(&mut self, list: &Place, what: &str, key: &str, names: impl Iterator<Item = &'n str>) -> HashSet<&'n str> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, name) in names.enumerate() {
            if let Some(first) = seen.get(name) {
                let message = format!("There are two {what}s named \u{201c}{name}\u{201d} (the first is entry {}).", first + 1);
                self.problem(list.index(i).key(key), message);
            } else {
                seen.insert(name, i);
            }
        }
        seen.into_keys().collect()
    }

    fn known(&mut self, place: Place, what: &str, name: &str, known: &HashSet<&str>) {
        if !known.contains(name) {
            self.problem(place, format!("There is no {what} \u{201c}{name}\u{201d} in this file."));
        }
    }
}

impl WorldDocument {
    pub fn check(&self) -> Result<CheckedWorld, Vec<Problem>> {
        let mut c = Checker { problems: Vec::new() };
        let root = Place::root();
        let env_names = c.unique(&root.key("environments"), "environment", "name", self.environments.iter().map(|e| e.name.as_str()));
        let region_names = c.unique(&root.key("regions"), "region", "name", self.regions.iter().map(|r| r.name.as_str()));
        c.unique(&root.key("clusters"), "cluster", "name", self.clusters.iter().map(|x| x.name.as_str()));
        c.unique(&root.key("services"), "service", "name", self.services.iter().map(|s| s.name.as_str()));
        c.unique(&root.key("tenants"), "tenant", "slug", self.tenants.iter().map(|t| t.slug.as_str()));

        let mut job_templates = Vec::new();
        let mut environments = Vec::new();
        for (i, entry) in self.environments.iter().enumerate() {
            let place = root.key("environments").index(i);
            if let Some(path) = &entry.job_template {
                let environment = entry.name.clone();
                job_templates.push(JobTemplateFile { environment, path: path.clone(), place: place.key("job_template") });
            }
            environments.push(environment(&mut c, &place, entry, i));
        }
        let regions: Vec<Region> = self
            .regions
            .iter()
            .zip(1..)
            .enumerate()
            .map(|(i, (r, position))| {
                c.name(root.key("regions").index(i).key("name"), "region", &r.name);
                Region { name: r.name.clone(), display_name: r.display_name.clone(), position }
            })
            .collect();
        let known = Known { environments: &env_names, regions: &region_names };
        let clusters = self.clusters.iter().enumerate().map(|(i, x)| cluster(&mut c, &root.key("clusters").index(i), x, &known)).collect();
        let services = services(&mut c, &root.key("services"), &self.services);
        let tenants = self.tenants.iter().enumerate().map(|(i, t)| tenant(&mut c, &root.key("tenants").index(i), t, &known)).collect();
        if let Some(access) = &self.access {
            check_access(&mut c, &root.key("access"), access);
        }
        if let Some(notifications) = &self.notifications {
            check_notifications(&mut c, &root.key("notifications").key("webhooks"), notifications);
        }
        if !c.problems.is_empty() {
            return Err(c.problems);
        }
        let world = World {
            environments,
            regions,
            clusters,
            tenants,
            services,
            deployments: Vec::new(),
            access: self.access.clone(),
            notifications: self.notifications.clone(),
            observed: Vec::new(),
        };
        Ok(CheckedWorld { world, job_templates })
    }
}

/// Each service, with the label that finds its Deployments: no two
/// services may be found by the same label.
fn services(c: &mut Checker, list: &Place, entries: &[ServiceEntry]) -> Vec<Service> {
    let mut claimed: HashMap<WorkloadLabel, &str> = HashMap::new();
    let mut services = Vec::new();
    for (i, s) in entries.iter().enumerate() {
        let place = list.index(i);
        c.name(place.key("name"), "service", &s.name);
        let workload_label = s.workload_label.as_deref().and_then(|text| match WorkloadLabel::parse(text) {
            Ok(label) => Some(label),
            Err(why) => {
                c.problem(place.key("workload_label"), format!("The workload label of service \u{201c}{}\u{201d}: {why}.", s.name));
                None
            }
        });
        // The default written out is the default: one world, one record.
        let workload_label = workload_label.filter(|label| *label != WorkloadLabel::default_for(&s.name));
        let service = Service { name: s.name.clone(), image_repository: s.image_repository.clone(), workload_label };
        if let Some(other) = claimed.insert(service.workload_label(), &s.name) {
            let message = format!(
                "Services \u{201c}{other}\u{201d} and \u{201c}{}\u{201d} would find the same Deployments ({}).",
                s.name,
                service.workload_label()
            );
            c.problem(place.key("workload_label"), message);
        }
        services.push(service);
    }
    services
}

struct Known<'k> {
    environments: &'k HashSet<&'k str>,
    regions: &'k HashSet<&'k str>,
}

fn environment(c: &mut Checker, place: &Place, e: &EnvironmentEntry, index: usize) -> Environment {
    c.name(place.key("name"), "environment", &e.name);
    let required_approvals = e.required_approvals.unwrap_or(0);
    if e.protected && required_approvals < 1 {
        let at = if e.required_approvals.is_some() { place.key("required_approvals") } else { place.clone() };
        c.problem(at, format!("{} is protected, so it needs required_approvals of at least 1.", e.name));
    }
    let approval_ttl_seconds = e.approval_ttl.as_deref().and_then(|text| match parse_duration(text) {
        Ok(seconds) => Some(seconds),
        Err(message) => {
            c.problem(place.key("approval_ttl"), format!("{message}."));
            None
        }
    });
    let bake_seconds = e.bake.as_deref().and_then(|text| match parse_duration(text) {
        Ok(seconds) => Some(seconds),
        Err(message) => {
            c.problem(place.key("bake"), format!("{message}."));
            None
        }
    });
    if e.rollback_on.is_some() && e.bake.is_none() {
        c.problem(place.key("rollback_on"), format!("{} rolls back only what bakes: give it a bake time too.", e.name));
    }
    let mut items = HashSet::new();
    for (i, item) in e.checklist.iter().enumerate() {
        if item.trim().is_empty() {
            c.problem(place.key("checklist").index(i), "A checklist item needs words.");
        } else if !items.insert(item.as_str()) {
            c.problem(place.key("checklist").index(i), format!("The checklist lists \u{201c}{item}\u{201d} twice."));
        }
    }
    c.unique(&place.key("freezes"), "freeze", "name", e.freezes.iter().map(|f| f.name.as_str()));
    let freezes = e.freezes.iter().enumerate().filter_map(|(i, f)| freeze(c, &place.key("freezes").index(i), f)).collect();
    Environment {
        name: e.name.clone(),
        position: i32::try_from(index + 1).unwrap_or(i32::MAX),
        protected: e.protected,
        required_approvals: i32::try_from(required_approvals).unwrap_or(i32::MAX),
        rollout: e.rollout.unwrap_or_default(),
        creates_namespaces: e.creates_namespaces.unwrap_or(false),
        rollback: e.rollback.unwrap_or_default(),
        approval_ttl_seconds,
        checklist: e.checklist.clone(),
        freezes,
        bake_seconds,
        rollback_on: e.rollback_on,
    }
}

fn freeze(c: &mut Checker, place: &Place, f: &FreezeEntry) -> Option<Freeze> {
    if f.reason.trim().is_empty() {
        c.problem(place.key("reason"), "A freeze needs a reason: it is what everyone refused is told.");
    }
    let window = match (f.from, f.until, &f.cron, &f.duration, &f.time_zone) {
        (Some(from), Some(until), None, None, None) => {
            if until <= from {
                c.problem(place.key("until"), format!("The freeze {} ends before it starts.", f.name));
            }
            FreezeWindow::Once { from, until }
        }
        (None, None, Some(cron), Some(duration), Some(time_zone)) => match parse_duration(duration) {
            Ok(duration_seconds) => FreezeWindow::Recurring { cron: cron.clone(), duration_seconds, time_zone: time_zone.clone() },
            Err(message) => {
                c.problem(place.key("duration"), format!("{message}."));
                return None;
            }
        },
        _ => {
            c.problem(place.clone(), format!("The freeze {} needs either from and until, or cron, duration and time_zone.", f.name));
            return None;
        }
    };
    Some(Freeze { name: f.name.clone(), reason: f.reason.clone(), window })
}

fn cluster(c: &mut Checker, place: &Place, x: &ClusterEntry, known: &Known<'_>) -> Cluster {
    c.name(place.key("name"), "cluster", &x.name);
    c.known(place.key("environment"), "environment", &x.environment, known.environments);
    c.known(place.key("region"), "region", &x.region, known.regions);
    let namespace_strategy = match x.namespaces.as_deref() {
        None | Some("per_tenant") => NamespaceStrategy::PerTenant,
        Some(other) => match other.strip_prefix("shared:") {
            Some(namespace) if Slug::parse(namespace).is_ok() => NamespaceStrategy::Shared { namespace: namespace.to_owned() },
            _ => {
                c.problem(place.key("namespaces"), format!("\u{201c}{other}\u{201d} is neither per_tenant nor shared:<namespace>."));
                NamespaceStrategy::PerTenant
            }
        },
    };
    Cluster {
        name: x.name.clone(),
        environment: x.environment.clone(),
        region: x.region.clone(),
        api_url: x.api_url.clone().unwrap_or_default(),
        credentials_ref: x.connection.clone(),
        namespace_strategy,
    }
}

fn tenant(c: &mut Checker, place: &Place, t: &TenantEntry, known: &Known<'_>) -> Tenant {
    c.name(place.key("slug"), "tenant", &t.slug);
    c.known(place.key("primary_region"), "region", &t.primary_region, known.regions);
    if t.allowed_regions.is_empty() {
        c.problem(place.key("allowed_regions"), format!("{} must be allowed in at least one region.", t.slug));
    }
    for (i, region) in t.allowed_regions.iter().enumerate() {
        c.known(place.key("allowed_regions").index(i), "region", region, known.regions);
    }
    if !t.allowed_regions.contains(&t.primary_region) {
        c.problem(place.key("primary_region"), format!("{}'s primary region must be one of its allowed regions.", t.slug));
    }
    Tenant {
        slug: t.slug.clone(),
        name: t.name.clone(),
        primary_region: t.primary_region.clone(),
        data_residency: t.data_residency.clone(),
        allowed_regions: t.allowed_regions.clone(),
        admin_groups: t.admin_groups.clone(),
    }
}

fn check_access(c: &mut Checker, place: &Place, access: &Access) {
    if access.admin.iter().all(|group| group.trim().is_empty()) {
        c.problem(place.key("admin"), "This access map leaves nobody able to administer Airlock: name at least one group under admin.");
    }
}

/// What a webhook's `secret_env` must start with.
pub const WEBHOOK_SECRET_PREFIX: &str = "AIRLOCK_WEBHOOK_";

/// Each webhook: a name of its own, an http(s) address, exactly one place
/// for its secret, and events Airlock sends.
fn check_notifications(c: &mut Checker, list: &Place, notifications: &Notifications) {
    c.unique(list, "webhook", "name", notifications.webhooks.iter().map(|w| w.name.as_str()));
    for (i, hook) in notifications.webhooks.iter().enumerate() {
        let place = list.index(i);
        c.name(place.key("name"), "webhook", &hook.name);
        if let Err(why) = webhook_url(&hook.url) {
            c.problem(place.key("url"), format!("The address \u{201c}{}\u{201d} {why}.", hook.url));
        }
        if let Some(variable) = hook.secret_env.as_deref().filter(|v| !v.starts_with(WEBHOOK_SECRET_PREFIX)) {
            let message = format!(
                "The secret's variable must be named {WEBHOOK_SECRET_PREFIX}…, not {variable}: the world file may not point Airlock at its other secrets."
            );
            c.problem(place.key("secret_env"), message);
        }
        match (&hook.secret_env, &hook.secret_file) {
            (Some(_), Some(_)) => c.problem(place.key("secret_file"), "Name the secret once: secret_env or secret_file, not both."),
            (None, None) => c.problem(place.clone(), "Name where its signing secret is: secret_env (a variable) or secret_file (a path)."),
            _ => {}
        }
        if hook.events.is_empty() {
            c.problem(place.key("events"), "Name at least one event this webhook is told of.");
        }
        for (j, event) in hook.events.iter().enumerate() {
            if crate::notify::EventKind::parse(event).is_none() {
                let known: Vec<&str> = crate::notify::EventKind::ALL.iter().map(|k| k.as_str()).collect();
                c.problem(
                    place.key("events").index(j),
                    format!("Airlock sends no event \u{201c}{event}\u{201d}; it sends {}.", known.join(", ")),
                );
            }
        }
    }
}

/// An absolute http(s) address with a host and nothing a request line
/// could be split on.
fn webhook_url(url: &str) -> Result<(), &'static str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or("must start with https:// or http://")?;
    if rest.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return Err("must not hold spaces or control characters");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        return Err("must name a host (and no user name or password)");
    }
    Ok(())
}

#[cfg(test)]
#[path = "check_tests.rs"]
pub(crate) mod tests;
