//! Plan, apply and export. A plan and an apply do the same work under the
//! world's lock; the plan rolls back, the apply commits, so what a dry run
//! says is what the apply does.

use super::parse::{Lines, parse};
use super::{WorldInput, WorldProblem, resolve};
use crate::acting::{Actor, acting, authorize};
use crate::releases::audit;
use crate::store::{StoreTx, StoredTemplate};
use crate::world_write::{self, Removal};
use crate::{Backend, Refusal};
use airlock_domain::World;
use airlock_domain::access::Action;
use airlock_domain::audit::AuditAction;
use airlock_domain::world_file::{ObjectChange, Place, Plan, WorldDocument, plan as plan_of};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The stored world as a document, and each job template it names (path → text).
#[derive(Debug, Clone)]
pub struct Exported {
    pub document: WorldDocument,
    pub templates: BTreeMap<String, String>,
}

impl Exported {
    /// The document as YAML, headed by how to apply it.
    pub fn yaml(&self) -> String {
        // Plain data: serialising it cannot fail.
        let body = serde_yaml::to_string(&self.document).unwrap_or_default();
        format!("# The Airlock world. Review changes like code; apply with: airlock apply -f FILE\n{body}")
    }
}

struct Prepared {
    current: World,
    desired: World,
    stored: BTreeMap<String, StoredTemplate>,
    templates: BTreeMap<String, StoredTemplate>,
    plan: Plan,
    removals: Vec<Removal>,
}

/// What applying `input` would change; nothing is written.
#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty))]
pub async fn plan(backend: &Backend, actor: impl Into<Actor<'_>>, input: &WorldInput) -> Result<Plan, Refusal> {
    let by = authorize(acting(actor), Action::ManageWorld)?;
    let mut tx = backend.store.begin().await?;
    // Dropped without a commit: the lock and the reads roll back.
    Ok(prepare(tx.as_mut(), input, by.name(), Utc::now()).await?.plan)
}

/// Applies `input` in one transaction and returns what changed (an empty
/// plan: nothing did, and nothing was written).
#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty))]
pub async fn apply(backend: &Backend, actor: impl Into<Actor<'_>>, input: &WorldInput, now: DateTime<Utc>) -> Result<Plan, Refusal> {
    let by = authorize(acting(actor), Action::ManageWorld)?;
    let mut tx = backend.store.begin().await?;
    let prepared = prepare(tx.as_mut(), input, by.name(), now).await?;
    if prepared.plan.is_empty() {
        return Ok(prepared.plan);
    }
    world_write::write_rows(tx.as_mut(), &prepared.current, &prepared.desired, &prepared.removals).await?;
    write_templates(tx.as_mut(), &prepared, by.name(), now).await?;
    world_write::record(tx.as_mut(), &prepared.desired, &prepared.removals, by.name(), now).await?;
    tx.commit().await?;
    tracing::info!(changes = prepared.plan.items.len(), "world applied");
    backend.status_changed(crate::read_model::Change::Everything).await;
    Ok(prepared.plan)
}

