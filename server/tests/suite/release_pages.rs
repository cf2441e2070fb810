//! The release pages and their forms, driven as a browser without JavaScript
//! would: signed in through the demo sign-in, GET pages, POST forms to the
//! server functions (`/rpc/...`, form-encoded, `Accept: text/html`).

use crate::support::{TestApp, spawn_app};

const PLAIN_FORM: &str = "text/html,application/xhtml+xml";

/// Form-encodes `fields` (percent-encoding everything but unreserved bytes).
fn encode(fields: &[(&str, &str)]) -> String {
    let escape = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect::<Vec<_>>().join("&")
}

/// GET `path` as `person`, signed in ("" for nobody): status and body.
async fn page_as(app: &TestApp, person: &str, path: &str) -> (u16, String) {
    let response = if person.is_empty() {
        app.client.get(format!("{}{path}", app.address)).send().await.expect("sent")
    } else {
        app.browser(person).await.get(path).await
    };
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// POSTs a plain form to a server function as `person`, from page `referer`:
/// the status and the `Location` the browser would follow.
async fn post_as(app: &TestApp, person: &str, endpoint: &str, referer: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let browser = app.browser(person).await;
    let response = browser
        .client
        .post(format!("{}/rpc/{endpoint}", app.address))
        .header("Origin", &app.address)
        .header("Accept", PLAIN_FORM)
        .header("Referer", format!("{}{referer}", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(fields))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, location)
}

/// Creates a production release of api 2.15.0 for acme in frankfurt as rita;
/// unchecked boxes leave gaps in the `targets[i]` indices, as in the form.
async fn create_release(app: &TestApp, notes: &str) -> i64 {
    let fields = [
        ("service", "api"),
        ("version", "2.15.0"),
        ("image", ""),
        ("environment", "production"),
        ("targets[3]", "acme/frankfurt"),
        ("targets[17]", "initech/ashburn"),
        ("notes", notes),
    ];
    let (status, location) = post_as(app, "rita", "create_release", "/releases/new", &fields).await;
    assert_eq!(status, 302, "created and redirected");
    location.strip_prefix("/releases/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirect to the release, got {location}"))
}

#[tokio::test]
async fn a_created_release_is_listed_and_explains_its_gate_in_words() {
    let app = spawn_app().await;
    let id = create_release(&app, "Adds invoice export").await;
    let (status, html) = page_as(&app, "rita", "/releases").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/releases/{id}\"")), "listed with a link");
    assert!(html.contains("data-state=\"blocked\""));
    assert!(html.contains("New release"), "rita may create releases");
    let (_, html) = page_as(&app, "ada", "/releases?state=ready").await;
    assert!(!html.contains(&format!("href=\"/releases/{id}\"")), "a blocked release is not ready");
    assert!(!html.contains("New release"), "ada may not create releases");

    let (status, html) = page_as(&app, "rita", &format!("/releases/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Gate closed"));
    assert!(html.contains("Needs 2 approvals from distinct approvers; has 0."));
    assert!(html.contains("9 checklist items are not yet checked"));
    assert!(html.contains("registry.airlock.internal/api:2.15.0"), "the default image");
    assert!(html.contains("initech") && html.contains("ashburn"), "both targets, despite the gap in the indices");
}

#[tokio::test]
async fn the_author_gets_no_review_form_and_approvers_do() {
    let app = spawn_app().await;
    let id = create_release(&app, "").await;
    let (_, html) = page_as(&app, "rita", &format!("/releases/{id}")).await;
    assert!(html.contains("You wrote this release; someone else must review it."));
    assert!(!html.contains("id=\"review-form\""));
    let (_, html) = page_as(&app, "ada", &format!("/releases/{id}")).await;
    assert!(html.contains("id=\"review-form\""));
    assert!(!html.contains("action=\"/rpc/check_item\""), "approvers do not tick the checklist");
    let (status, _) = page_as(&app, "", &format!("/releases/{id}")).await;
    assert_eq!(status, 303, "nobody signed in is sent to sign in");
}

