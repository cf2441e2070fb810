//! Sign-in through a real OpenID provider (npm `oidc-provider`, started per
//! test): each role lands where it should, and every way of faking or
//! replaying a sign-in is refused with no session created.

use crate::support::oidc::{Followed, Login, attribute, start_provider};
use crate::support::{TestApp, spawn_app_with_provider, with_provider};
use airlock_server::config::Settings;
use airlock_server::startup::Application;
use serde_json::json;

async fn audit_reasons(app: &TestApp) -> Vec<String> {
    let backend = app.backend().await;
    let filter = airlock_backend::store::AuditFilter { action: Some("session.sign_in_failed".into()), limit: 50, ..Default::default() };
    let root = airlock_domain::access::Identity::person("root", &[airlock_domain::access::Role::Admin]);
    let entries = airlock_backend::audit::entries(&backend, Some(&root), &filter).await.expect("audit");
    entries
        .iter()
        .filter_map(|e| e.after.as_deref())
        .map(|a| serde_json::from_str::<serde_json::Value>(a).expect("json")["reason"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn each_role_signs_in_at_the_provider_and_lands_on_what_it_may_see() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;

    let rita = Login::new(&app);
    assert_eq!(rita.sign_in("/tenants%3Fq%3D", "rita", "pw-rita").await, "/tenants?q=", "back to the page first asked for");
    let me = rita.me().await.expect("signed in");
    assert_eq!((me["name"].as_str(), me["roles"].clone()), (Some("rita"), json!(["release_manager"])));
    let html = rita.client.get(format!("{}/tenants", app.address)).send().await.expect("sent").text().await.expect("body");
    assert_eq!(html.matches("data-tenant=").count(), 14, "a release manager sees every tenant");
    assert!(html.contains("data-acting=\"rita\""));

    let tom = Login::new(&app);
    tom.sign_in("/tenants", "tom", "pw-tom").await;
    let html = tom.client.get(format!("{}/tenants", app.address)).send().await.expect("sent").text().await.expect("body");
    assert_eq!(html.matches("data-tenant=").count(), 1, "a tenant admin sees their tenant only");
    assert!(html.contains("data-tenant=\"acme\"") && !html.contains("initech"));

    let nina = Login::new(&app);
    nina.sign_in("/", "nina", "pw-nina").await;
    let response = nina.client.get(format!("{}/", app.address)).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 403);
    let html = response.text().await.expect("body");
    assert!(html.contains("none of your groups grants a role") && html.contains("<code>interns</code>"), "{html}");
    let call = nina.client.post(format!("{}/rpc/overview", app.address)).header("Origin", &app.address).send().await.expect("sent");
    assert_eq!(call.status().as_u16(), 403, "server functions refuse a person without a role too");
}

#[tokio::test]
async fn a_wrong_password_fails_at_the_provider_and_creates_no_session() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;
    let browser = Login::new(&app);
    let (status, body) = browser.to_callback("/", "ada", "not-her-password").await.expect_err("refused");
    assert_eq!(status, 401);
    assert!(body.contains("Invalid username or password"));
    assert!(browser.me().await.is_none());
}

#[tokio::test]
async fn a_replayed_or_forged_state_or_a_wrong_iss_is_refused_and_audited() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;
    let browser = Login::new(&app);
    let callback = browser.to_callback("/", "ada", "pw-ada").await.expect("code issued");

    let forged = callback.replace("state=", "state=forged");
    assert_eq!(browser.callback(&forged).await.0, 401, "a state Airlock never issued");
    assert!(browser.me().await.is_none(), "nothing signed in yet");

    assert_eq!(browser.callback(&callback).await.0, 303, "the real callback works once");
    let stranger = Login::new(&app);
    assert_eq!(stranger.callback(&callback).await.0, 401, "replayed from another browser");
    assert!(stranger.me().await.is_none());
    assert_eq!(browser.callback(&callback).await.0, 401, "replayed in the same browser: the state was used");
    let other = Login::new(&app);
    let callback = other.to_callback("/", "ada", "pw-ada").await.expect("code issued");
    let wrong_iss = callback.replace("iss=", "iss=http%3A%2F%2Fevil.example&was=");
    assert_eq!(other.callback(&wrong_iss).await.0, 401, "an iss that is not our issuer");
    assert!(other.me().await.is_none());
    let reasons = audit_reasons(&app).await;
    // Failures of one reason from one source are coalesced per minute (hardening_http.rs).
    assert!(reasons.iter().any(|r| r == "state_mismatch"), "{reasons:?}");
    assert!(reasons.iter().any(|r| r == "issuer_mismatch"), "{reasons:?}");
}

