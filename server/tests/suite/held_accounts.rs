//! A release manager's second account at the provider, in the approvers'
//! group, signing in through the real provider: held (403, no session, no
//! handle) until an admin decides on the people page or the operator on the
//! command line; merged, it signs in as rita herself.

use crate::support::oidc::{Login, start_provider};
use crate::support::{Browser, TestApp, spawn_app_on_postgres_with, spawn_app_with, with_provider};
use airlock_server::config::Settings;

/// Where sign-in through the provider starts when the demo sign-in is on too.
const OIDC: &str = "/auth/login/oidc?next=/";

/// Rita's first account signs in through the provider.
async fn rita_signs_in(app: &TestApp) -> Login {
    let rita = Login::new(app);
    let callback = rita.to_callback_from(OIDC, "rita", "pw-rita").await.expect("the provider knows rita");
    assert_eq!(rita.callback(&callback).await.0, 303, "signed in");
    rita
}

fn both_sign_ins(settings: &mut Settings, provider: &crate::support::oidc::Provider) {
    // The admin and the viewer sign in through the demo; rita through the provider.
    *settings = Settings { demo_sign_in: true, ..with_provider(settings.clone(), provider) };
}

/// Rita's second account tries to sign in: the answer's status and body.
async fn second_account_signs_in(app: &TestApp) -> (u16, String, Login) {
    let browser = Login::new(app);
    let callback = browser.to_callback_from(OIDC, "Rita", "pw-rita-too").await.expect("the provider knows the account");
    let response = browser.client.get(&callback).send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"), browser)
}

async fn decide(admin: &Browser, subject: &str, decision: &str) -> u16 {
    let form = format!("issuer={}&subject={subject}&decision={decision}", urlencode(&admin_issuer(admin).await));
    admin.post_form("/rpc/decide_account", form).await.status().as_u16()
}

async fn admin_issuer(admin: &Browser) -> String {
    let (_, html) = admin.page("/admin/people").await;
    let at = html.find("data-issuer=\"").expect("the held account's issuer is shown") + "data-issuer=\"".len();
    html[at..].split('"').next().expect("issuer").to_owned()
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn a_second_account_waits_for_an_admin_then_signs_in_as_its_person(app: TestApp) {
    let rita = rita_signs_in(&app).await;
    assert_eq!(rita.me().await.expect("signed in")["name"], "rita");

    let (status, body, held) = second_account_signs_in(&app).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("resembles someone who already signs in"), "{body}");
    assert!(held.me().await.is_none(), "no session");
    let (status, body, _) = second_account_signs_in(&app).await;
    assert_eq!(status, 403, "still held: {body}");

    let root = app.browser("root").await;
    let (status, page) = root.page("/admin/people").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"held-accounts\"") && page.contains("data-state=\"held\""), "{page}");
    assert!(page.contains("the same e-mail address as rita") && !page.contains("data-person=\"rita-2\""), "{page}");

    let viewer = app.browser("vic").await;
    assert_eq!(decide_as(&viewer, &root, "merge").await, 403, "a viewer decides nothing");
    let (_, page) = root.page("/admin/people").await;
    assert!(page.contains("data-state=\"held\""), "nothing changed");

    assert_eq!(decide(&root, "sub-Rita", "merge").await, 302, "back to the people page");
    let (status, _, merged) = second_account_signs_in(&app).await;
    assert_eq!(status, 303, "signed in");
    let me = merged.me().await.expect("signed in");
    assert_eq!((me["name"].as_str(), me["roles"].clone()), (Some("rita"), serde_json::json!(["approver"])), "rita, not a second person");
    let (_, page) = root.page("/admin/people").await;
    assert!(page.contains("data-state=\"merged\"") && !page.contains("data-testid=\"account-merge\""), "decided: {page}");
}

/// The viewer posts a decision about the account the admin's page shows.
async fn decide_as(who: &Browser, admin: &Browser, decision: &str) -> u16 {
    let form = format!("issuer={}&subject=sub-Rita&decision={decision}", urlencode(&admin_issuer(admin).await));
    // As the hydrated page calls it: a plain form post would be sent back to its form.
    let request = who.client.post(format!("{}/rpc/decide_account", who.address)).header("Origin", &who.address);
    let request = request.header("Content-Type", "application/x-www-form-urlencoded").body(form);
    request.send().await.expect("sent").status().as_u16()
}

#[tokio::test]
async fn a_second_account_waits_for_an_admin_then_signs_in_as_its_person_on_sqlite() {
    let provider = start_provider("127.0.0.1");
    a_second_account_waits_for_an_admin_then_signs_in_as_its_person(spawn_app_with(|s| both_sign_ins(s, &provider)).await).await;
}

#[tokio::test]
async fn a_second_account_waits_for_an_admin_then_signs_in_as_its_person_on_postgres() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_on_postgres_with(|s| both_sign_ins(s, &provider)).await;
    a_second_account_waits_for_an_admin_then_signs_in_as_its_person(app).await;
}

/// For when no admin can sign in: `airlock accounts list` and `decide`.
#[tokio::test]
async fn the_local_operator_lists_and_blocks_a_held_account_from_the_command_line() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_on_postgres_with(|s| both_sign_ins(s, &provider)).await;
    rita_signs_in(&app).await;
    assert_eq!(second_account_signs_in(&app).await.0, 403);
    let airlock = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_airlock"))
            .env("DATABASE_URL", app.database_url().expect("on PostgreSQL"))
            .env_remove("AIRLOCK_CONFIG")
            .args(args)
            .output()
            .expect("the CLI runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let listed = airlock(&["accounts", "list"]);
    let row = listed.lines().find(|l| l.contains("sub-Rita")).unwrap_or_else(|| panic!("{listed}"));
    assert!(row.starts_with("held") && row.contains("rita") && row.contains("same_email"), "{row}");
    let issuer = row.split("--issuer ").nth(1).and_then(|rest| rest.split(' ').next()).expect("issuer");
    let said = airlock(&["accounts", "decide", "--issuer", issuer, "--subject", "sub-Rita", "block"]);
    assert!(said.contains("refused at every sign-in"), "{said}");
    let (status, body, _) = second_account_signs_in(&app).await;
    assert_eq!(status, 403);
    assert!(body.contains("blocked this account"), "{body}");
}
