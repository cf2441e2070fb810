//! Who may see and do what, through every way in: every role (and nobody)
//! against every page, server function and API route, on both databases.
//! A tenant admin must find no byte of another tenant in any answer.

use crate::support::{Browser, TestApp, spawn_app, spawn_app_on_postgres};
use airlock_backend::releases;
use airlock_domain::access::{Identity, Role};
use airlock_domain::gate::{ReleaseDraft, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    NoRole,
    Viewer,
    TenantAdmin,
    Auditor,
    ReleaseManager,
    Approver,
    Admin,
}

const EVERYONE: [Who; 8] =
    [Who::Nobody, Who::NoRole, Who::Viewer, Who::TenantAdmin, Who::Auditor, Who::ReleaseManager, Who::Approver, Who::Admin];

impl Who {
    /// The demo person, and the token roles, standing for this role.
    fn person(self) -> &'static str {
        match self {
            Who::Nobody => "",
            Who::NoRole => "nobody",
            Who::Viewer => "vic",
            Who::TenantAdmin => "tom",
            Who::Auditor => "audrey",
            Who::ReleaseManager => "rita",
            Who::Approver => "ada",
            Who::Admin => "root",
        }
    }

    fn token_roles(self) -> &'static [Role] {
        match self {
            Who::Nobody | Who::NoRole => &[],
            Who::Viewer => &[Role::Viewer],
            Who::TenantAdmin => &[Role::TenantAdmin],
            Who::Auditor => &[Role::Auditor],
            Who::ReleaseManager => &[Role::ReleaseManager],
            Who::Approver => &[Role::Approver],
            Who::Admin => &[Role::Admin],
        }
    }
}

/// What each kind of resource requires.
#[derive(Debug, Clone, Copy)]
enum Needs {
    Read,
    /// Reads acme only: a tenant admin of acme sees it.
    ReadAcme,
    /// Reads another tenant: a tenant admin of acme gets 404.
    ReadOther,
    Audit,
    Create,
    People,
}

/// The status a signed-in `who` gets; `denied` is what a refusal looks like there.
fn expected(who: Who, needs: Needs, ok: u16, denied: u16) -> u16 {
    let allowed = match (needs, who) {
        (_, Who::Nobody | Who::NoRole) => false,
        (Needs::Read | Needs::ReadAcme, _) => true,
        (Needs::ReadOther, Who::TenantAdmin) => return 404,
        (Needs::ReadOther, _) => true,
        (Needs::Audit, w) => matches!(w, Who::Auditor | Who::Admin),
        (Needs::Create, w) => matches!(w, Who::ReleaseManager | Who::Admin),
        (Needs::People, w) => w == Who::Admin,
    };
    if allowed { ok } else { denied }
}

struct World {
    acme: i64,
    both: i64,
}

async fn releases(app: &TestApp) -> World {
    let backend = app.backend().await;
    let rita = Identity::person("rita", &[Role::ReleaseManager]);
    let draft = |targets: &[(&str, &str)]| ReleaseDraft {
        service: "api".into(),
        version: "2.15.0".into(),
        image: String::new(),
        environment: "production".into(),
        targets: targets.iter().map(|(t, r)| Target { tenant: (*t).into(), region: (*r).into() }).collect(),
        notes: String::new(),
        image_pinned: false,
    };
    let now = chrono::Utc::now();
    let acme = releases::create(&backend, Some(&rita), draft(&[("acme", "frankfurt")]), now).await.expect("created").release.id;
    let both = releases::create(&backend, Some(&rita), draft(&[("acme", "frankfurt"), ("initech", "ashburn")]), now)
        .await
        .expect("created")
        .release
        .id;
    World { acme, both }
}

fn pages(w: &World) -> Vec<(String, Needs)> {
    vec![
        ("/".into(), Needs::Read),
        ("/tenants".into(), Needs::Read),
        ("/tenants/acme".into(), Needs::ReadAcme),
        ("/tenants/initech".into(), Needs::ReadOther),
        ("/environments/production".into(), Needs::Read),
        ("/regions/ashburn".into(), Needs::Read),
        ("/releases".into(), Needs::Read),
        (format!("/releases/{}", w.acme), Needs::ReadAcme),
        (format!("/releases/{}", w.both), Needs::ReadOther),
        ("/releases/new".into(), Needs::Create),
        (format!("/releases/{}/edit", w.acme), Needs::Create),
        ("/audit".into(), Needs::Audit),
        ("/admin/people".into(), Needs::People),
    ]
}

fn server_functions(w: &World) -> Vec<(&'static str, String, Needs)> {
    vec![
        ("overview", String::new(), Needs::Read),
        ("tenant_matrix", String::new(), Needs::Read),
        ("tenant_detail", "slug=acme".into(), Needs::ReadAcme),
        ("tenant_detail", "slug=initech".into(), Needs::ReadOther),
        ("region_detail", "name=ashburn".into(), Needs::Read),
        ("releases", String::new(), Needs::Read),
        ("release", format!("id={}", w.acme), Needs::ReadAcme),
        ("release", format!("id={}", w.both), Needs::ReadOther),
        ("audit", String::new(), Needs::Audit),
        ("people", String::new(), Needs::People),
        ("release_form", String::new(), Needs::Create),
    ]
}

