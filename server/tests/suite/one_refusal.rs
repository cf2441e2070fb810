//! One refusal, one status: whichever way a request comes in — the API, a
//! page's server function, a rendered page or a live stream — a refusal
//! answers the status and code the backend gave it, on SQLite and PostgreSQL.

use crate::support::steps::{api, approve, check_all, create, rpc};
use crate::support::{Browser, TestApp, cookie_client};
use airlock_domain::access::Role;
use serde_json::{Value, json};

/// The status and code a page's server function answered with; its body is
/// the `PageError` as JSON (`{"Refused": {"status", "code", …}}`).
fn page_refusal((status, body): (u16, Value)) -> (u16, String) {
    let code = match body.as_object().and_then(|o| o.keys().next()).map(String::as_str) {
        Some("Refused") => body["Refused"]["code"].as_str().unwrap_or_default().to_owned(),
        Some("NotFound") => "not_found".to_owned(),
        Some("Invalid") => "invalid".to_owned(),
        other => format!("unexpected body {other:?}: {body}"),
    };
    (status, code)
}

fn api_refusal((status, body): (u16, Value)) -> (u16, String) {
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

/// Asks the same thing both ways and expects the same answer from each.
fn same(what: &str, through_api: (u16, Value), through_page: (u16, Value), expected: (u16, &str)) {
    let expected = (expected.0, expected.1.to_owned());
    assert_eq!(api_refusal(through_api), expected, "{what}, through the API");
    assert_eq!(page_refusal(through_page), expected, "{what}, through a page's server function");
}

async fn each_refusal_answers_one_status_through_the_api_and_the_pages(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let rita_page = app.browser("rita").await;
    let nobody = Browser { address: app.address.clone(), client: cookie_client() };
    let id = create(&app, &rita).await;
    let release = format!("/api/v1/releases/{id}");

    same(
        "nobody signed in",
        api(app.get_as(&release, None).await).await,
        rpc(&nobody, "release", &format!("id={id}")).await,
        (401, "unauthenticated"),
    );
    let vic = app.token("vic", &[Role::Viewer]).await;
    let new_release =
        json!({"service": "api", "version": "9.0.0", "environment": "staging", "targets": [{"tenant": "acme", "region": "frankfurt"}]});
    let form = "service=api&version=9.0.0&environment=staging&targets[]=acme/frankfurt";
    same(
        "a viewer creating a release",
        api(app.post_json("/api/v1/releases", Some(&vic), &new_release).await).await,
        rpc(&app.browser("vic").await, "create_release", form).await,
        (403, "forbidden"),
    );
    same(
        "a release that does not exist",
        api(app.get_as("/api/v1/releases/999999", Some(&rita)).await).await,
        rpc(&rita_page, "release", "id=999999").await,
        (404, "not_found"),
    );
    assert_eq!(rita_page.page("/releases/999999").await.0, 404, "the rendered page");
    assert_eq!(rita_page.get("/live/releases/999999").await.status().as_u16(), 404, "the live stream");
    assert_eq!(nobody.get(&format!("/live/releases/{id}")).await.status().as_u16(), 401, "the live stream, signed out");
    let mut blank = new_release.clone();
    blank["version"] = json!("");
    same(
        "a release without a version",
        api(app.post_json("/api/v1/releases", Some(&rita), &blank).await).await,
        rpc(&rita_page, "create_release", "service=api&version=&environment=staging&targets[]=acme/frankfurt").await,
        (422, "invalid"),
    );
    same(
        "an edit of a revision that is not the current one",
        api(app.patch_json(&release, Some(&rita), &json!({"version": "2.15.1", "revision": 7})).await).await,
        rpc(
            &rita_page,
            "edit_release",
            &format!("id={id}&revision=7&service=api&version=2.15.1&environment=production&targets[]=acme/frankfurt"),
        )
        .await,
        (409, "stale_revision"),
    );
    let dispatch = format!("{release}/dispatch");
    same(
        "a dispatch through a closed gate",
        api(app.post_json(&dispatch, Some(&rita), &json!({})).await).await,
        rpc(&rita_page, "dispatch_release", &format!("id={id}&revision=1")).await,
        (409, "gate_closed"),
    );

    // Open the gate, then lose the cluster: 503 everywhere, not 409 on pages.
    check_all(&app, &rita, id).await;
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200);
    }
    app.raw_sql(
        "UPDATE clusters SET api_url = 'https://127.0.0.1:9', credentials_ref = 'token-env:AIRLOCK_NO_SUCH_TOKEN' \
         WHERE environment = 'production' AND region = 'frankfurt'",
    )
    .await;
    // As `airlock clusters check` does; the server's own checks find the same.
    let (backend, operator) = app.operator().await;
    airlock_backend::dispatch::admin::check_clusters(&backend, &operator).await.expect("checked");
    same(
        "a dispatch to a cluster that cannot be reached",
        api(app.post_json(&dispatch, Some(&rita), &json!({})).await).await,
        rpc(&rita_page, "dispatch_release", &format!("id={id}&revision=1")).await,
        (503, "cluster_unreachable"),
    );
    let (_, jobs) = api(app.get_as(&format!("{release}/jobs"), Some(&rita)).await).await;
    assert_eq!(jobs, json!([]), "nothing was sent either way");
}

crate::on_both_apps!(each_refusal_answers_one_status_through_the_api_and_the_pages);

/// A database that cannot take a write answers 503 `unavailable` through the
/// API and through a page alike (a page used to say 503 for every store
/// failure and the API 500 for some).
#[tokio::test]
async fn a_database_that_cannot_take_a_write_answers_503_through_the_api_and_a_page() {
    use sqlx::Connection;
    let app = crate::support::spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let rita_page = app.browser("rita").await;
    let path = app.sqlite_path().expect("the embedded default");
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
    sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut holder).await.expect("locked");
    let release =
        json!({"service": "api", "version": "9.0.1", "environment": "staging", "targets": [{"tenant": "acme", "region": "frankfurt"}]});
    same(
        "a release created while another process holds the write lock",
        api(app.post_json("/api/v1/releases", Some(&rita), &release).await).await,
        rpc(&rita_page, "create_release", "service=api&version=9.0.1&environment=staging&targets[]=acme/frankfurt").await,
        (503, "unavailable"),
    );
    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.expect("released");
}
