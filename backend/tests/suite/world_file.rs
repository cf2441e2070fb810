//! The world as code: a world file applied, exported and applied again
//! changes nothing; a plan shows exactly the difference and writes nothing;
//! every refusal names its line and leaves the database as it was; removing
//! what still runs, or narrowing a tenant below where it runs, is refused
//! saying which; an applied policy reaches the gate and the audit log.

use crate::support::TestStore;
use crate::support::gate::{self, root};
use crate::support::operator;
use airlock_backend::demo::{DEMO_WORLD_FILE, demo_input};
use airlock_backend::store::AuditFilter;
use airlock_backend::world_file::{self, WorldInput};
use airlock_backend::{Backend, Refusal, audit};
use airlock_domain::world_file::ObjectChange;
use chrono::{Duration, Utc};

on_both_test_stores!(
    the_demo_file_applied_exported_and_applied_again_changes_nothing,
    a_plan_shows_exactly_the_difference_and_writes_nothing,
    each_refusal_names_its_line_and_nothing_is_applied,
    removing_what_still_runs_or_narrowing_below_it_is_refused_saying_which,
    an_applied_policy_reaches_the_gate_and_the_audit_log,
    only_admins_and_the_local_operator_change_the_world,
);

async fn seeded(db: &TestStore) -> Backend {
    let backend = Backend::new(db.store.clone());
    airlock_backend::demo::seed(&backend, &operator()).await.expect("the demo file applies");
    backend
}

/// The demo file with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> WorldInput {
    assert!(DEMO_WORLD_FILE.contains(from), "the demo file holds {from:?}");
    WorldInput { text: DEMO_WORLD_FILE.replacen(from, to, 1), ..demo_input() }
}

/// The line (from 1) of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("no line holds {needle:?}"))
}

async fn exported_text(backend: &Backend) -> String {
    world_file::export(backend, &operator()).await.expect("export").yaml()
}

async fn the_demo_file_applied_exported_and_applied_again_changes_nothing(db: &TestStore) {
    let backend = Backend::new(db.store.clone());
    let first = world_file::apply(&backend, &operator(), &demo_input(), Utc::now()).await.expect("applied");
    let added = first.items.iter().filter(|i| matches!(i.change, ObjectChange::Added { .. })).count();
    assert_eq!(added, 3 + 5 + 11 + 3 + 14, "every object of an empty world is added: {}", first.render());
    let again = world_file::apply(&backend, &operator(), &demo_input(), Utc::now()).await.expect("applied again");
    assert!(again.is_empty() && again.render().starts_with("No changes"), "{}", again.render());

    let exported = world_file::export(&backend, &operator()).await.expect("export");
    assert_eq!(exported.templates.len(), 1, "the production job template travels with the file");
    let input = WorldInput { text: exported.yaml(), files: exported.templates.clone() };
    assert!(world_file::apply(&backend, &operator(), &input, Utc::now()).await.expect("export applied").is_empty());
    // Without the files (as the API sends it): the stored template's path keeps it.
    assert!(world_file::plan(&backend, &operator(), &WorldInput::text(exported.yaml())).await.expect("planned").is_empty());
    let entries = audit::entries(&backend, Some(&root()), &AuditFilter { limit: 500, ..Default::default() }).await.expect("audit");
    assert!(entries.iter().any(|e| e.action == "job_template.set" && e.subject == "environment/production/job_template"));
    assert!(entries.iter().all(|e| e.actor == "cli:test"), "every entry is the applier's");
}

async fn a_plan_shows_exactly_the_difference_and_writes_nothing(db: &TestStore) {
    let backend = seeded(db).await;
    let before = exported_text(&backend).await;
    let input = edited("    required_approvals: 2\n", "    required_approvals: 3\n    approval_ttl: 72h\n");
    let plan = world_file::plan(&backend, &operator(), &input).await.expect("planned");
    let rendered = plan.render();
    assert_eq!(plan.items.len(), 1, "{rendered}");
    assert!(rendered.contains("~ change environment production"), "{rendered}");
    assert!(rendered.contains("required_approvals: 2 \u{2192} 3") && rendered.contains("approval_ttl: (none) \u{2192} 3d"), "{rendered}");
    assert_eq!(exported_text(&backend).await, before, "a plan writes nothing");
    world_file::apply(&backend, &operator(), &input, Utc::now()).await.expect("applied");
    assert!(exported_text(&backend).await.contains("required_approvals: 3"));
}

