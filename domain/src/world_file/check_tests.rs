use super::*;
use crate::world_file::{RegionEntry, ServiceEntry, Step};

pub(crate) fn document() -> WorldDocument {
    WorldDocument {
        environments: vec![
            EnvironmentEntry { name: "staging".into(), protected: false, ..Default::default() },
            EnvironmentEntry {
                name: "production".into(),
                protected: true,
                required_approvals: Some(2),
                approval_ttl: Some("72h".into()),
                checklist: vec!["Security scan clean".into()],
                freezes: vec![FreezeEntry {
                    name: "weekends".into(),
                    cron: Some("0 18 * * FRI".into()),
                    duration: Some("62h".into()),
                    time_zone: Some("Europe/Berlin".into()),
                    reason: "No deploys over the weekend".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
        regions: vec![RegionEntry { name: "frankfurt".into(), display_name: "Frankfurt".into() }],
        clusters: vec![ClusterEntry {
            name: "prod-fra-1".into(),
            environment: "production".into(),
            region: "frankfurt".into(),
            connection: "simulated".into(),
            api_url: Some("https://prod-fra-1.example:6443".into()),
            namespaces: None,
        }],
        services: vec![ServiceEntry { name: "api".into(), image_repository: "registry.example.com/api".into(), workload_label: None }],
        tenants: vec![TenantEntry {
            slug: "acme".into(),
            name: "Acme Corp".into(),
            primary_region: "frankfurt".into(),
            data_residency: "eu".into(),
            allowed_regions: vec!["frankfurt".into()],
            admin_groups: vec!["acme-ops".into()],
        }],
        access: Some(Access { admin: vec!["platform-admins".into()], ..Default::default() }),
        notifications: None,
    }
}

fn places(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.place.to_string()).collect()
}

#[test]
fn a_sound_document_describes_its_world_in_promotion_order() {
    let checked = document().check().expect("a sound document");
    let production = &checked.world.environments[1];
    assert_eq!((production.position, production.required_approvals), (2, 2));
    assert_eq!(production.approval_ttl_seconds, Some(72 * 3600));
    assert_eq!(production.checklist, ["Security scan clean"]);
    assert!(matches!(&production.freezes[0].window, FreezeWindow::Recurring { duration_seconds: 223_200, .. }));
    assert_eq!(checked.world.tenants[0].admin_groups, ["acme-ops"]);
}

#[test]
fn a_protected_environment_without_an_approval_is_refused_at_its_key() {
    let mut doc = document();
    doc.environments[1].required_approvals = Some(0);
    let problems = doc.check().expect_err("refused");
    assert_eq!(places(&problems), ["environments[1].required_approvals"]);
    assert!(problems[0].message.contains("at least 1"), "{}", problems[0].message);
}

#[test]
fn a_duplicate_name_is_named_at_its_second_use() {
    let mut doc = document();
    doc.regions.push(RegionEntry { name: "frankfurt".into(), display_name: "Frankfurt again".into() });
    let problems = doc.check().expect_err("refused");
    assert_eq!(places(&problems), ["regions[1].name"]);
    assert!(problems[0].message.contains("two regions named \u{201c}frankfurt\u{201d}"), "{}", problems[0].message);
}

#[test]
fn every_unknown_reference_is_named() {
    let mut doc = document();
    doc.clusters[0].region = "lagos".into();
    doc.tenants[0].allowed_regions.push("ashburn".into());
    let problems = doc.check().expect_err("refused");
    assert_eq!(places(&problems), ["clusters[0].region", "tenants[0].allowed_regions[1]"]);
}

#[test]
fn an_access_map_without_an_admin_group_is_refused() {
    let mut doc = document();
    doc.access = Some(Access { approver: vec!["sre".into()], ..Default::default() });
    let problems = doc.check().expect_err("refused");
    assert_eq!(problems[0].place.0, [Step::Key("access".into()), Step::Key("admin".into())]);
    assert!(problems[0].message.contains("nobody able to administer"), "{}", problems[0].message);
}

#[test]
fn a_freeze_is_either_fixed_or_recurring_never_half_of_each() {
    let mut doc = document();
    doc.environments[1].freezes[0].from = Some(chrono::DateTime::parse_from_rfc3339("2026-12-20T00:00:00+01:00").expect("time"));
    let problems = doc.check().expect_err("refused");
    assert_eq!(places(&problems), ["environments[1].freezes[0]"]);
}

#[test]
fn a_service_may_name_the_label_its_deployments_carry_but_not_anothers() {
    let mut doc = document();
    doc.services[0].workload_label = Some("app=payments-api".into());
    let checked = doc.check().expect("a custom label");
    assert_eq!(checked.world.services[0].workload_label().to_string(), "app=payments-api");
    assert_eq!(WorldDocument::of(&checked.world, &Default::default()).services[0].workload_label.as_deref(), Some("app=payments-api"));

    doc.services[0].workload_label = Some("app payments".into());
    let problems = doc.check().expect_err("not a label");
    assert_eq!(places(&problems), ["services[0].workload_label"]);
    assert!(problems[0].message.contains("write key=value"), "{}", problems[0].message);

    doc.services[0].workload_label = None;
    let worker = "app.kubernetes.io/name=api".to_owned();
    doc.services.push(ServiceEntry { name: "worker".into(), image_repository: "r/worker".into(), workload_label: Some(worker) });
    let problems = doc.check().expect_err("two services, one label");
    assert_eq!(places(&problems), ["services[1].workload_label"]);
    assert!(problems[0].message.contains("would find the same Deployments"), "{}", problems[0].message);
}

fn webhook(name: &str, url: &str) -> crate::world_file::Webhook {
    crate::world_file::Webhook {
        name: name.into(),
        url: url.into(),
        secret_env: Some("AIRLOCK_WEBHOOK_OPS".into()),
        events: vec!["review.approved".into(), "gate.opened".into()],
        ..Default::default()
    }
}

#[test]
fn webhooks_are_kept_as_the_file_names_them_and_export_as_they_came() {
    let mut doc = document();
    let mut chat = webhook("chat", "https://hooks.slack.example/services/T0/B0");
    chat.format = crate::notify::WebhookFormat::Slack;
    doc.notifications =
        Some(crate::world_file::Notifications { webhooks: vec![webhook("ops", "https://hooks.example.com/airlock"), chat] });
    let checked = doc.check().expect("sound webhooks");
    let exported = WorldDocument::of(&checked.world, &Default::default());
    assert_eq!(exported.notifications, doc.notifications, "exported as written");
}

#[test]
fn each_webhook_problem_is_named_at_its_key() {
    let mut doc = document();
    let mut both = webhook("both", "https://hooks.example.com/b");
    both.secret_file = Some("/run/secrets/hook".into());
    let mut neither = webhook("neither", "https://hooks.example.com/n");
    neither.secret_env = None;
    let mut unknown = webhook("unknown", "https://hooks.example.com/u");
    unknown.events = vec!["release.deleted".into()];
    let mut silent = webhook("silent", "https://hooks.example.com/s");
    silent.events.clear();
    let mut nosy = webhook("nosy", "https://hooks.example.com/x");
    nosy.secret_env = Some("DATABASE_URL".into());
    let hooks = vec![
        webhook("ops", "ftp://hooks.example.com"),
        webhook("ops", "https://user:pw@hooks.example.com/"),
        webhook("tabbed", "https://hooks.example.com/\tx"),
        both,
        neither,
        unknown,
        silent,
        nosy,
    ];
    doc.notifications = Some(crate::world_file::Notifications { webhooks: hooks });
    let problems = doc.check().expect_err("refused");
    let at = |prefix: &str| problems.iter().filter(|p| p.place.to_string() == prefix).count();
    assert_eq!(at("notifications.webhooks[1].name"), 1, "two webhooks named ops: {problems:?}");
    assert_eq!(at("notifications.webhooks[0].url") + at("notifications.webhooks[1].url") + at("notifications.webhooks[2].url"), 3);
    assert_eq!(at("notifications.webhooks[3].secret_file"), 1);
    assert_eq!(at("notifications.webhooks[4]"), 1);
    assert_eq!(at("notifications.webhooks[5].events[0]"), 1);
    assert_eq!(at("notifications.webhooks[6].events"), 1);
    assert_eq!(at("notifications.webhooks[7].secret_env"), 1, "no other secret of the portal's signs a webhook");
    assert_eq!(problems.len(), 9, "{problems:?}");
    let unknown = problems.iter().find(|p| p.place.to_string() == "notifications.webhooks[5].events[0]").expect("named");
    assert!(unknown.message.contains("release.deleted") && unknown.message.contains("gate.opened"), "{}", unknown.message);
}
