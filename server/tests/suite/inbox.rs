//! The inbox, on both databases: a release waits in an approver's inbox
//! and header count (never in its author's or editor's) until they review
//! it; the count is pushed live; a release manager sees their release once
//! its gate opens; a tenant admin sees what reached their tenants, never
//! another's; the deliveries page is for admins only.

use crate::support::steps::{api, approve, check_all, create, rpc};
use crate::support::{Browser, TestApp};
use airlock_domain::access::Role;
use std::time::Duration;

crate::on_both_apps!(
    a_release_waits_in_an_approvers_inbox_and_header_until_they_review_it,
    the_header_count_is_pushed_live_when_a_release_starts_waiting,
    a_release_manager_is_shown_their_release_once_its_gate_opens,
    a_tenant_admin_sees_what_reached_their_tenants_and_nothing_else,
    only_admins_open_the_deliveries_page,
);

/// The header's count as a page shows it to `browser`.
async fn header_count(browser: &Browser) -> u32 {
    let (status, page) = browser.page("/inbox").await;
    assert_eq!(status, 200, "{page}");
    let at = page.find("data-testid=\"inbox-count\"").expect("the header has the count");
    let rest = &page[at..];
    let start = rest.find('>').expect("an element") + 1;
    let end = rest[start..].find('<').expect("its text") + start;
    rest[start..end].trim().parse().expect("a number")
}

/// Whether `browser`'s inbox lists release `id` among those waiting for them.
async fn waiting_in_inbox(browser: &Browser, id: i64) -> bool {
    let (_, page) = browser.page("/inbox").await;
    page.split("data-testid=\"inbox-waiting\"")
        .nth(1)
        .is_some_and(|waiting| waiting.split("</ul>").next().unwrap_or_default().contains(&format!("data-release=\"{id}\"")))
}

async fn a_release_waits_in_an_approvers_inbox_and_header_until_they_review_it(app: TestApp) {
    let ada = app.browser("ada").await;
    let before = header_count(&ada).await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;

    assert!(waiting_in_inbox(&ada, id).await, "ada may approve it and has not");
    assert_eq!(header_count(&ada).await, before + 1);
    let (_, page) = ada.page("/inbox").await;
    assert!(page.contains("0 of 2 approvals"), "how far it is");
    assert!(page.contains("Also: Checklist items not yet checked"), "what else blocks it besides ada");
    for person in ["vic", "tom", "audrey"] {
        assert!(!waiting_in_inbox(&app.browser(person).await, id).await, "{person} approves nothing");
    }

    // sam writes one: it waits for ada, never for sam, its author.
    let sam = app.browser("sam").await;
    let (status, created) =
        rpc(&sam, "create_release", "service=api&version=2.16.0&environment=production&targets[0]=acme%2Ffrankfurt&notes=Hotfix").await;
    assert_eq!(status, 200, "{created}");
    let own = created.as_i64().expect("the new release's id");
    assert!(!waiting_in_inbox(&sam, own).await, "nobody's own release waits for their approval");
    assert!(waiting_in_inbox(&ada, own).await);

    assert_eq!(approve(&ada, id, 1).await.0, 200);
    assert!(!waiting_in_inbox(&ada, id).await, "reviewed: no longer waiting for ada");
    assert!(waiting_in_inbox(&app.browser("grace").await, id).await, "still waiting for grace");
    assert_eq!(header_count(&ada).await, before + 1, "sam's release still waits for ada");
}

async fn the_header_count_is_pushed_live_when_a_release_starts_waiting(app: TestApp) {
    let grace = app.browser("grace").await;
    let before = header_count(&grace).await;
    let mut stream = grace.get("/live/inbox").await;
    assert_eq!(stream.status(), 200);
    let first = next_event(&mut stream).await;
    assert_eq!(first, before.to_string(), "the count at once");
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    create(&app, &rita).await;
    assert_eq!(next_event(&mut stream).await, (before + 1).to_string(), "then again when it moved");
    let anonymous = app.client.get(format!("{}/live/inbox", app.address)).send().await.expect("sent");
    assert_eq!(anonymous.status(), 401, "nobody signed in has no inbox");
}

