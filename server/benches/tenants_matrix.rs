//! Server render time of the tenants matrix at scale: 1,000 tenants × 3
//! environments × 5 regions (× 3 services in the database), on the embedded
//! SQLite default. Measures a whole request through the router, signed in as
//! a viewer (session lookup included): the page as kept once rendered
//! (`page_cache`), and rendered anew (a query the page ignores makes every
//! request another page). Run with
//! `cargo bench -p airlock-server --bench tenants_matrix`.

use airlock_backend::demo::synthetic_world;
use airlock_backend::{Backend, DatabaseTarget, connect};
use airlock_domain::access::{Identity, Role};
use airlock_server::assets::SiteAssets;
use airlock_server::auth::AuthConfig;
use airlock_server::config::Settings;
use airlock_server::routes::router;
use airlock_server::startup::leptos_options;
use airlock_server::state::{AppState, Shared, Stopping};
use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;
use tower::ServiceExt;

fn tenants_matrix(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, backend, cookie) = runtime.block_on(async {
        let store = connect(&DatabaseTarget::SqliteFile(dir.path().join("bench.db")), None).await.expect("open store");
        store.migrate().await.expect("migrate");
        store.import_world(&synthetic_world(1_000)).await.expect("seed 1,000 tenants");
        let settings = Settings { demo_sign_in: true, ..Settings::default() };
        // No live streams are opened here, so nothing watches `stopping`.
        let stopping = Stopping(tokio::sync::watch::channel(false).1);
        let backend = Backend::new(store);
        let assets = SiteAssets::load(&settings.site_root).expect("site assets");
        let state = AppState::new(Shared {
            leptos_options: leptos_options(&settings, settings.addr, &assets),
            assets: std::sync::Arc::new(assets),
            backend: backend.clone(),
            stopping,
            auth: std::sync::Arc::new(AuthConfig::from_settings(&settings, settings.addr).await.expect("demo sign-in")),
            live_slots: airlock_server::live_slots::LiveSlots::new(settings.live_streams_max, settings.live_streams_per_person),
            pages: std::sync::Arc::default(),
            sole_server: false,
            backups: None,
        });
        let app = router(state);
        let sign_in = Request::post("/auth/demo")
            .header("Origin", format!("http://{}", settings.addr))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(Body::from("person=vic&next=/"))
            .expect("request");
        let response = app.clone().oneshot(sign_in).await.expect("signed in");
        let cookie = response.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("cookie").to_owned();
        (app, backend, cookie)
    });
    let viewer = Identity::person("vic", &[Role::Viewer]);
    let render = |path: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let request = Request::get(&path).header("Cookie", cookie).body(Body::empty()).expect("request");
            let response = app.oneshot(request).await.expect("response");
            assert!(response.status().is_success());
            let html = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
            assert!(html.len() > 100_000, "the whole matrix was rendered");
        }
    };
    let mut group = c.benchmark_group("tenants_matrix_1000x3x5");
    group.sample_size(40).measurement_time(Duration::from_secs(20));
    group.bench_function("GET /tenants, kept", |b| b.iter(|| runtime.block_on(render("/tenants".to_owned()))));
    let fresh = std::sync::atomic::AtomicU64::new(0);
    let another = |path: &str| format!("{path}&fresh={}", fresh.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    group.bench_function("GET /tenants, rendered", |b| b.iter(|| runtime.block_on(render(another("/tenants?")))));
    group.bench_function("GET /tenants?q=tenant-09&health=attention, rendered", |b| {
        b.iter(|| runtime.block_on(render(another("/tenants?q=tenant-09&health=attention"))))
    });
    // The same data without rendering: separates database + matrix building from HTML.
    group.bench_function("load and build the matrix (no HTML)", |b| {
        b.iter(|| runtime.block_on(airlock_backend::status::tenant_matrix(&backend, Some(&viewer), None)).expect("matrix"))
    });
    group.finish();
}

criterion_group!(benches, tenants_matrix);
criterion_main!(benches);
