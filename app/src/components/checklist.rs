//! The release's checklist: what is checked, by whom and when, with the
//! evidence; and for release managers a form per item to check or uncheck it.

use crate::components::failure::ActionError;
use crate::components::state_badge::Time;
use crate::server_fns::release_changes::CheckItem;
use airlock_domain::gate::ChecklistItem;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn Checklist(
    release: i64,
    items: Vec<ChecklistItem>,
    /// Whether the acting identity may check items.
    may_check: bool,
    action: ServerAction<CheckItem>,
) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <section id="checklist"><h2>"Checklist"</h2><p class="summary">"This environment has no checklist."</p></section>
        }
        .into_any();
    }
    let done = items.iter().filter(|i| i.checked.is_some()).count();
    let total = items.len();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let rows = items.into_iter().map(|item| view! { <Item release item may_check action/> }).collect_view();
    view! {
        <section id="checklist" data-testid="checklist">
            <h2>"Checklist "<span class="count">{done}" of "{total}" checked"</span></h2>
            <ActionError error/>
            <ol class="checklist">{rows}</ol>
        </section>
    }
    .into_any()
}

#[component]
fn Item(release: i64, item: ChecklistItem, may_check: bool, action: ServerAction<CheckItem>) -> impl IntoView {
    let checked = item.checked.is_some();
    let done = item.checked.clone().map(|(by, at)| view! { <span class="who">"Checked by "{by}" · "<Time at/></span> });
    // The server accepts only http(s) links; checked again before making one.
    let evidence = item.evidence_url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://")).map(|url| {
        view! { <a class="evidence" href=url.clone() rel="noopener noreferrer nofollow">"evidence"</a> }
    });
    let note = item.note.clone().map(|note| view! { <span class="note">{note}</span> });
    let form = may_check.then(|| {
        let id = item.id;
        let fields = (!checked).then(|| {
            view! {
                <label class="visually-hidden" for=format!("evidence-{id}")>"Evidence link for item "{id}</label>
                <input type="url" id=format!("evidence-{id}") name="evidence_url" placeholder="Evidence link (optional)"/>
                <label class="visually-hidden" for=format!("note-{id}")>"Note for item "{id}</label>
                <input type="text" id=format!("note-{id}") name="note" placeholder="Note (optional)"/>
            }
        });
        view! {
            <ActionForm action attr:class="check-form">
                <input type="hidden" name="id" value=release/>
                <input type="hidden" name="item" value=id/>
                <input type="hidden" name="checked" value=(!checked).to_string()/>
                {fields}
                <button type="submit" class=if checked { "secondary" } else { "" }>
                    {if checked { "Uncheck" } else { "Check" }}
                </button>
            </ActionForm>
        }
    });
    view! {
        <li id=format!("item-{}", item.id) class=if checked { "item checked" } else { "item" } data-checked=checked.to_string()>
            <span class="mark" aria-hidden="true">{if checked { "\u{2713}" } else { "\u{25CB}" }}</span>
            <div class="item-body">
                <span class="text">{item.text.clone()}</span>
                <span class="visually-hidden">{if checked { " (checked)" } else { " (not checked)" }}</span>
                <div class="item-meta">{done}" "{evidence}" "{note}</div>
                {form}
            </div>
        </li>
    }
}
