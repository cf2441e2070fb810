//! Sessions from the browser's side: another site cannot use them, one
//! person with two tabs is still one approver, and an admin can end them.

use crate::support::{Browser, TestApp, spawn_app, spawn_app_on_postgres};

async fn release_count(app: &TestApp) -> usize {
    let list: Vec<serde_json::Value> = app.get("/api/v1/releases").await.json().await.expect("list");
    list.len()
}

fn create_form() -> String {
    "service=api&version=2.15.0&image=&environment=production&targets%5B0%5D=acme%2Ffrankfurt&notes=".into()
}

async fn post(browser: &Browser, path: &str, body: String, headers: &[(&str, &str)]) -> u16 {
    let mut request =
        browser.client.post(format!("{}{path}", browser.address)).header("Content-Type", "application/x-www-form-urlencoded").body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("sent").status().as_u16()
}

async fn another_site_cannot_act_with_a_signed_in_persons_session(app: TestApp) {
    let rita = app.browser("rita").await;
    let before = release_count(&app).await;
    let evil = [("Origin", "https://evil.example")];
    assert_eq!(post(&rita, "/rpc/create_release", create_form(), &evil).await, 403, "server function");
    let json =
        rita.client.post(format!("{}/api/v1/releases", app.address)).header("Origin", "https://evil.example").json(&serde_json::json!({
            "service": "api", "version": "2.15.0", "environment": "production", "targets": [{"tenant": "acme", "region": "frankfurt"}]
        }));
    assert_eq!(json.send().await.expect("sent").status().as_u16(), 403, "API with a cookie and no token");
    assert_eq!(post(&rita, "/auth/logout", String::new(), &evil).await, 403, "a page's form target");
    assert_eq!(post(&rita, "/rpc/create_release", create_form(), &[("Sec-Fetch-Site", "cross-site")]).await, 403, "fetch metadata");
    assert_eq!(post(&rita, "/rpc/create_release", create_form(), &[]).await, 403, "neither header nor token");
    assert_eq!(release_count(&app).await, before, "nothing was created");
    assert_eq!(rita.page("/").await.0, 200, "and rita is still signed in");

    let me: serde_json::Value = rita.get("/auth/me").await.json().await.expect("me");
    let token = me["csrf_token"].as_str().expect("a CSRF token").to_owned();
    assert_eq!(post(&rita, "/rpc/create_release", create_form(), &[("X-CSRF-Token", "wrong")]).await, 403);
    assert_eq!(
        post(&rita, "/rpc/create_release", create_form(), &[("X-CSRF-Token", &token), ("Accept", "text/html")]).await,
        302,
        "the session's token"
    );
    assert_eq!(
        post(&rita, "/rpc/create_release", create_form(), &[("Origin", &app.address), ("Accept", "text/html")]).await,
        302,
        "our own origin"
    );
    assert_eq!(release_count(&app).await, before + 2);
}

#[tokio::test]
async fn another_site_cannot_act_with_a_signed_in_persons_session_on_sqlite() {
    another_site_cannot_act_with_a_signed_in_persons_session(spawn_app().await).await;
}

#[tokio::test]
async fn another_site_cannot_act_with_a_signed_in_persons_session_on_postgres() {
    another_site_cannot_act_with_a_signed_in_persons_session(spawn_app_on_postgres().await).await;
}

async fn gate_state(app: &TestApp, id: &str) -> String {
    let release: serde_json::Value = app.get(&format!("/api/v1/releases/{id}")).await.json().await.expect("release");
    release["state"].as_str().expect("state").to_owned()
}

async fn one_person_in_two_tabs_is_one_approver(app: TestApp) {
    let rita = app.browser("rita").await;
    let response = rita.post_form("/rpc/create_release", create_form()).await;
    let id = response.headers()["location"].to_str().expect("ascii").trim_start_matches("/releases/").to_owned();
    for item in 1..=9 {
        let status = rita.post_form("/rpc/check_item", format!("id={id}&item={item}&checked=true&evidence_url=&note=")).await.status();
        assert_eq!(status.as_u16(), 302);
    }
    let approve = format!("id={id}&revision=1&decision=approve&comment=");
    // Two tabs share one session; a second sign-in is a second session of the same person.
    let ada_tab = app.browser("ada").await;
    let ada_second_window = app.browser("ada").await;
    for tab in [&ada_tab, &ada_tab, &ada_second_window] {
        assert_eq!(tab.post_form("/rpc/review_release", approve.clone()).await.status().as_u16(), 302);
    }
    assert_eq!(gate_state(&app, &id).await, "blocked", "ada counts once, however many tabs");
    let grace = app.browser("grace").await;
    assert_eq!(grace.post_form("/rpc/review_release", approve).await.status().as_u16(), 302);
    assert_eq!(gate_state(&app, &id).await, "ready", "two different people open it");
}

#[tokio::test]
async fn one_person_in_two_tabs_is_one_approver_on_sqlite() {
    one_person_in_two_tabs_is_one_approver(spawn_app().await).await;
}

#[tokio::test]
async fn one_person_in_two_tabs_is_one_approver_on_postgres() {
    one_person_in_two_tabs_is_one_approver(spawn_app_on_postgres().await).await;
}

#[tokio::test]
async fn an_admin_ends_someones_sessions_and_their_next_request_is_signed_out() {
    let app = spawn_app().await;
    let ada = app.browser("ada").await;
    assert_eq!(ada.page("/").await.0, 200);
    let root = app.browser("root").await;
    let (status, html) = root.page("/admin/people").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-person=\"ada\"") && html.contains("sre-seniors"), "{html}");
    assert_eq!(post(&ada, "/rpc/end_sessions", "handle=ada".into(), &[("Origin", &app.address)]).await, 403, "not an admin");
    assert_eq!(root.post_form("/rpc/end_sessions", "handle=ada".into()).await.status().as_u16(), 302);
    assert_eq!(ada.page("/").await.0, 303, "signed out");
    assert_eq!(root.page("/").await.0, 200, "the admin is not");
    let audit: serde_json::Value = app
        .get_as("/api/v1/audit?action=session.ended_by_admin", Some(&app.token("auditor", &[airlock_domain::access::Role::Auditor]).await))
        .await
        .json()
        .await
        .expect("audit");
    assert_eq!(audit["entries"][0]["subject"], "person/ada");
}
