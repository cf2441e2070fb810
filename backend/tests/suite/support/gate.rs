//! Shared steps for the gate tests: the demo people and the usual moves.
//! (Used by the server's tests too: it depends on nothing but the crates.)

use airlock_backend::Backend;
use airlock_backend::Refusal;
use airlock_backend::releases::{self, CheckRequest, ReviewRequest};
use airlock_domain::access::{Identity, Role};
use airlock_domain::gate::{Decision, ReleaseDossier, ReleaseDraft, Target};
use chrono::Utc;

pub fn person(name: &str, roles: &[Role]) -> Identity {
    Identity::person(name, roles)
}

/// Sees everything: for tests reading back what they did.
pub fn root() -> Identity {
    person("root", &[Role::Admin])
}

pub fn rita() -> Identity {
    person("rita", &[Role::ReleaseManager])
}

pub fn approver(name: &str) -> Identity {
    person(name, &[Role::Approver])
}

pub fn draft(environment: &str, targets: &[(&str, &str)]) -> ReleaseDraft {
    ReleaseDraft {
        service: "api".into(),
        version: "2.15.0".into(),
        image: String::new(),
        environment: environment.into(),
        targets: targets.iter().map(|(t, r)| Target { tenant: (*t).into(), region: (*r).into() }).collect(),
        notes: "Adds invoice export".into(),
        image_pinned: false,
    }
}

pub async fn create(backend: &Backend) -> ReleaseDossier {
    releases::create(backend, Some(&rita()), draft("production", &[("acme", "frankfurt")]), Utc::now()).await.expect("created")
}

/// Reviews the revision that is current now, as a reviewer who just read it.
pub async fn decide(backend: &Backend, who: &Identity, id: i64, decision: Decision) -> Result<ReleaseDossier, Refusal> {
    let revision = releases::get(backend, Some(&root()), id).await?.release.revision;
    decide_on(backend, who, id, revision, decision).await
}

pub async fn decide_on(backend: &Backend, who: &Identity, id: i64, revision: u32, decision: Decision) -> Result<ReleaseDossier, Refusal> {
    let comment = if decision == Decision::Reject { "Migration not reviewed" } else { "" };
    releases::review(backend, Some(who), id, ReviewRequest { decision, comment: comment.into(), revision }, Utc::now()).await
}

/// Checks item `item` with `evidence`, as rita.
pub async fn check_with(backend: &Backend, id: i64, item: u32, evidence: Option<&str>) -> Result<ReleaseDossier, Refusal> {
    let request = CheckRequest { checked: true, evidence_url: evidence.map(str::to_owned), note: None };
    releases::check_item(backend, Some(&rita()), id, item, request, Utc::now()).await
}

pub async fn check_all(backend: &Backend, id: i64) {
    let items = releases::get(backend, Some(&root()), id).await.expect("read").checklist;
    for item in items {
        check_with(backend, id, item.id, Some("https://ci.example.com/runs/1")).await.expect("checked");
    }
}