async fn each_refusal_names_its_line_and_nothing_is_applied(db: &TestStore) {
    let backend = seeded(db).await;
    let before = exported_text(&backend).await;
    let cases: Vec<(WorldInput, &str, &str)> = vec![
        (edited("    required_approvals: 2\n", "    required_approvals: 0\n"), "required_approvals: 0", "at least 1"),
        (edited("    region: lagos\n", "    region: atlantis\n"), "region: atlantis", "no region \u{201c}atlantis\u{201d}"),
        (edited("  - name: ashburn\n", "  - name: frankfurt\n"), "  - name: frankfurt", "two regions named"),
        (edited("    protected: false\n", "    protected: false\n    approvals: 1\n"), "approvals: 1", "unknown field `approvals`"),
        (
            edited("# access:\n#   admin: [platform-admins]\n", "access:\n  approver: [sre-seniors]\n"),
            "access:",
            "nobody able to administer",
        ),
        (edited("    rollout: by_region", "    rollout: by_moon"), "rollout: by_moon", "unknown variant"),
        (
            edited("      - On-call team notified\n", "      - On-call team notified\n      - On-call team notified\n"),
            "      - On-call team notified",
            "twice",
        ),
    ];
    for (input, needle, words) in cases {
        let problems = match world_file::apply(&backend, &operator(), &input, Utc::now()).await {
            Err(Refusal::World(problems)) => problems,
            other => panic!("{needle:?} was not refused: {other:?}"),
        };
        let expected_line = match needle {
            // The second region named frankfurt (the first is further up).
            "  - name: frankfurt" => line_of(&input.text, "display_name: Ashburn") - 1,
            // The second time the item is listed.
            "      - On-call team notified" => line_of(&input.text, needle) + 1,
            needle => line_of(&input.text, needle),
        };
        assert!(
            problems.iter().any(|p| p.line == Some(expected_line) && p.message.to_lowercase().contains(&words.to_lowercase())),
            "{needle:?}: expected line {expected_line} saying {words:?}, got {problems:?}"
        );
        assert_eq!(exported_text(&backend).await, before, "{needle:?}: nothing was applied");
    }
    // An invalid job template is named with its own line.
    let mut input = demo_input();
    input.files.insert("jobs/production.yaml".into(), "apiVersion: batch/v1\nkind: Job\nspec:\n  template: {{nope}}\n".into());
    let Err(Refusal::World(problems)) = world_file::apply(&backend, &operator(), &input, Utc::now()).await else {
        panic!("an invalid template was accepted")
    };
    assert_eq!(problems[0].line, Some(line_of(DEMO_WORLD_FILE, "job_template: jobs/production.yaml")));
    assert!(problems[0].message.contains("jobs/production.yaml is not valid") && problems[0].message.contains("line"), "{problems:?}");
    assert_eq!(exported_text(&backend).await, before);
}