/// The stored world as a document that applies as a no-op.
pub async fn export(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Exported, Refusal> {
    let by = authorize(acting(actor), Action::ManageWorld)?;
    let mut tx = backend.store.begin().await?;
    tx.lock_world(by.name(), Utc::now()).await?;
    let (world, stored) = tx.configured_world().await?;
    drop(tx);
    let mut paths = BTreeMap::new();
    let mut templates = BTreeMap::new();
    for (environment, template) in stored {
        let path = template.path.unwrap_or_else(|| format!("jobs/{environment}.yaml"));
        templates.insert(path.clone(), template.text);
        paths.insert(environment, path);
    }
    Ok(Exported { document: WorldDocument::of(&world, &paths), templates })
}

async fn prepare(tx: &mut dyn StoreTx, input: &WorldInput, by: &str, now: DateTime<Utc>) -> Result<Prepared, Refusal> {
    let (document, lines) = parse(&input.text).map_err(Refusal::World)?;
    let mut checked =
        document.check().map_err(|problems| Refusal::World(problems.into_iter().map(|p| lines.problem(&p.place, p.message)).collect()))?;
    let mut problems = Vec::new();
    resolve::clusters_and_freezes(&mut checked, &lines, &mut problems);
    tx.lock_world(by, now).await?;
    let (current, stored) = tx.configured_world().await?;
    let templates = resolve::templates(&checked, &input.files, &stored, &lines, &mut problems);
    if !problems.is_empty() {
        return Err(Refusal::World(problems));
    }
    let desired = checked.world;
    let plan = plan_of(&current, &template_names(&stored), &desired, &template_names(&templates));
    let removals: Vec<Removal> = plan
        .items
        .iter()
        .filter(|item| item.change == ObjectChange::Removed)
        .map(|item| Removal { kind: item.kind.clone(), name: item.name.clone() })
        .collect();
    orphans(tx, &current, &desired, &removals, &lines, &mut problems).await?;
    if !problems.is_empty() {
        return Err(Refusal::World(problems));
    }
    Ok(Prepared { current, desired, stored, templates, plan, removals })
}

/// Refuses removing a row that workloads, releases or jobs still name, and
/// narrowing a tenant's regions below where it runs or was released to.
async fn orphans(
    tx: &mut dyn StoreTx,
    current: &World,
    desired: &World,
    removals: &[Removal],
    lines: &Lines,
    problems: &mut Vec<WorldProblem>,
) -> Result<(), Refusal> {
    // Sections kept whole name nothing and are named by nothing.
    for removal in removals.iter().filter(|r| r.kind != "access" && r.kind != "notifications") {
        let references = tx.references(&removal.kind, &removal.name).await?;
        if !references.is_empty() {
            let section = Place::root().key(&format!("{}s", removal.kind));
            let message = format!(
                "The file no longer names {} {}, but it cannot be removed while these name it: {}.",
                removal.kind,
                removal.name,
                references.join("; ")
            );
            problems.push(lines.problem(&section, message));
        }
    }
    for (i, tenant) in desired.tenants.iter().enumerate() {
        let Some(before) = current.tenants.iter().find(|t| t.slug == tenant.slug) else { continue };
        for region in before.allowed_regions.iter().filter(|r| !tenant.may_run_in(r)) {
            let references = tx.tenant_region_references(&tenant.slug, region).await?;
            if !references.is_empty() {
                let place = Place::root().key("tenants").index(i).key("allowed_regions");
                let message = format!("{} still has {} in {region}, so {region} must stay allowed.", tenant.slug, references.join("; "));
                problems.push(lines.problem(&place, message));
            }
        }
    }
    Ok(())
}

async fn write_templates(tx: &mut dyn StoreTx, prepared: &Prepared, by: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    for environment in &prepared.desired.environments {
        let name = &environment.name;
        let (before, after) = (prepared.stored.get(name), prepared.templates.get(name));
        if before == after {
            continue;
        }
        match after {
            Some(template) => tx.put_template(name, template.path.as_deref().unwrap_or_default(), &template.text, by, now).await?,
            None => tx.remove_world_row("job_template", name).await?,
        }
        let subject = format!("environment/{name}/job_template");
        let (before, after) = (before.map(|t| t.text.clone()), after.map(|t| t.text.clone()));
        tx.append_audit(audit(by, AuditAction::JobTemplateSet, &subject, before, after, now)).await?;
    }
    Ok(())
}

/// Each environment's template as a plan names it: its path and the start
/// of its text's SHA-256, so an edited file under the same path is a change.
fn template_names(templates: &BTreeMap<String, StoredTemplate>) -> BTreeMap<String, String> {
    templates
        .iter()
        .map(|(environment, t)| {
            let digest: String = Sha256::digest(t.text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect();
            let path = t.path.as_deref().unwrap_or("set with `airlock templates set`");
            (environment.clone(), format!("{path} (sha256 {digest}\u{2026})"))
        })
        .collect()
}
