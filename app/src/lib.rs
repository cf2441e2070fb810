//! Airlock's user interface: pages, components and the server functions they
//! call. Compiled twice: with `ssr` into the server (rendering HTML, running
//! server functions against the backend) and with `hydrate` into the wasm
//! bundle (making the same HTML interactive). Only `ssr` may touch the backend.

// Deeply nested view types exceed the default limit in release wasm builds.
#![recursion_limit = "256"]

pub mod components;
pub mod error;
pub mod pages;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Whether the page at `path` has an island (the matrix filter, the release
/// forms, the live release view): only those pages load the wasm bundle;
/// every other page is HTML and CSS, with the header's small count script.
pub fn has_islands(path: &str) -> bool {
    path == "/tenants" || path.starts_with("/releases/")
}

/// The HTML document around the app, rendered once per request on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let islands = use_context::<http::request::Parts>().is_none_or(|parts| has_islands(parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let islands = true;
    let hydration = islands.then(|| view! { <HydrationScripts options=options.clone() islands=true/> });
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                // The stylesheet's content-hashed name, from the build's hash file.
                <HashedStylesheet id="airlock" options=options.clone()/>
                <AutoReload options/>
                {hydration}
                // The header's inbox count, kept live without the wasm bundle.
                <script src="/inbox-count.js" defer=true></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page renders completely on the server before the first byte is
    // sent (`SsrMode::Async`): pages work without JavaScript and a missing
    // tenant can still answer with a real 404 status.
    view! {
        <Title formatter=|title: String| if title.is_empty() { "Airlock".to_owned() } else { format!("{title} · Airlock") }/>
        <Router>
            <components::layout::Layout>
                <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
                    <Route path=path!("/") view=pages::overview::OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/tenants") view=pages::tenants::TenantsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tenants/:slug") view=pages::tenant::TenantPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:name") view=pages::environment::EnvironmentPage ssr=SsrMode::Async/>
                    <Route path=path!("/regions/:name") view=pages::region::RegionPage ssr=SsrMode::Async/>
                    <Route path=path!("/releases") view=pages::releases::ReleasesPage ssr=SsrMode::Async/>
                    <Route path=path!("/releases/new") view=pages::release_new::NewReleasePage ssr=SsrMode::Async/>
                    <Route path=path!("/releases/:id") view=pages::release::ReleasePage ssr=SsrMode::Async/>
                    <Route path=path!("/releases/:id/edit") view=pages::release_edit::EditReleasePage ssr=SsrMode::Async/>
                    <Route path=path!("/inbox") view=pages::inbox::InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=pages::audit::AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/people") view=pages::people::PeoplePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/deliveries") view=pages::deliveries::DeliveriesPage ssr=SsrMode::Async/>
                </Routes>
            </components::layout::Layout>
        </Router>
    }
}
