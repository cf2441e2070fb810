//! For admins: every event sent to a webhook, newest first, with how its
//! attempts went (status, last error, next try), narrowed by state with a
//! plain GET form; each can be sent again with a plain form post.

use crate::components::loaded::Loaded;
use crate::components::state_badge::Time;
use crate::server_fns::deliveries::{Redeliver, load_deliveries};
use airlock_domain::notify::Delivery;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| query.read().get("state"));
    let deliveries = Resource::new(move || state.get(), load_deliveries);
    let chosen = state.get_untracked().unwrap_or_default();
    let options = ["", "pending", "delivered", "failed"].map(|value| {
        let label = if value.is_empty() { "any" } else { value };
        view! { <option value=value selected=chosen == value>{label}</option> }
    });
    view! {
        <Title text="Deliveries"/>
        <h1>"Deliveries"</h1>
        <p class="muted">"Events sent to the world file's webhooks. Each is retried with doubling waits for a day; every attempt carries the same delivery id."</p>
        <form method="get" action="/admin/deliveries" class="filters">
            <label>"State "<select name="state">{options.collect_view()}</select></label>
            <button type="submit">"Show"</button>
        </form>
        <Loaded resource=deliveries render=move |deliveries| view! { <DeliveryTable deliveries/> }/>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<Delivery>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="muted" data-testid="no-deliveries">"No deliveries."</p> }.into_any();
    }
    let rows = deliveries.into_iter().map(delivery_row).collect_view();
    view! {
        <table class="deliveries" data-testid="deliveries">
            <thead>
                <tr><th scope="col">"Event"</th><th scope="col">"Receiver"</th><th scope="col">"State"</th><th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col">"When"</th><th scope="col"></th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn delivery_row(d: Delivery) -> impl IntoView {
    let answer = match (d.last_status, &d.last_error) {
        (_, Some(error)) => error.clone(),
        (Some(status), None) => status.to_string(),
        (None, None) => "not tried yet".to_owned(),
    };
    let when = match (d.delivered_at, d.next_attempt_at) {
        (Some(at), _) => view! { "delivered "<Time at/> }.into_any(),
        (None, Some(at)) => view! { "next try "<Time at/> }.into_any(),
        (None, None) => view! { "given up, made "<Time at=d.created_at/> }.into_any(),
    };
    view! {
        <tr data-delivery=d.delivery_id.clone() data-state=d.state.clone()>
            <td><code>{d.event.clone()}</code>" "<a href=format!("/releases/{}", d.release_id)>{format!("#{}", d.release_id)}</a></td>
            <td>{d.receiver.clone()}</td>
            <td><strong>{d.state.clone()}</strong></td>
            <td>{d.attempts}</td>
            <td>{answer}</td>
            <td>{when}</td>
            <td>
                <form method="post" action=Redeliver::url() class="inline">
                    <input type="hidden" name="delivery_id" value=d.delivery_id.clone()/>
                    <button type="submit" data-testid="redeliver" title=format!("Delivery {}", d.delivery_id)>"Redeliver"</button>
                </form>
            </td>
        </tr>
    }
}
