//! What an attacker tries at the door, performed over HTTP as they would:
//! redirects out of the site after sign-in, floods of forged sign-ins,
//! another site signing a visitor in, DNS rebinding, made-up methods in the
//! metrics, and credential references in what readers get.

use crate::support::oidc::{Login, start_provider};
use crate::support::{Browser, TestApp, cookie_client, spawn_app, spawn_app_on_postgres, spawn_app_with_provider};

/// Every way a return path can lead to another site once a browser reads the
/// `Location` it ends up in (TAB, CR and LF dropped, backslash as slash).
const ELSEWHERE: [&str; 12] = [
    "%2F%09%2Fevil.example",
    "%2F%0A%2Fevil.example",
    "%2F%0D%2Fevil.example",
    "%09%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "%2F%5Cevil.example",
    "%5C%2Fevil.example",
    "%2F%252F%2Fevil.example",
    "%2F%255Cevil.example",
    "https%3A%2F%2Fevil.example",
    "javascript%3Aalert(1)",
    "%2F%09%09%2Fevil.example%2Fx%3Fy%3D1",
];

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn no_return_path_leads_to_another_site_after_the_demo_sign_in() {
    let app = spawn_app().await;
    for next in ELSEWHERE {
        let browser = Browser { address: app.address.clone(), client: cookie_client() };
        let response = browser.post_form("/auth/demo", format!("person=ada&next={next}")).await;
        assert_eq!((response.status().as_u16(), location(&response)), (303, "/".to_owned()), "next={next}");
        let (status, page) = browser.page(&format!("/auth/login?next={next}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("name=\"next\" value=\"/\""), "the sign-in page carries / for next={next}");
    }
    let browser = Browser { address: app.address.clone(), client: cookie_client() };
    let response = browser.post_form("/auth/demo", "person=ada&next=%2Freleases%2F3%3Ftab%3Dhistory%23reviews".into()).await;
    assert_eq!(location(&response), "/releases/3?tab=history#reviews", "a path on this site is kept");
}

#[tokio::test]
async fn another_site_cannot_sign_a_visitor_in_nor_reach_the_portal_under_its_own_name() {
    let app = spawn_app().await;
    let client = cookie_client();
    let demo = |origin: Option<&str>, host: Option<&str>| {
        let mut request = client
            .post(format!("{}/auth/demo", app.address))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("person=root&next=/");
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        if let Some(host) = host {
            request = request.header("Host", host);
        }
        request.send()
    };
    // Login CSRF: a form on another site, or one that says nothing of where it comes from.
    assert_eq!(demo(Some("https://evil.example"), None).await.expect("sent").status().as_u16(), 403);
    assert_eq!(demo(None, None).await.expect("sent").status().as_u16(), 403);
    let me = client.get(format!("{}/auth/me", app.address)).send().await.expect("sent");
    assert_eq!(me.status().as_u16(), 401, "nobody was signed in");
    // DNS rebinding: the page of evil.example, resolved to this machine, names its own host.
    let rebound = demo(Some("http://evil.example:3000"), Some("evil.example:3000")).await.expect("sent");
    assert_eq!(rebound.status().as_u16(), 421);
    let read = client.get(format!("{}/health/live", app.address)).header("Host", "evil.example").send().await.expect("sent");
    assert_eq!(read.status().as_u16(), 421, "every answer, not only the sign-in");
    assert_eq!(demo(Some(&app.address), None).await.expect("sent").status().as_u16(), 303, "our own sign-in page works");
    let localhost = app.address.replace("127.0.0.1", "localhost");
    let by_name = client.get(format!("{}/health/live", app.address)).header("Host", localhost.trim_start_matches("http://"));
    assert_eq!(by_name.send().await.expect("sent").status().as_u16(), 200, "localhost is this machine too");
}

#[tokio::test]
async fn made_up_methods_do_not_make_new_metric_series() {
    let app = spawn_app().await;
    for method in ["BREW", "XYZZY", "GETX"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a token");
        app.client.request(method, format!("{}/", app.address)).send().await.expect("sent");
    }
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.expect("sent").text().await.expect("body");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    for invented in ["BREW", "XYZZY", "GETX"] {
        assert!(!metrics.contains(invented), "{invented} became a label");
    }
}

/// A reader's region and environment pages, and the server functions behind
/// them, say which clusters serve but never where their credentials are.
async fn readers_never_get_a_clusters_credential_reference(app: TestApp) {
    let vic = app.browser("vic").await;
    for (function, body) in [("region_detail", "name=frankfurt"), ("environment_detail", "name=production")] {
        let (status, answer) = crate::support::steps::rpc(&vic, function, body).await;
        assert_eq!(status, 200, "{function}");
        let text = answer.to_string();
        assert!(text.contains("frankfurt"), "{function}: {text}");
        assert!(!text.contains("credentials_ref"), "{function}: {text}");
    }
    for page in ["/regions/frankfurt", "/environments/production"] {
        let (status, html) = vic.page(page).await;
        assert_eq!(status, 200);
        assert!(!html.contains("credentials_ref"), "{page}");
    }
}

