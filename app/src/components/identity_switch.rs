//! "Acting as": who the server thinks is acting, and (in development only) a
//! switch between the demo people. The switch is a plain form posting to the
//! server function, not an `<ActionForm>`, on purpose: identity changes what
//! every part of every page may show, so the browser should load the page
//! afresh after switching, with or without JavaScript.

use crate::server_fns::identity::{load_acting, Acting, SwitchIdentity};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

#[component]
pub fn IdentitySwitch() -> impl IntoView {
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
    let location = use_location();
    // Back to this very page, minus a previous form error in the query.
    let back = move || {
        let search: Vec<String> = location
            .search
            .get()
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("__err=") && !pair.starts_with("__path="))
            .map(str::to_owned)
            .collect();
        let path = location.pathname.get();
        if search.is_empty() { path } else { format!("{path}?{}", search.join("&")) }
    };
    let current = acting.identity.as_ref().map(|i| i.name.clone()).unwrap_or_default();
    let Some(people) = acting.switch else {
        return acting
            .identity
            .map(|identity| view! { <p class="acting" data-testid="acting-as">"Signed in as "<strong>{identity.name}</strong></p> })
            .into_any();
    };
    let options = people
        .into_iter()
        .map(|person| {
            let roles = person.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
            let selected = person.name == current;
            view! { <option value=person.name.clone() selected=selected>{format!("{} ({roles})", person.name)}</option> }
        })
        .collect_view();
    view! {
        <form class="acting" method="post" action=SwitchIdentity::url() data-testid="acting-as" data-acting=current.clone()>
            <span class="badge badge-dev" title="Anyone can act as anyone: never turn this on in production">"development only"</span>
            <label for="acting-as">"Acting as"</label>
            <select id="acting-as" name="name">
                <option value="" selected=current.is_empty()>"nobody"</option>
                {options}
            </select>
            <input type="hidden" name="back" value=back/>
            <button type="submit">"Switch"</button>
        </form>
    }
    .into_any()
}
