//! For admins: everyone who has signed in, with the roles their groups gave
//! them at their last sign-in, and a button that ends all their sessions.
//! The button is a plain form, so it works without JavaScript.

use crate::components::loaded::Loaded;
use crate::components::state_badge::Time;
use crate::server_fns::people::{EndSessions, load_people};
use airlock_domain::access::Person;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let people = Resource::new(|| (), |_| load_people());
    view! {
        <Title text="People"/>
        <h1>"People"</h1>
        <p class="muted">"Everyone who has signed in. Roles come from their groups at the identity provider and are recomputed at every sign-in."</p>
        <Loaded resource=people render=move |people| view! { <PeopleTable people/> }/>
    }
}

#[component]
fn PeopleTable(people: Vec<Person>) -> impl IntoView {
    let rows = people.into_iter().map(person_row).collect_view();
    view! {
        <table class="people" data-testid="people">
            <thead>
                <tr><th scope="col">"Person"</th><th scope="col">"Roles"</th><th scope="col">"Groups"</th><th scope="col">"Last sign-in"</th><th scope="col">"Sessions"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn person_row(person: Person) -> impl IntoView {
    let roles = person.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
    let roles = if person.tenants.is_empty() { roles } else { format!("{roles} ({})", person.tenants.join(", ")) };
    let who = match (&person.display_name, &person.email) {
        (Some(name), _) => name.clone(),
        (None, Some(email)) => email.clone(),
        (None, None) => String::new(),
    };
    let open = person.open_sessions;
    view! {
        <tr data-person=person.handle.clone()>
            <th scope="row"><strong>{person.handle.clone()}</strong>" "<span class="muted">{who}</span></th>
            <td>{if roles.is_empty() { "none".to_owned() } else { roles }}</td>
            <td>{person.groups.join(", ")}</td>
            <td><Time at=person.last_sign_in_at/></td>
            <td>
                {open}
                {(open > 0).then(|| view! {
                    <form method="post" action=EndSessions::url() class="inline">
                        <input type="hidden" name="handle" value=person.handle.clone()/>
                        <button type="submit" data-testid="end-sessions">"End sessions"</button>
                    </form>
                })}
            </td>
        </tr>
    }
}
