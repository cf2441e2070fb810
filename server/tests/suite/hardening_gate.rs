//! What an attacker's read found around the gate, performed as a user would
//! (API token, a signed-in page's form) on SQLite and PostgreSQL: the
//! refusal, and what did and did not change.

use crate::support::TestApp;
use crate::support::steps::{api, approve, check, check_all, create, detail, kinds, rpc};
use airlock_domain::access::Role;
use serde_json::json;

/// Evidence A approved, then re-posted with A and a note, then replaced by B:
/// the note edit must not make the approvals look older than the evidence.
async fn a_note_edit_then_an_evidence_swap_still_dismisses_the_approvals(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200);
    }
    let checked_before = detail(&app, id).await["checklist"][0].clone();
    let path = format!("/api/v1/releases/{id}/checklist/1");
    let note_only = json!({"checked": true, "evidence_url": "https://ci.example.com/runs/1", "note": "re-run, same result"});
    let (status, after_note) = api(app.post_json(&path, Some(&rita), &note_only).await).await;
    assert_eq!((status, after_note["state"].as_str()), (200, Some("ready")), "a note changes nothing the gate relies on");
    let item = &after_note["checklist"][0];
    assert_eq!((&item["at"], &item["by"]), (&checked_before["at"], &checked_before["by"]), "who checked it, and when, stay");
    assert_eq!(item["note"], "re-run, same result");

    let swapped = check(&app, &rita, id, 1, "https://ci.example.com/runs/forged").await;
    assert_eq!(swapped["state"], "blocked", "{swapped}");
    assert_eq!(kinds(&swapped), ["too_few_approvals", "dismissed_approval", "dismissed_approval"]);
    let (status, refusal) = api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(&rita), &json!({})).await).await;
    assert_eq!((status, refusal["code"].as_str()), (409, Some("gate_closed")), "{refusal}");
    let (_, jobs) = api(app.get(&format!("/api/v1/releases/{id}/jobs")).await).await;
    assert_eq!(jobs, json!([]), "nothing was dispatched");

    // The same two steps through the page's own form dismiss a fresh approval too.
    let ada = app.browser("ada").await;
    assert_eq!(approve(&ada, id, 1).await.0, 200);
    let rita_page = app.browser("rita").await;
    let form = |evidence: &str, note: &str| format!("id={id}&item=1&checked=true&evidence_url={evidence}&note={note}");
    assert_eq!(rpc(&rita_page, "check_item", &form("https%3A%2F%2Fci.example.com%2Fruns%2Fforged", "a+note")).await.0, 200);
    assert_eq!(rpc(&rita_page, "check_item", &form("https%3A%2F%2Fci.example.com%2Fruns%2Fthird", "a+note")).await.0, 200);
    let after = detail(&app, id).await;
    assert_eq!((after["state"].as_str(), after["approvals"].as_u64()), (Some("blocked"), Some(0)), "{after}");
}

/// A staging release of `api` 3.0.0 with the default image, its version
/// edited on the page: the image must follow, or the page must refuse.
async fn a_page_edit_of_the_version_deploys_the_image_it_shows(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let release =
        json!({"service": "api", "version": "3.0.0", "environment": "staging", "targets": [{"tenant": "acme", "region": "frankfurt"}]});
    let (status, created) = api(app.post_json("/api/v1/releases", Some(&rita), &release).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let old_image = created["image"].as_str().expect("image").to_owned();
    assert!(old_image.ends_with("/api:3.0.0"), "{old_image}");
    let repository = old_image.trim_end_matches(":3.0.0").to_owned();

    // The edit form sends back the image it was filled with.
    let page = app.browser("rita").await;
    let form = |revision: u32, version: &str, image: &str, pinned: bool| {
        let image = image.replace(':', "%3A").replace('/', "%2F");
        let pin = if pinned { "&image_pinned=true" } else { "" };
        format!(
            "id={id}&revision={revision}&service=api&version={version}&image={image}{pin}&environment=staging&targets[0]=acme/frankfurt&notes="
        )
    };
    assert_eq!(rpc(&page, "edit_release", &form(1, "3.0.1", &old_image, false)).await.0, 200);
    let after = detail(&app, id).await;
    assert_eq!((after["version"].as_str(), after["image"].as_str()), (Some("3.0.1"), Some(format!("{repository}:3.0.1").as_str())));

    // An image that says another version is refused, field by field, and nothing is saved…
    let (status, refusal) = rpc(&page, "edit_release", &form(2, "3.0.2", &old_image, false)).await;
    assert_eq!(status, 422, "{refusal}");
    assert!(refusal.to_string().contains("tagged 3.0.0"), "{refusal}");
    assert_eq!(detail(&app, id).await["revision"], 2);
    // …unless the editor pins it, on purpose.
    assert_eq!(rpc(&page, "edit_release", &form(2, "3.0.2", &old_image, true)).await.0, 200);
    let pinned = detail(&app, id).await;
    assert_eq!((pinned["version"].as_str(), pinned["image"].as_str()), (Some("3.0.2"), Some(old_image.as_str())));

    // The API keeps the same rule: a version bump alone takes the default image along…
    let path = format!("/api/v1/releases/{id}");
    let (status, unpinned) = api(app.patch_json(&path, Some(&rita), &json!({"version": "3.0.3", "revision": 3})).await).await;
    assert_eq!(
        (status, unpinned["errors"][0]["field"].as_str()),
        (422, Some("image")),
        "the pinned image must be pinned again: {unpinned}"
    );
    let default_again = json!({"version": "3.0.3", "image": "", "revision": 3});
    let (status, bumped) = api(app.patch_json(&path, Some(&rita), &default_again).await).await;
    assert_eq!((status, bumped["image"].as_str()), (200, Some(format!("{repository}:3.0.3").as_str())), "{bumped}");
    let (status, followed) = api(app.patch_json(&path, Some(&rita), &json!({"version": "3.0.4", "revision": 4})).await).await;
    assert_eq!((status, followed["image"].as_str()), (200, Some(format!("{repository}:3.0.4").as_str())), "{followed}");
    // …and a contradicting image on create is refused unless pinned.
    let contradicting = json!({"service": "api", "version": "3.1.0", "image": format!("{repository}:3.0.0"), "environment": "staging",
        "targets": [{"tenant": "acme", "region": "frankfurt"}]});
    let (status, refusal) = api(app.post_json("/api/v1/releases", Some(&rita), &contradicting).await).await;
    assert_eq!((status, refusal["errors"][0]["field"].as_str()), (422, Some("image")), "{refusal}");
    let mut pinned_create = contradicting.clone();
    pinned_create["image_pinned"] = json!(true);
    assert_eq!(api(app.post_json("/api/v1/releases", Some(&rita), &pinned_create).await).await.0, 201);
}

crate::on_both_apps!(
    a_note_edit_then_an_evidence_swap_still_dismisses_the_approvals,
    a_page_edit_of_the_version_deploys_the_image_it_shows,
);
