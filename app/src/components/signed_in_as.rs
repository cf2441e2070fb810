//! The header's "signed in as" with the sign-out button, and the demo
//! banner while the demo sign-in is on. Sign-out is a plain form post: it
//! ends the session on the server (and, for a provider sign-in, at the
//! provider), with or without JavaScript.

use crate::server_fns::identity::{Acting, load_acting};
use airlock_domain::access::Action;
use leptos::prelude::*;

/// What every page says while the demo sign-in is on (the sign-in pages too).
pub const DEMO_SIGN_IN_WARNING: &str =
    "Demo sign-in is ON: anyone who can reach this machine can act as anyone. For trying Airlock alone only, never for real releases.";

#[component]
pub fn SignedInAs() -> impl IntoView {
    let acting = Resource::new(|| (), |_| load_acting());
    view! {
        <Suspense fallback=|| ()>
            // The header never fails a page: without an answer it shows nothing.
            {move || acting.get().and_then(Result::ok).map(|acting| view! { <ActingAs acting/> })}
        </Suspense>
    }
}

#[component]
fn ActingAs(acting: Acting) -> impl IntoView {
    let banner = acting.demo.then(|| {
        view! {
            <p class="demo-banner" role="alert" data-testid="demo-banner">{DEMO_SIGN_IN_WARNING}</p>
        }
    });
    let who = acting.identity.map(|identity| {
        let roles = identity.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
        let title = acting.display_name.clone().unwrap_or_else(|| identity.name.clone());
        // Links to what only some roles may open, offered only to them.
        let may = |action| airlock_domain::access::authorize(Some(&identity), action).is_ok();
        let audit = may(Action::ReadAudit).then(|| view! { <a href="/audit">"Audit log"</a> });
        let people = may(Action::ManagePeople).then(|| view! { <a href="/admin/people">"People"</a> });
        let deliveries = may(Action::ManageDeliveries).then(|| view! { <a href="/admin/deliveries">"Deliveries"</a> });
        let waiting = acting.waiting;
        let label = format!("{waiting} waiting for your approval");
        view! {
            <nav class="role-links" aria-label="Your tools">
                <a href="/inbox" data-testid="inbox-link">
                    "Inbox"
                    <span class="count" data-inbox-count="" data-testid="inbox-count" aria-label=label hidden=waiting == 0>{waiting}</span>
                </a>
                {audit}{people}{deliveries}
            </nav>
            <form class="acting" method="post" action="/auth/logout" data-testid="acting-as" data-acting=identity.name.clone()>
                <span title=title>"Signed in as "<strong>{identity.name.clone()}</strong></span>
                <span class="muted">{format!(" ({roles})")}</span>
                <button type="submit" data-testid="sign-out">"Sign out"</button>
            </form>
        }
    });
    view! { {banner} {who} }
}
