//! The frame around every page: skip link, top bar with the main navigation,
//! and the `<main>` landmark the skip link jumps to.

use crate::components::signed_in_as::SignedInAs;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Airlock"</a>
            <nav aria-label="Main">
                <A href="/" exact=true>"Overview"</A>
                <A href="/tenants">"Tenants"</A>
                <A href="/environments/production">"Production"</A>
                <A href="/releases">"Releases"</A>
            </nav>
            <SignedInAs/>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="footer">"Airlock · releases reach production only through the gate"</footer>
    }
}
