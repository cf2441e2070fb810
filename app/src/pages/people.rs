//! For admins: everyone who has signed in, with the roles their groups gave
//! them at their last sign-in, and a button that ends all their sessions.
//! Above them, accounts held at their first sign-in because they resemble
//! someone already here, each with its three decisions. Every button is a
//! plain form, so it works without JavaScript.

use crate::components::loaded::Loaded;
use crate::components::state_badge::Time;
use crate::server_fns::people::{DecideAccount, EndSessions, load_held_accounts, load_people};
use airlock_domain::access::{AccountDecision, HeldAccount, Person};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let people = Resource::new(|| (), |_| load_people());
    let held = Resource::new(|| (), |_| load_held_accounts());
    view! {
        <Title text="People"/>
        <h1>"People"</h1>
        <Loaded resource=held render=move |held| view! { <HeldAccounts held/> }/>
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

/// Nothing at all while no account was ever held.
#[component]
fn HeldAccounts(held: Vec<HeldAccount>) -> impl IntoView {
    (!held.is_empty()).then(|| {
        let rows = held.into_iter().map(held_row).collect_view();
        view! {
            <section aria-labelledby="held-heading">
                <h2 id="held-heading">"Accounts held at first sign-in"</h2>
                <p class="muted">"Each resembles someone who already signs in here. Until you decide, it cannot sign in: a second account must not become a second person who approves the first one's releases."</p>
                <table class="people" data-testid="held-accounts">
                    <thead>
                        <tr><th scope="col">"Account"</th><th scope="col">"Resembles"</th><th scope="col">"Provider"</th><th scope="col">"Last try"</th><th scope="col">"Decision"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
    })
}

fn held_row(account: HeldAccount) -> impl IntoView {
    let who = [account.display_name.clone(), account.email.clone(), account.username.clone()].into_iter().flatten().collect::<Vec<_>>();
    let decided = account.decided_by.clone().map(|by| format!(" by {by}")).unwrap_or_default();
    let buttons = account.state.is_open().then(|| {
        AccountDecision::ALL
            .into_iter()
            .filter(|d| d.state() != account.state)
            .map(|decision| decision_form(&account, decision))
            .collect_view()
    });
    view! {
        <tr data-account=account.subject.clone() data-issuer=account.issuer.clone() data-state=account.state.as_str()>
            <th scope="row">{who.join(" · ")}</th>
            <td>{account.resemblance.describe(&account.resembles)}</td>
            <td><code>{account.issuer.clone()}</code>" "<span class="muted">{account.subject.clone()}</span></td>
            <td><Time at=account.last_seen_at/></td>
            <td><strong>{account.state.as_str()}</strong>{decided}" "{buttons}</td>
        </tr>
    }
}

fn decision_form(account: &HeldAccount, decision: AccountDecision) -> impl IntoView + use<> {
    let label = match decision {
        AccountDecision::Merge => format!("Merge into {}", account.resembles),
        AccountDecision::Allow => "Allow as someone new".to_owned(),
        AccountDecision::Block => "Block".to_owned(),
    };
    view! {
        <form method="post" action=DecideAccount::url() class="inline">
            <input type="hidden" name="issuer" value=account.issuer.clone()/>
            <input type="hidden" name="subject" value=account.subject.clone()/>
            <input type="hidden" name="decision" value=decision.as_str()/>
            <button type="submit" data-testid=format!("account-{}", decision.as_str())>{label}</button>
        </form>
    }
}