fn api_routes(w: &World) -> Vec<(String, Needs)> {
    vec![
        ("/api/v1/environments".into(), Needs::Read),
        ("/api/v1/regions".into(), Needs::Read),
        ("/api/v1/clusters".into(), Needs::Read),
        ("/api/v1/services".into(), Needs::Read),
        ("/api/v1/tenants".into(), Needs::Read),
        ("/api/v1/tenants/acme/status".into(), Needs::ReadAcme),
        ("/api/v1/tenants/initech/status".into(), Needs::ReadOther),
        ("/api/v1/drift".into(), Needs::Read),
        ("/api/v1/releases".into(), Needs::Read),
        (format!("/api/v1/releases/{}", w.acme), Needs::ReadAcme),
        (format!("/api/v1/releases/{}", w.both), Needs::ReadOther),
        ("/api/v1/audit".into(), Needs::Audit),
        ("/api/v1/audit/verify".into(), Needs::Audit),
        ("/api/v1/openapi.json".into(), Needs::Read),
    ]
}

/// Every other tenant's slug and name: none may appear in what tom sees.
const OTHER_TENANTS: [&str; 8] = ["initech", "Initech", "contoso", "Contoso", "bluebird", "Bluebird", "nordwind", "Nordwind"];

/// A 404 names what was asked for ("There is no tenant initech"), exactly as
/// for a tenant that does not exist; that echo of the request is no leak.
fn assert_no_other_tenant(who: Who, what: &str, status: u16, body: &str) {
    if who == Who::TenantAdmin {
        let body = if status == 404 { body.replace("initech", "") } else { body.to_owned() };
        for other in OTHER_TENANTS {
            assert!(!body.contains(other), "{what} shows {other} to a tenant admin of acme");
        }
    }
}

async fn the_matrix_holds(app: TestApp) {
    let world = releases(&app).await;
    // Another tenant's page is indistinguishable from a tenant that does not exist.
    let tom = app.browser("tom").await;
    let main = |html: &str| html[html.find("<main").expect("main")..html.find("</main>").expect("main end")].to_owned();
    let (hidden, unknown) = (tom.page("/tenants/initech").await, tom.page("/tenants/umbrella").await);
    assert_eq!((hidden.0, main(&hidden.1).replace("initech", "?")), (unknown.0, main(&unknown.1).replace("umbrella", "?")));
    for who in EVERYONE {
        let browser = match who {
            Who::Nobody => Browser { address: app.address.clone(), client: crate::support::cookie_client() },
            _ => app.browser(who.person()).await,
        };
        for (path, needs) in pages(&world) {
            let (status, body) = browser.page(&path).await;
            let want = match who {
                Who::Nobody => 303,
                Who::NoRole => 403,
                _ => expected(who, needs, 200, 403),
            };
            assert_eq!(status, want, "{who:?} GET {path}");
            assert_no_other_tenant(who, &path, status, &body);
        }
        for (endpoint, body, needs) in server_functions(&world) {
            let response = browser
                .client
                .post(format!("{}/rpc/{endpoint}", app.address))
                .header("Origin", &app.address)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            let want = if who == Who::Nobody { 401 } else { expected(who, needs, 200, 403) };
            assert_eq!(status, want, "{who:?} POST /rpc/{endpoint} {body}");
            assert_no_other_tenant(who, endpoint, status, &response.text().await.expect("body"));
        }
        let token = match who {
            Who::Nobody => None,
            Who::NoRole => continue,   // a token always has a role
            Who::Approver => continue, // no token may hold the approver role (gate_attacks.rs)
            Who::TenantAdmin => Some(app.scoped_token("tom-token", who.token_roles(), &["acme"]).await),
            _ => Some(app.token(&format!("{}-token", who.person()), who.token_roles()).await),
        };
        for (path, needs) in api_routes(&world) {
            let response = app.get_as(&path, token.as_deref()).await;
            let status = response.status().as_u16();
            let want = if who == Who::Nobody { 401 } else { expected(who, needs, 200, 403) };
            assert_eq!(status, want, "{who:?} API GET {path}");
            assert_no_other_tenant(who, &path, status, &response.text().await.expect("body"));
        }
    }
}

#[tokio::test]
async fn every_role_sees_and_does_only_what_it_may_through_every_way_in_on_sqlite() {
    the_matrix_holds(spawn_app().await).await;
}

#[tokio::test]
async fn every_role_sees_and_does_only_what_it_may_through_every_way_in_on_postgres() {
    the_matrix_holds(spawn_app_on_postgres().await).await;
}