async fn removing_what_still_runs_or_narrowing_below_it_is_refused_saying_which(db: &TestStore) {
    let backend = seeded(db).await;
    let before = exported_text(&backend).await;
    let acme =
        "  - slug: acme\n    name: Acme Corp\n    primary_region: frankfurt\n    data_residency: eu\n    allowed_regions: [frankfurt]\n";
    let Err(Refusal::World(problems)) = world_file::apply(&backend, &operator(), &edited(acme, ""), Utc::now()).await else {
        panic!("a tenant with workloads was removed")
    };
    let message = &problems[0].message;
    assert!(message.contains("tenant acme") && message.contains("workloads development/frankfurt (api)"), "{message}");
    assert_eq!(problems[0].line, Some(line_of(DEMO_WORLD_FILE, "tenants:")));
    let narrowed = edited("allowed_regions: [frankfurt, ashburn, singapore]", "allowed_regions: [frankfurt, ashburn]");
    let Err(Refusal::World(problems)) = world_file::apply(&backend, &operator(), &narrowed, Utc::now()).await else {
        panic!("a tenant was narrowed below where it runs")
    };
    assert!(
        problems[0].message.contains("flux-logistics still has workloads") && problems[0].message.contains("singapore"),
        "{problems:?}"
    );
    assert_eq!(exported_text(&backend).await, before);

    // A tenant nothing names comes and goes.
    let newcomer = format!(
        "{acme}  - slug: newcomer\n    name: Newcomer\n    primary_region: lagos\n    data_residency: ng\n    allowed_regions: [lagos]\n"
    );
    world_file::apply(&backend, &operator(), &edited(acme, &newcomer), Utc::now()).await.expect("onboarded");
    let plan = world_file::apply(&backend, &operator(), &demo_input(), Utc::now()).await.expect("offboarded");
    assert_eq!(plan.render().lines().next(), Some("- remove tenant newcomer"));
    let removed =
        audit::entries(&backend, Some(&root()), &AuditFilter { action: Some("tenant.removed".into()), limit: 5, ..Default::default() })
            .await
            .expect("audit");
    assert_eq!(removed.len(), 1);
    assert!(removed[0].subject == "tenant/newcomer" && removed[0].before.as_deref().is_some_and(|b| b.contains("Newcomer")));
}

async fn an_applied_policy_reaches_the_gate_and_the_audit_log(db: &TestStore) {
    let backend = seeded(db).await;
    let input = edited("    required_approvals: 2\n", "    required_approvals: 2\n    approval_ttl: 1h\n");
    world_file::apply(&backend, &operator(), &input, Utc::now()).await.expect("applied");
    let policies =
        audit::entries(&backend, Some(&root()), &AuditFilter { action: Some("policy.set".into()), limit: 1, ..Default::default() })
            .await
            .expect("audit");
    assert_eq!((policies[0].actor.as_str(), policies[0].subject.as_str()), ("cli:test", "environment/production"));
    assert_eq!(policies[0].before.as_deref(), Some(r#"{"protected":true,"required_approvals":2}"#));
    assert_eq!(policies[0].after.as_deref(), Some(r#"{"protected":true,"required_approvals":2,"approval_ttl_seconds":3600}"#));

    let id = gate::create(&backend).await.release.id;
    gate::check_all(&backend, id).await;
    gate::decide(&backend, &gate::approver("ana"), id, airlock_domain::gate::Decision::Approve).await.expect("ana");
    let dossier = gate::decide(&backend, &gate::approver("ben"), id, airlock_domain::gate::Decision::Approve).await.expect("ben");
    assert!(dossier.verdict(Utc::now()).is_ok(), "{:?}", dossier.verdict(Utc::now()));
    let blockers = dossier.verdict(Utc::now() + Duration::hours(2)).expect_err("expired");
    let expired: Vec<String> = blockers.iter().filter(|b| b.kind() == "expired_approval").map(|b| b.message()).collect();
    assert_eq!(expired.len(), 2);
    assert!(expired[0].starts_with("ana approved at ") && expired[0].contains("expired at"), "{expired:?}");
}

async fn only_admins_and_the_local_operator_change_the_world(db: &TestStore) {
    let backend = seeded(db).await;
    let input = edited("    required_approvals: 2\n", "    required_approvals: 1\n");
    for who in [gate::rita(), gate::approver("ana"), gate::person("vic", &[airlock_domain::access::Role::Viewer])] {
        let refused = world_file::apply(&backend, Some(&who), &input, Utc::now()).await.expect_err("refused");
        assert_eq!(refused.status(), 403, "{}", who.name);
        assert_eq!(world_file::plan(&backend, Some(&who), &input).await.map(|_| ()).map_err(|r| r.status()), Err(403));
    }
    assert_eq!(world_file::apply(&backend, None, &input, Utc::now()).await.map(|_| ()).map_err(|r| r.status()), Err(401));
    let plan = world_file::apply(&backend, Some(&root()), &input, Utc::now()).await.expect("an admin applies");
    assert_eq!(plan.items.len(), 1);
}
