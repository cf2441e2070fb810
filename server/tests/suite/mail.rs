//! E-mail through a real SMTP server (aiosmtpd), on both databases:
//! approvers who signed in before are mailed once when a release starts
//! waiting for them (never its author, never someone who turned e-mail
//! off), its author when its gate opens; each mail has a plain and an HTML
//! part linking to the release; the inbox offers the switch.

use crate::support::smtp::{Mail, Smtp};
use crate::support::steps::{api, approve, check_all, rpc};
use crate::support::{TestApp, spawn_app_on_postgres_with, spawn_app_with};
use airlock_domain::access::Role;
use airlock_server::config::Secret;

#[tokio::test]
async fn people_are_mailed_what_waits_for_them_on_sqlite() {
    let smtp = Smtp::start().await;
    let url = smtp.url();
    mailed(spawn_app_with(move |s| s.smtp_url = Some(Secret::new(url))).await, smtp).await;
}

#[tokio::test]
async fn people_are_mailed_what_waits_for_them_on_postgres() {
    let smtp = Smtp::start().await;
    let url = smtp.url();
    mailed(spawn_app_on_postgres_with(move |s| s.smtp_url = Some(Secret::new(url))).await, smtp).await;
}

fn to(mails: &[Mail], subject: &str) -> Vec<String> {
    let mut to: Vec<String> = mails.iter().filter(|m| m.header("subject").contains(subject)).map(|m| m.header("to").to_owned()).collect();
    to.sort();
    to
}

async fn mailed(app: TestApp, smtp: Smtp) {
    // Signed in before: ada, grace and sam approve, rita writes; sam turns e-mail off.
    let (ada, grace, sam, rita) =
        (app.browser("ada").await, app.browser("grace").await, app.browser("sam").await, app.browser("rita").await);
    let (status, _) = rpc(&sam, "set_mail", "on=false").await;
    assert_eq!(status, 200);
    assert!(sam.page("/inbox").await.1.contains("data-mail=\"off\""), "sam's inbox says e-mail is off");
    assert!(ada.page("/inbox").await.1.contains("data-mail=\"on\""));

    let (status, created) =
        rpc(&rita, "create_release", "service=api&version=2.16.0&environment=production&targets[0]=acme%2Ffrankfurt&notes=Hotfix").await;
    assert_eq!(status, 200, "{created}");
    let id = created.as_i64().expect("id");
    let mails = smtp.wait("the approvers' mails", |m| to(m, "waits for your approval").len() >= 2).await;
    assert_eq!(
        to(&mails, "waits for your approval"),
        ["ada@demo.airlock.invalid", "grace@demo.airlock.invalid"],
        "never sam (off), never rita (its author)"
    );
    let mail = mails.iter().find(|m| m.header("to") == "ada@demo.airlock.invalid").expect("ada's mail");
    assert_eq!(mail.header("subject"), format!("Release #{id} api 2.16.0 to production waits for your approval"));
    assert!(mail.header("content-type").starts_with("multipart/alternative"), "{:?}", mail.headers);
    assert!(mail.body.contains("Content-Type: text/plain") && mail.body.contains("Content-Type: text/html"), "plain text and HTML");
    let link = format!("{}/releases/{id}", app.address);
    assert!(mail.body.contains(&link), "a link to the release: {}", mail.body);

    let rm = app.token("rm", &[Role::ReleaseManager]).await;
    check_all(&app, &rm, id).await;
    for person in [&ada, &grace] {
        assert_eq!(approve(person, id, 1).await.0, 200);
    }
    let mails = smtp.wait("rita's mail", |m| !to(m, "may be dispatched").is_empty()).await;
    assert_eq!(to(&mails, "may be dispatched"), ["rita@demo.airlock.invalid"]);
    assert_eq!(mails.len(), 3, "nothing else was mailed");

    let admin = app.token("admin", &[Role::Admin]).await;
    let (_, deliveries) = api(app.get_as("/api/v1/deliveries", Some(&admin)).await).await;
    let mailed: Vec<&str> = deliveries.as_array().expect("list").iter().filter_map(|d| d["receiver"].as_str()).collect();
    assert!(mailed.contains(&"mail:rita") && mailed.contains(&"mail:ada") && !mailed.contains(&"mail:sam"), "{mailed:?}");
}