#[tokio::test]
async fn a_tampered_id_token_is_refused_with_no_session_created() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;
    let cases = [
        (json!({ "nonce": "wrong" }), "nonce"),
        (json!({ "aud": "another-app" }), "audience"),
        (json!({ "exp_offset_seconds": -3600 }), "expired"),
        (json!({ "resign_with_foreign_key": true }), "signature"),
        (json!({ "iss": "http://evil.example" }), "issuer"),
    ];
    for (change, reason) in cases {
        let browser = Login::new(&app);
        let callback = browser.to_callback("/", "ada", "pw-ada").await.expect("code issued");
        provider.tamper_next_id_token(change.clone()).await;
        assert_eq!(browser.callback(&callback).await.0, 401, "{change}");
        assert!(browser.me().await.is_none(), "no session after {change}");
        assert_eq!(audit_reasons(&app).await.first().map(String::as_str), Some(reason), "{change}");
    }
    let people = airlock_backend::auth::people::list(
        &app.backend().await,
        Some(&airlock_domain::access::Identity::person("root", &[airlock_domain::access::Role::Admin])),
    )
    .await
    .expect("people");
    assert!(people.is_empty(), "nobody was recorded as signed in");
}

#[tokio::test]
async fn a_provider_whose_issuer_does_not_match_stops_the_server_at_start() {
    let provider = start_provider("localhost");
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        addr: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        oidc_issuer: Some(provider.url.clone()),
        ..with_provider(Settings::default(), &provider)
    };
    let error = Application::build(&settings).await.err().expect("refused at start");
    let message = format!("{error}: {}", std::error::Error::source(&error).map(|s| s.to_string()).unwrap_or_default());
    assert!(message.contains("cannot be used"), "{message}");
}

#[tokio::test]
async fn a_tampered_session_cookie_is_nobody() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;
    let browser = Login::new(&app);
    let callback = browser.to_callback("/", "ada", "pw-ada").await.expect("code issued");
    let response = browser.client.get(&callback).send().await.expect("sent");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("pair").to_owned();
    let (name, value) = cookie.split_once('=').expect("name=value");
    let flipped: String = value.chars().rev().collect();
    for forged in [format!("{name}={flipped}"), format!("{name}={value}x"), format!("{name}=")] {
        let response = app.client.get(format!("{}/", app.address)).header("Cookie", &forged).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 303, "{forged} is sent to sign in");
    }
    let genuine = app.client.get(format!("{}/", app.address)).header("Cookie", &cookie).send().await.expect("sent");
    assert_eq!(genuine.status().as_u16(), 200, "the genuine cookie works");
}

#[tokio::test]
async fn signing_out_ends_the_session_here_and_at_the_provider() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;
    let browser = Login::new(&app);
    browser.sign_in("/", "ada", "pw-ada").await;
    let response = browser.client.post(format!("{}/auth/logout", app.address)).header("Origin", &app.address).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 303);
    let at_provider = response.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(at_provider.starts_with(&provider.url) && at_provider.contains("id_token_hint="), "{at_provider}");
    assert!(browser.me().await.is_none(), "the session is gone at once");
    let Followed::Page { url, body, .. } = browser.follow(at_provider).await else { panic!("the provider's logout form") };
    let action = crate::support::oidc::absolute(&url, &attribute(&body, "action=\"", '"'));
    let xsrf = attribute(&body, "name=\"xsrf\" value=\"", '"');
    let done = browser.client.post(&action).form(&[("xsrf", xsrf.as_str()), ("logout", "yes")]).send().await.expect("sent");
    let back = done.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(back.starts_with(&format!("{}/auth/signed-out", app.address)), "back to Airlock: {back}");
    // Signed out at the provider too: a new sign-in asks for the password again.
    let Followed::Page { body, .. } = browser.follow(format!("{}/auth/login", app.address)).await else { panic!("a page") };
    assert!(body.contains("Password"), "the provider asks again");
}
