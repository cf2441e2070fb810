//! Server-rendered pages, read as a browser without JavaScript would.

use crate::support::{spawn_app, spawn_app_on_postgres};

/// The `<tr>` opening tag of a tenant's row in the matrix.
fn row_tag<'a>(html: &'a str, slug: &str) -> &'a str {
    let start = html.find(&format!("data-tenant=\"{slug}\"")).expect("row present");
    let open = html[..start].rfind("<tr").expect("row start");
    let end = start + html[start..].find('>').expect("tag end");
    &html[open..=end]
}

#[tokio::test]
async fn the_overview_shows_every_environment_and_region() {
    let app = spawn_app().await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    for name in ["development", "staging", "production", "Lagos", "Johannesburg", "Frankfurt", "Ashburn", "Singapore"] {
        assert!(html.contains(name), "overview mentions {name}");
    }
    assert!(html.contains("protected · <!>2<!> approvals") || html.contains("protected · 2 approvals"));
    assert!(html.contains("prod-fra-1"));
}

#[tokio::test]
async fn the_tenants_matrix_shows_every_tenant_with_versions_and_health() {
    let app = spawn_app().await;
    let (status, html) = app.page("/tenants").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("data-tenant=").count(), 14);
    assert!(html.contains("cell-not-allowed"), "EU tenants cannot run outside frankfurt");
    assert!(html.contains("2.14.3"));
    assert!(row_tag(&html, "dunmore-health").contains("data-health=\"degraded\""));
    assert!(!row_tag(&html, "acme").contains("hidden"));
}

#[tokio::test]
async fn a_filter_in_the_query_string_hides_the_tenants_it_does_not_match() {
    let app = spawn_app().await;
    let (status, html) = app.page("/tenants?q=acme").await;
    assert_eq!(status, 200);
    assert!(!row_tag(&html, "acme").contains("hidden"));
    assert!(row_tag(&html, "contoso").contains("hidden"));
    let (_, html) = app.page("/tenants?health=attention").await;
    assert!(!row_tag(&html, "dunmore-health").contains("hidden"));
    assert!(row_tag(&html, "acme").contains("hidden"));
}

#[tokio::test]
async fn choosing_a_service_shows_that_services_versions() {
    let app = spawn_app().await;
    let (_, html) = app.page("/tenants?service=worker").await;
    assert!(html.contains("<option value=\"worker\" selected"));
    assert!(html.contains("1.8.2"));
    assert!(!html.contains("2.14.3"), "api versions are not shown for the worker service");
}

#[tokio::test]
async fn detail_pages_render_for_existing_names() {
    let app = spawn_app().await;
    let (status, html) = app.page("/tenants/acme").await;
    assert_eq!(status, 200);
    assert!(html.contains("Acme Corp") && html.contains("tenant-acme"));
    let (status, html) = app.page("/environments/production").await;
    assert_eq!(status, 200);
    assert!(html.contains("dunmore-health"), "degraded workloads need attention");
    let (status, html) = app.page("/regions/frankfurt").await;
    assert_eq!(status, 200);
    assert!(html.contains("Bluebird Bank"));
}

#[tokio::test]
async fn unknown_names_and_addresses_answer_404() {
    let app = spawn_app().await;
    for path in ["/tenants/no-such-tenant", "/environments/qa", "/regions/mars", "/no/such/page"] {
        let (status, html) = app.page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}

#[tokio::test]
async fn text_from_the_database_is_escaped_in_pages() {
    let app = spawn_app().await;
    let (status, html) = app.page("/tenants/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(status, 404);
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&lt;script>alert(1)&lt;/script>"));
}

#[tokio::test]
async fn pages_render_the_same_way_on_postgresql() {
    let app = spawn_app_on_postgres().await;
    let (status, html) = app.page("/tenants").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("data-tenant=").count(), 14);
    let (status, _) = app.page("/tenants/acme").await;
    assert_eq!(status, 200);
}

/// Generating the page routes switches resource loading off process-wide for a
/// moment (leptos-rs/leptos#4773); a page whose data was first requested in
/// that moment used to hang forever. Starting apps while another one renders
/// pages, as the tests do all the time, must never stall a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_keep_rendering_while_other_apps_start_in_the_same_process() {
    let app = spawn_app().await;
    let starting = tokio::spawn(async {
        for _ in 0..6 {
            spawn_app().await;
        }
    });
    let mut rendered = 0;
    while !starting.is_finished() || rendered < 20 {
        let (status, html) =
            tokio::time::timeout(std::time::Duration::from_secs(10), app.page("/")).await.expect("the overview renders within 10 s");
        assert_eq!(status, 200);
        assert!(html.contains("production"));
        rendered += 1;
    }
    starting.await.expect("the other apps started");
}
