//! Reviews of the current revision, and the approve / reject form. The form
//! carries the revision the reviewer is looking at, so a review never lands
//! on content the reviewer did not see.

use crate::components::failure::ActionError;
use crate::components::state_badge::Time;
use crate::server_fns::release_changes::ReviewRelease;
use airlock_domain::access::{Action, Identity, authorize};
use airlock_domain::gate::{Decision, ReleaseDossier};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn Reviews(dossier: ReleaseDossier, viewer: Option<Identity>, action: ServerAction<ReviewRelease>) -> impl IntoView {
    let (id, revision, author) = (dossier.release.id, dossier.release.revision, dossier.release.author.clone());
    let list = dossier
        .current_reviews()
        .into_iter()
        .map(|review| {
            let (verb, class) = match review.decision {
                Decision::Approve => ("approved", "review approve"),
                Decision::Reject => ("rejected", "review reject"),
            };
            let comment = (!review.comment.is_empty()).then(|| view! { <blockquote>{review.comment.clone()}</blockquote> });
            let dismissed = review.dismissed.clone().map(|why| view! { <p class="hint" data-testid="dismissed">"Dismissed: "{why}</p> });
            view! {
                <li class=class data-reviewer=review.reviewer.clone() data-decision=verb>
                    <strong>{review.reviewer.clone()}</strong>" "{verb}" revision "{review.revision}" · "<Time at=review.at/>
                    {comment}
                    {dismissed}
                </li>
            }
        })
        .collect_view();
    let none = dossier.current_reviews().is_empty();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let contributors = dossier.contributors();
    let form = match refusal(viewer.as_ref(), &author, &contributors) {
        Some(reason) => view! { <p class="hint" data-testid="no-review">{reason}</p> }.into_any(),
        None => view! {
            <ActionForm action attr:class="review-form" attr:id="review-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="revision" value=revision/>
                <label for="review-comment">"Comment "<span class="hint">"(required to reject)"</span></label>
                // A live redraw keeps what is typed here (`release_dom`).
                <textarea id="review-comment" name="comment" rows="3"></textarea>
                <div class="actions">
                    <button type="submit" name="decision" value="approve">"Approve revision "{revision}</button>
                    <button type="submit" name="decision" value="reject" class="danger">"Reject"</button>
                </div>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <section id="reviews" data-testid="reviews">
            <h2>"Reviews of revision "{revision}</h2>
            {if none {
                view! { <p class="summary">"Nobody has reviewed this revision yet."</p> }.into_any()
            } else {
                view! { <ul class="reviews">{list}</ul> }.into_any()
            }}
            <ActionError error/>
            {form}
        </section>
    }
}

/// Why the acting identity gets no review form, or `None` when it may review.
/// (The server refuses the same cases; this only saves a pointless click.)
/// The same rules the service enforces (`releases::review`), so nobody is
/// offered a button that can only be refused.
fn refusal(viewer: Option<&Identity>, author: &str, contributors: &[String]) -> Option<String> {
    let Some(viewer) = viewer else {
        return Some("Sign in to review this release.".into());
    };
    if viewer.name == author {
        return Some("You wrote this release; someone else must review it.".into());
    }
    if contributors.contains(&viewer.name) {
        return Some("You edited a revision of this release; someone else must review it.".into());
    }
    authorize(Some(viewer), Action::Review).err().map(|denied| denied.to_string())
}