#[tokio::test]
async fn ticking_every_item_and_two_approvals_open_the_gate() {
    let app = spawn_app().await;
    let id = create_release(&app, "").await;
    let page = format!("/releases/{id}");
    let id_text = id.to_string();
    for item in 1..=9 {
        let item = item.to_string();
        let fields = [("id", id_text.as_str()), ("item", item.as_str()), ("checked", "true"), ("evidence_url", ""), ("note", "")];
        let (status, location) = post_as(&app, "rita", "check_item", &page, &fields).await;
        assert_eq!((status, location), (302, format!("{page}#item-{item}")));
    }
    let (status, _) =
        post_as(&app, "rita", "review_release", &page, &[("id", &id_text), ("revision", "1"), ("decision", "approve"), ("comment", "")])
            .await;
    assert_eq!(status, 302);
    let (_, html) = page_as(&app, "rita", &page).await;
    assert!(html.contains("You wrote this release"), "the author's approval was refused");
    for approver in ["ada", "grace"] {
        let fields = [("id", id_text.as_str()), ("revision", "1"), ("decision", "approve"), ("comment", "Looks good")];
        let (status, location) = post_as(&app, approver, "review_release", &page, &fields).await;
        assert_eq!((status, location), (302, format!("{page}#reviews")));
    }
    let (_, html) = page_as(&app, "audrey", &page).await;
    assert!(html.contains("Gate open: ready to dispatch"), "{html}");
    assert!(html.contains("data-state=\"ready\""));
}

#[tokio::test]
async fn an_invalid_form_comes_back_with_messages_and_what_was_typed() {
    let app = spawn_app().await;
    let fields = [("service", "api"), ("version", "latest"), ("environment", "production"), ("notes", "keep me")];
    let (status, location) = post_as(&app, "rita", "create_release", "/releases/new", &fields).await;
    assert_eq!(status, 302);
    assert!(location.starts_with(&format!("{}/releases/new?", app.address)), "back to the form: {location}");
    let path = location.trim_start_matches(&app.address).to_owned();
    let (status, html) = page_as(&app, "rita", &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("is not a version"), "the version's message");
    assert!(html.contains("Choose at least one tenant and region."), "the targets' message");
    assert!(html.contains("keep me") && html.contains("value=\"latest\""), "the form is filled in again");
}

#[tokio::test]
async fn a_script_typed_into_the_notes_is_rendered_as_text() {
    let app = spawn_app().await;
    let id = create_release(&app, "<script>alert(1)</script>").await;
    let (status, html) = page_as(&app, "ada", &format!("/releases/{id}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert(1)</script>"), "never raw");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&lt;script>alert(1)&lt;/script>"));
}

#[tokio::test]
async fn people_without_the_role_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let (status, html) = page_as(&app, "ada", "/releases/new").await;
    assert_eq!(status, 403);
    assert!(html.contains("Only someone with the release manager or admin role may create releases."));
    let (status, html) = page_as(&app, "rita", "/audit").await;
    assert_eq!(status, 403);
    assert!(html.contains("Only someone with the auditor or admin role may read the audit log."));
    let (status, _) = page_as(&app, "", "/audit").await;
    assert_eq!(status, 303, "nobody signed in is sent to sign in");
}

#[tokio::test]
async fn the_audit_page_shows_entries_and_verifies_the_chain() {
    let app = spawn_app().await;
    let id = create_release(&app, "").await;
    let (status, html) = page_as(&app, "audrey", "/audit").await;
    assert_eq!(status, 200);
    // The demo world's job template, its three policies and 39 objects (3 environments
    // and their checklists, 5 regions, 11 clusters, 3 services, 14 tenants), sign-ins of
    // vic (the test's reader), rita and audrey, the reader's token, the release.
    assert!(html.contains("Chain intact: 48 entries verified"), "{html}");
    assert!(html.contains("release.created") && html.contains(&format!("release/{id}")));
    assert!(html.contains("session.signed_in") && html.contains("person/audrey"), "sign-ins are audited");
    let (_, html) = page_as(&app, "root", "/audit?actor=nobody").await;
    assert!(!html.contains("data-seq="), "the filter leaves nothing");
}