#[tokio::test]
async fn readers_never_get_a_clusters_credential_reference_on_sqlite() {
    readers_never_get_a_clusters_credential_reference(spawn_app().await).await;
}

#[tokio::test]
async fn readers_never_get_a_clusters_credential_reference_on_postgres() {
    readers_never_get_a_clusters_credential_reference(spawn_app_on_postgres().await).await;
}

async fn failed_sign_ins(app: &TestApp) -> Vec<serde_json::Value> {
    let backend = app.backend().await;
    let filter = airlock_backend::store::AuditFilter { action: Some("session.sign_in_failed".into()), limit: 500, ..Default::default() };
    let root = airlock_domain::access::Identity::person("root", &[airlock_domain::access::Role::Admin]);
    let entries = airlock_backend::audit::entries(&backend, Some(&root), &filter).await.expect("audit");
    entries.iter().filter_map(|e| e.after.as_deref()).map(|a| serde_json::from_str(a).expect("json")).collect()
}

/// Seconds until the cookie expires, from `Max-Age` or `Expires`.
fn cookie_lifetime(set_cookie: &str) -> i64 {
    for attribute in set_cookie.split(';').map(str::trim) {
        if let Some(seconds) = attribute.strip_prefix("Max-Age=") {
            return seconds.parse().expect("seconds");
        }
        if let Some(date) = attribute.strip_prefix("Expires=") {
            let at = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000")).expect("an HTTP date");
            return (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
        }
    }
    panic!("the cookie has no lifetime: {set_cookie}")
}

#[tokio::test]
async fn forged_sign_ins_cannot_grow_the_audit_log_nor_keep_sessions_for_hours() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with_provider(&provider).await;
    for i in 0..100 {
        let response = app.client.get(format!("{}/auth/callback?state=forged-{i}&code=x", app.address)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 401);
    }
    let failures = failed_sign_ins(&app).await;
    // The first failure of a minute is written at once; the rest are one more entry after it.
    assert!((1..=2).contains(&failures.len()), "{failures:?}");
    assert_eq!(failures[0]["reason"], "state_mismatch");
    assert_eq!(failures[0]["source"], "127.0.0.1");

    // A sign-in started without a cookie is kept minutes, not a signed-in session's hours.
    let start = app.client.get(format!("{}/auth/login/oidc?next=/", app.address)).send().await.expect("sent");
    assert_eq!(start.status().as_u16(), 303);
    let cookie = start.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(cookie_lifetime(&cookie) <= 600, "{cookie}");

    // Signing in all the way gives the full lifetime back, and a TAB in next leads home.
    let browser = Login::new(&app);
    assert_eq!(browser.sign_in("%2F%09%2Fevil.example", "ada", "pw-ada").await, "/");
    let me = browser.client.get(format!("{}/auth/me", app.address)).send().await.expect("sent");
    assert_eq!(me.status().as_u16(), 200);
    let page = browser.client.get(format!("{}/", app.address)).send().await.expect("sent");
    assert_eq!(page.status().as_u16(), 200, "signed in");
}

#[tokio::test]
async fn no_other_site_may_frame_a_page_or_run_a_script_in_it() {
    let app = spawn_app().await;
    let ada = app.browser("ada").await;
    for path in ["/", "/tenants", "/releases", "/releases/new", "/auth/login", "/health/live", "/no-such-page"] {
        let response = ada.get(path).await;
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let policy = header("content-security-policy");
        assert!(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'self'"), "{path}: {policy}");
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        assert_eq!((header("x-frame-options"), header("x-content-type-options")), ("DENY".into(), "nosniff".into()), "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        let html = response.text().await.expect("body");
        // Every inline script (the islands' loader, the resource bootstraps) runs only with this answer's nonce;
        // the one file a page loads besides the bundle (the header's live count) comes from this origin.
        let external = html.matches("<script src=\"/inbox-count.js\"").count();
        assert!(external <= 1, "{path}");
        let scripts = html.matches("<script").count() - external;
        // Only the pages with an island load the bundle.
        let loaders = usize::from(matches!(path, "/tenants" | "/releases/new"));
        match html.find(" nonce=\"") {
            Some(at) => {
                let nonce = html[at + 8..].split('"').next().unwrap_or_default();
                assert!(nonce.len() >= 16 && policy.contains(&format!("'nonce-{nonce}'")), "{path}: {nonce} in {policy}");
                assert_eq!(html.matches(&format!("<script type=\"module\" nonce=\"{nonce}\">")).count(), loaders, "{path}");
                assert_eq!(
                    html.matches(&format!("<script nonce=\"{nonce}\">")).count() + loaders,
                    scripts,
                    "{path}: a script without the nonce"
                );
            }
            None => assert_eq!(scripts, 0, "{path}: a script without a nonce"),
        }
    }
    // A kept page is sent with the policy it was rendered with, so its nonce still matches.
    let first = ada.get("/").await.headers()["content-security-policy"].clone();
    let again = ada.get("/").await;
    assert_eq!(again.headers()["content-security-policy"], first);
}
