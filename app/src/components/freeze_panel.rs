//! The environment's freeze as it bears on one release: the window open now
//! (until when, and why) or the next one, any break-glass given, and for an
//! admin who did not make the release, the form to break the glass.

use crate::components::failure::ActionError;
use crate::components::state_badge::Time;
use crate::server_fns::break_glass::BreakGlass;
use airlock_domain::access::{Action, Identity, authorize, is_service_account};
use airlock_domain::freeze::OpenFreeze;
use airlock_domain::gate::ReleaseDossier;
use chrono::{DateTime, Utc};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn FreezePanel(
    dossier: ReleaseDossier,
    now: DateTime<Utc>,
    viewer: Option<Identity>,
    action: ServerAction<BreakGlass>,
) -> Option<AnyView> {
    let id = dossier.release.id;
    let glass = dossier.policy.break_glass.clone();
    let freeze = dossier.policy.freeze.clone()?;
    let open = freeze.is_open_at(now);
    let may_break = viewer.as_ref().is_some_and(|v| {
        authorize(Some(v), Action::BreakGlass).is_ok() && !is_service_account(&v.name) && !dossier.contributors().contains(&v.name)
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let given = glass.clone().map(|g| {
        view! {
            <p class="break-glass" data-testid="break-glass">
                "Glass broken by "<strong>{g.by}</strong>" "<Time at=g.at/>": \u{201c}"{g.reason}"\u{201d}. "
                "It needs one approval more than usual."
            </p>
        }
    });
    let form = (open && glass.is_none() && may_break).then(|| {
        view! {
            <ActionForm action attr:class="break-glass-form" attr:id="break-glass-form">
                <input type="hidden" name="id" value=id/>
                <label for="break-glass-reason">"Why can this release not wait until the freeze ends?"</label>
                <textarea id="break-glass-reason" name="reason" rows="2" required maxlength="2000"></textarea>
                <div class="actions">
                    <button type="submit" class="danger">"Break the glass"</button>
                </div>
            </ActionForm>
        }
    });
    Some(
        view! {
            <section id="freeze" class="freeze" data-testid="freeze" data-open=open.to_string()>
                <h2>{heading(open)}</h2>
                <FreezeLine freeze open/>
                {given}
                <ActionError error/>
                {form}
            </section>
        }
        .into_any(),
    )
}

/// What the section is about: a window open now, or the next one.
pub fn heading(open: bool) -> &'static str {
    if open { "Frozen" } else { "Next freeze" }
}

/// A window in one line: until when it is open, or when it opens and closes.
#[component]
pub fn FreezeLine(freeze: OpenFreeze, open: bool) -> impl IntoView {
    let OpenFreeze { name, reason, from, until } = freeze;
    view! {
        <p>
            <strong>{name}</strong>": "{reason}
            {if open {
                view! { " \u{2014} no dispatches until "<Time at=until/>"." }.into_any()
            } else {
                view! { " \u{2014} from "<Time at=from/>" until "<Time at=until/>"." }.into_any()
            }}
        </p>
    }
}