#[tokio::test]
async fn the_demo_sign_in_starts_a_fresh_session_and_returns_only_within_the_site() {
    let app = spawn_app().await;
    let browser = crate::support::Browser { address: app.address.clone(), client: crate::support::cookie_client() };
    let (status, _) = browser.page("/auth/login?next=/tenants").await;
    assert_eq!(status, 200);
    let response = browser.post_form("/auth/demo", "person=ada&next=%2Freleases%3Fstate%3Dblocked".into()).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/releases?state=blocked");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("airlock_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http on loopback");
    let (_, html) = browser.page("/").await;
    assert!(html.contains("data-acting=\"ada\"") && html.contains("data-testid=\"demo-banner\""));
    let response = browser.post_form("/auth/demo", "person=grace&next=//evil.example/".into()).await;
    assert_eq!(response.headers()["location"], "/");
    let response = browser.post_form("/auth/demo", "person=mallory&next=/".into()).await;
    assert_eq!(response.status().as_u16(), 401, "no such demo person");
}

#[tokio::test]
async fn the_live_channel_announces_changes_to_its_release() {
    let app = spawn_app().await;
    let id = create_release(&app, "").await;
    let (status, _) = page_as(&app, "", &format!("/live/releases/{id}")).await;
    assert_eq!(status, 401, "nobody signed in follows nothing");
    let (status, _) = app.page("/live/releases/999999").await;
    assert_eq!(status, 404);
    let mut events = app.get(&format!("/live/releases/{id}")).await;
    assert_eq!(events.status().as_u16(), 200);
    assert!(events.headers()["content-type"].to_str().expect("ascii").starts_with("text/event-stream"));
    let fields = [("id", id.to_string()), ("revision", "1".into()), ("decision", "approve".into()), ("comment", String::new())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_as(&app, "ada", "review_release", &format!("/releases/{id}"), &fields).await;
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), events.chunk())
        .await
        .expect("an event within 5 s")
        .expect("readable")
        .expect("a chunk");
    assert!(String::from_utf8_lossy(&chunk).contains("data: changed"));
}

#[tokio::test]
async fn editing_makes_a_new_revision_and_a_stale_edit_is_refused() {
    let app = spawn_app().await;
    let id = create_release(&app, "").await;
    let edit_page = format!("/releases/{id}/edit");
    let (status, html) = page_as(&app, "rita", &edit_page).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"2.15.0\"") && html.contains("name=\"revision\" value=\"1\""), "filled in from revision 1");
    let id_text = id.to_string();
    let edit = |revision: &'static str, version: &'static str| {
        [
            ("id", id_text.clone()),
            ("revision", revision.into()),
            ("service", "api".into()),
            ("environment", "production".into()),
            ("version", version.into()),
            ("targets[0]", "acme/frankfurt".into()),
        ]
    };
    let fields = edit("1", "2.15.1");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = post_as(&app, "rita", "edit_release", &edit_page, &fields).await;
    assert_eq!((status, location), (302, format!("/releases/{id}")));
    let (_, html) = page_as(&app, "rita", &format!("/releases/{id}")).await;
    assert!(html.contains("version: “2.15.0” → “2.15.1”"), "the history says what changed");
    assert!(html.contains("targets removed: initech/ashburn"));

    let fields = edit("1", "2.15.2");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = post_as(&app, "rita", "edit_release", &edit_page, &fields).await;
    assert_eq!(status, 302);
    let (_, html) = page_as(&app, "rita", location.trim_start_matches(&app.address)).await;
    assert!(html.contains("You edited revision 1, but revision 2 was saved meanwhile."), "{html}");
}

#[tokio::test]
async fn the_hydrated_apps_calls_get_a_status_that_fits_the_refusal() {
    let app = spawn_app().await;
    let (rita, ada) = (app.browser("rita").await, app.browser("ada").await);
    let call = |browser: &crate::support::Browser, endpoint: &str, body: &str| {
        browser
            .client
            .post(format!("{}/rpc/{endpoint}", app.address))
            .header("Origin", &app.address)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
    };
    let invalid = call(&rita, "create_release", "service=api&version=latest&environment=production").await.expect("sent");
    assert_eq!(invalid.status().as_u16(), 422);
    let error: serde_json::Value = invalid.json().await.expect("json");
    assert!(error["Invalid"]["errors"].as_array().is_some_and(|e| e.len() == 2), "{error}");
    let forbidden =
        call(&ada, "create_release", "service=api&version=1.0.0&environment=production&targets[0]=acme/frankfurt").await.expect("sent");
    assert_eq!(forbidden.status().as_u16(), 403);
    let missing = call(&ada, "review_release", "id=999999&revision=1&decision=approve&comment=").await.expect("sent");
    assert_eq!(missing.status().as_u16(), 404);
}
