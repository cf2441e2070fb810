//! Why a release may or may not be dispatched, item by item. It calls the
//! domain's `ReleaseDossier::verdict` with the server's `now`: in the browser
//! this is the very code the server runs inside its transaction, so the two
//! cannot disagree.

use airlock_domain::gate::{Blocker, ReleaseDossier};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn GatePanel(dossier: ReleaseDossier, now: DateTime<Utc>) -> impl IntoView {
    let verdict = dossier.verdict(now);
    let approvals = approvals_progress(&dossier, now);
    let open = verdict.is_ok();
    let body = match verdict {
        Ok(approved) => {
            let who = approved.approvers().join(", ");
            view! {
                <h2>"Gate open: ready to dispatch"</h2>
                {(!who.is_empty()).then(|| view! { <p>"Approved by "{who}"."</p> })}
            }
            .into_any()
        }
        Err(blockers) => {
            let count = blockers.len();
            let items = blockers.into_iter().map(|b| view! { <BlockerItem blocker=b/> }).collect_view();
            view! {
                <h2>"Gate closed: "{count}{if count == 1 { " reason" } else { " reasons" }}</h2>
                <ul class="blockers">{items}</ul>
            }
            .into_any()
        }
    };
    view! {
        <section class=if open { "gate gate-open" } else { "gate gate-closed" } data-testid="gate"
            data-open=open.to_string() aria-live="polite">
            {body}
            {approvals.map(|(have, need)| view! {
                <p class="approvals" data-testid="approvals">
                    <progress max=need value=have.min(need)></progress>" "
                    {have}" of "{need}" approvals"
                </p>
            })}
        </section>
    }
}

#[component]
fn BlockerItem(blocker: Blocker) -> impl IntoView {
    let kind = blocker.kind();
    match blocker {
        // Nine items in one sentence read badly: count them, then list them.
        Blocker::UncheckedItems { items } => {
            let n = items.len();
            let list = items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view();
            view! {
                <li data-kind=kind>
                    {if n == 1 { "1 checklist item is not yet checked:".to_owned() } else { format!("{n} checklist items are not yet checked:") }}
                    <ul>{list}</ul>
                </li>
            }
            .into_any()
        }
        other => view! { <li data-kind=kind>{other.message()}</li> }.into_any(),
    }
}

/// Approvals that count and approvals needed; `None` when none are needed.
/// The count is the gate's own (`counted_approvers`), not a re-derivation.
fn approvals_progress(dossier: &ReleaseDossier, now: DateTime<Utc>) -> Option<(u32, u32)> {
    let policy = &dossier.policy;
    if !policy.protected || policy.required_approvals == 0 {
        return None;
    }
    let have = u32::try_from(dossier.counted_approvers(now).len()).unwrap_or(u32::MAX);
    Some((have, policy.required_approvals))
}
