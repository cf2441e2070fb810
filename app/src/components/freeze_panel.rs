//! The environment's freeze as it bears on one release: the window open now
//! (until when, and why) or the next one, any break-glass given, and for an
//! admin who did not make the release, the form to break the glass.

use crate::components::failure::ActionError;
use crate::components::state_badge::Time;
use crate::server_fns::break_glass::BreakGlass;
use airlock_domain::access::{Action, Identity, authorize, is_service_account};
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
    if !open && glass.is_none() {
        return Some(
            view! {
                <p class="hint freeze-next" id="freeze" data-testid="freeze">
                    "Next freeze: "<strong>{freeze.name.clone()}</strong>" from "<Time at=freeze.from/>" until "<Time at=freeze.until/>
                    " ("{freeze.reason.clone()}")."
                </p>
            }
            .into_any(),
        );
    }
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
                <h2>{if open { "Frozen" } else { "Freeze" }}</h2>
                <p>
                    <strong>{freeze.name.clone()}</strong>": "{freeze.reason.clone()}
                    {if open { " \u{2014} no dispatches until " } else { " \u{2014} from " }}
                    <Time at=if open { freeze.until } else { freeze.from }/>"."
                </p>
                {given}
                <ActionError error/>
                {form}
            </section>
        }
        .into_any(),
    )
}
