//! The built bundle under `/pkg/`: content-hashed names, served from the
//! build's compressed copies and cached for good; pages and unhashed files
//! never are. The site is a small fixture laid out as `cargo leptos build
//! --release` (with `hash-files`) and `scripts/precompress` lay it out, so
//! these tests need no wasm build.

use crate::support::{TestApp, spawn_app_with};
use std::path::Path;

const JS: &str = "Jm3aVZ2rPq0n1v2w3x4y5z";
const WASM: &str = "Wq9-_abcdEFGH012345678";
const CSS: &str = "Cs5tyleHashAAAAAAAAAAA";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Bytes that no compressor would produce: if the server compressed
/// anything on the fly, or again, the body would not be these.
fn copy(kind: &str, encoding: &str) -> Vec<u8> {
    format!("the build's {encoding} copy of the {kind} file").into_bytes()
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("fixture dir");
    std::fs::write(path, bytes).expect("fixture file");
}

/// A site as the release build writes it: the hash file in the site root,
/// the hashed bundle with `.br`/`.gz` beside each file, an unhashed snippet
/// (cargo-leptos never renames those) and the favicon from `public/`.
fn fixture_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("temp dir");
    let root = site.path();
    write(root, "hash.txt", format!("js: {JS}\nwasm: {WASM}\ncss: {CSS}\n").as_bytes());
    for (kind, hash) in [("js", JS), ("wasm", WASM), ("css", CSS)] {
        let file = format!("pkg/airlock.{hash}.{kind}");
        write(root, &file, &copy(kind, "identity").repeat(8));
        write(root, &format!("{file}.br"), &copy(kind, "br"));
        write(root, &format!("{file}.gz"), &copy(kind, "gzip"));
    }
    write(root, "pkg/snippets/airlock-frontend/inline0.js", &copy("snippet", "identity").repeat(8));
    write(root, "favicon.svg", &copy("favicon", "identity").repeat(8));
    site
}

async fn app_on(site: &tempfile::TempDir) -> TestApp {
    let root = site.path().to_path_buf();
    spawn_app_with(move |settings| settings.site_root = root).await
}

async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let request = app.client.get(format!("{}{path}", app.address));
    let request = match accept_encoding {
        Some(encoding) => request.header("Accept-Encoding", encoding),
        None => request,
    };
    request.send().await.expect("request sent")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).map_or("", |value| value.to_str().expect("ascii header"))
}

#[tokio::test]
async fn a_hashed_file_is_the_builds_brotli_copy_cached_for_good() {
    let site = fixture_site();
    let app = app_on(&site).await;
    for (kind, hash, content_type) in [("wasm", WASM, "application/wasm"), ("js", JS, "javascript"), ("css", CSS, "text/css")] {
        let response = fetch(&app, &format!("/pkg/airlock.{hash}.{kind}"), Some("gzip, deflate, br")).await;
        assert_eq!(response.status(), 200, "{kind}");
        assert_eq!(header(&response, "content-encoding"), "br", "{kind}");
        assert_eq!(header(&response, "cache-control"), IMMUTABLE, "{kind}");
        assert!(header(&response, "vary").to_ascii_lowercase().contains("accept-encoding"), "{kind}");
        assert!(header(&response, "content-type").contains(content_type), "{kind}: {}", header(&response, "content-type"));
        let body = response.bytes().await.expect("body");
        assert_eq!(&body[..], copy(kind, "br"), "{kind}: served as built, not compressed again");
    }
}

#[tokio::test]
async fn a_client_without_brotli_gets_the_gzip_copy_and_one_without_either_the_file() {
    let site = fixture_site();
    let app = app_on(&site).await;
    let path = format!("/pkg/airlock.{WASM}.wasm");

    let response = fetch(&app, &path, Some("gzip")).await;
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_eq!(header(&response, "cache-control"), IMMUTABLE);
    assert_eq!(&response.bytes().await.expect("body")[..], copy("wasm", "gzip"));

    let response = fetch(&app, &path, None).await;
    assert_eq!(header(&response, "content-encoding"), "");
    assert_eq!(header(&response, "cache-control"), IMMUTABLE);
    assert_eq!(&response.bytes().await.expect("body")[..], copy("wasm", "identity").repeat(8));
}

#[tokio::test]
async fn pages_and_unhashed_files_are_never_cached_for_good() {
    let site = fixture_site();
    let app = app_on(&site).await;

    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert!(!header(&page, "cache-control").contains("immutable"), "a page: {}", header(&page, "cache-control"));

    let favicon = fetch(&app, "/favicon.svg", Some("br")).await;
    assert_eq!(favicon.status(), 200);
    assert!(!header(&favicon, "cache-control").contains("immutable"), "{}", header(&favicon, "cache-control"));

    // cargo-leptos leaves wasm-bindgen's snippets unhashed: the browser must ask again.
    let snippet = fetch(&app, "/pkg/snippets/airlock-frontend/inline0.js", Some("br")).await;
    assert_eq!(snippet.status(), 200);
    assert_eq!(header(&snippet, "cache-control"), "no-cache");

    let missing = fetch(&app, "/pkg/airlock.0000000000000000000000.wasm", Some("br")).await;
    assert_eq!(missing.status(), 404);
    assert!(!header(&missing, "cache-control").contains("immutable"));
}

#[tokio::test]
async fn pages_link_the_hashed_names_the_build_wrote() {
    let site = fixture_site();
    let app = app_on(&site).await;
    let (status, html) = app.page("/tenants").await;
    assert_eq!(status, 200);
    for file in [format!("/pkg/airlock.{CSS}.css"), format!("/pkg/airlock.{JS}.js"), format!("/pkg/airlock.{WASM}.wasm")] {
        assert!(html.contains(&file), "the page links {file}");
    }
    // The plain-HTML sign-in page too, signed out.
    let response = fetch(&app, "/auth/login", None).await;
    let html = response.text().await.expect("body");
    assert!(html.contains(&format!("href=\"/pkg/airlock.{CSS}.css\"")), "{html}");
}

#[tokio::test]
async fn pages_without_an_island_link_neither_the_wasm_nor_its_loader() {
    let site = fixture_site();
    let app = app_on(&site).await;
    for path in ["/", "/environments/production", "/regions/frankfurt", "/tenants/acme", "/releases"] {
        let (status, html) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(&format!("href=\"/pkg/airlock.{CSS}.css\"")), "{path} links the stylesheet");
        assert!(html.contains("/inbox-count.js"), "{path} keeps the header's count live");
        for file in [format!("/pkg/airlock.{JS}.js"), format!("/pkg/airlock.{WASM}.wasm")] {
            assert!(!html.contains(&file), "{path} links {file}: {html}");
        }
    }
}

#[tokio::test]
async fn bundle_requests_are_counted_under_their_route_template() {
    let site = fixture_site();
    let app = app_on(&site).await;
    fetch(&app, &format!("/pkg/airlock.{JS}.js"), Some("br")).await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains(r#"route="/pkg/{*asset}""#), "{metrics}");
    assert!(!metrics.contains(JS), "file names must not become labels");
}
