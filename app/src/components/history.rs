//! Every revision of a release, newest first, with what changed from the one
//! before it (the domain's `changes`).

use crate::components::state_badge::Time;
use airlock_domain::gate::{Change, Revision, changes};
use leptos::prelude::*;

#[component]
pub fn History(revisions: Vec<Revision>) -> impl IntoView {
    let mut entries = Vec::with_capacity(revisions.len());
    for (index, revision) in revisions.iter().enumerate() {
        let what = match index.checked_sub(1).and_then(|prev| revisions.get(prev)) {
            None => view! { <p>"Created."</p> }.into_any(),
            Some(previous) => {
                let items = changes(&previous.content, &revision.content).into_iter().map(change_item).collect_view();
                view! { <ul class="changes">{items}</ul> }.into_any()
            }
        };
        entries.push(view! {
            <li data-revision=revision.number>
                <strong>"Revision "{revision.number}</strong>" by "{revision.by.clone()}" · "<Time at=revision.at/>
                {what}
            </li>
        });
    }
    entries.reverse();
    view! {
        <section id="history">
            <h2>"History"</h2>
            <ol class="history" reversed>{entries}</ol>
        </section>
    }
}

fn change_item(change: Change) -> impl IntoView {
    let text = if change.field == "targets" {
        // For targets, `before` lists the removed ones and `after` the added.
        match (change.before.is_empty(), change.after.is_empty()) {
            (true, _) => format!("targets added: {}", change.after),
            (_, true) => format!("targets removed: {}", change.before),
            _ => format!("targets added: {}; removed: {}", change.after, change.before),
        }
    } else {
        let show = |text: &str| if text.is_empty() { "(empty)".to_owned() } else { format!("\u{201c}{text}\u{201d}") };
        format!("{}: {} \u{2192} {}", change.field, show(&change.before), show(&change.after))
    };
    view! { <li>{text}</li> }
}