/// The data of the next Server-Sent Event (keep-alive comments skipped).
async fn next_event(stream: &mut reqwest::Response) -> String {
    let mut text = String::new();
    loop {
        let chunk =
            tokio::time::timeout(Duration::from_secs(10), stream.chunk()).await.expect("an event in time").expect("stream").expect("open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(data) = text.lines().find_map(|line| line.strip_prefix("data:")) {
            return data.trim().to_owned();
        }
    }
}

async fn a_release_manager_is_shown_their_release_once_its_gate_opens(app: TestApp) {
    let rita_token = app.token("rita", &[Role::ReleaseManager]).await;
    let sam = app.browser("sam").await;
    let (status, created) =
        rpc(&sam, "create_release", "service=api&version=2.16.0&environment=production&targets[0]=acme%2Ffrankfurt&notes=Hotfix").await;
    assert_eq!(status, 200, "{created}");
    let id = created.as_i64().expect("id");
    let shown =
        |page: &str| page.split("data-testid=\"inbox-own\"").nth(1).is_some_and(|own| own.contains(&format!("data-release=\"{id}\"")));
    assert!(!shown(&sam.page("/inbox").await.1), "nothing to do for sam yet");
    check_all(&app, &rita_token, id).await;
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200);
    }
    let (_, page) = sam.page("/inbox").await;
    assert!(shown(&page) && page.contains("may be dispatched"), "sam's release is ready for sam");
    let (_, detail) = api(app.get(&format!("/api/v1/releases/{id}")).await).await;
    assert_eq!(detail["state"], "ready");
}

async fn only_admins_open_the_deliveries_page(app: TestApp) {
    let (status, page) = app.browser("root").await.page("/admin/deliveries").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No deliveries."));
    assert!(page.contains("href=\"/admin/deliveries\""), "the admin's header links to it");
    for person in ["vic", "rita", "ada", "audrey"] {
        let (status, page) = app.browser(person).await.page("/admin/deliveries").await;
        assert_eq!(status, 403, "{person}");
        assert!(!page.contains("href=\"/admin/deliveries\""), "{person}'s header does not offer it");
    }
}

async fn a_tenant_admin_sees_what_reached_their_tenants_and_nothing_else(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let (ada, grace) = (app.browser("ada").await, app.browser("grace").await);
    let mut ids = Vec::new();
    for target in ["acme", "bluebird-bank"] {
        let release = serde_json::json!({"service": "api", "version": "2.15.0", "environment": "production", "targets": [{"tenant": target, "region": "frankfurt"}]});
        let (status, detail) = api(app.post_json("/api/v1/releases", Some(&rita), &release).await).await;
        assert_eq!(status, 201, "{detail}");
        let id = detail["id"].as_i64().expect("id");
        check_all(&app, &rita, id).await;
        for person in [&ada, &grace] {
            assert_eq!(approve(person, id, 1).await.0, 200);
        }
        let (status, body) =
            api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(&rita), &serde_json::json!({})).await).await;
        assert_eq!(status, 202, "{body}");
        ids.push(id);
    }
    let tom = app.browser("tom").await;
    let reached =
        |page: &str| page.split("data-testid=\"inbox-reached\"").nth(1).map(|s| s.split("</ul>").next().unwrap_or_default().to_owned());
    let mut shown = None;
    for _ in 0..100 {
        shown = reached(&tom.page("/inbox").await.1).filter(|s| s.contains(&format!("data-release=\"{}\"", ids[0])));
        if shown.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let shown = shown.expect("acme's arrival shows in tom's inbox");
    assert!(shown.contains("acme in frankfurt now runs api 2.15.0"), "{shown}");
    assert!(
        !shown.contains("bluebird-bank") && !shown.contains(&format!("data-release=\"{}\"", ids[1])),
        "never another tenant's: {shown}"
    );
    assert!(reached(&app.browser("vic").await.page("/inbox").await.1).is_none(), "a viewer administers no tenant");
}
