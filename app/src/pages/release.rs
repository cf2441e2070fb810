//! One release: what it ships where, its gate explained, the checklist, the
//! reviews and the history, all rendered on the server. Every change is a
//! plain form (no JavaScript needed). With JavaScript, the `LiveRelease`
//! island redraws the page in place from the server's own render when anyone
//! changes the release, and sends its forms without leaving the page.

use crate::components::checklist::Checklist;
use crate::components::freeze_panel::FreezePanel;
use crate::components::gate_panel::GatePanel;
use crate::components::history::History;
use crate::components::jobs::Jobs;
use crate::components::live_release::LiveRelease;
use crate::components::loaded::Loaded;
use crate::components::reviews::Reviews;
use crate::components::state_badge::{StateBadge, Time};
use crate::error::PageError;
use crate::server_fns::break_glass::BreakGlass;
use crate::server_fns::dispatch::{DispatchRelease, RollBackRelease};
use crate::server_fns::release_changes::{CheckItem, ReviewRelease};
use crate::server_fns::releases::{ReleaseView, load_release};
use airlock_domain::access::{Action, authorize};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ReleasePage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").and_then(|s| s.parse::<i64>().ok());
    // On the server these only carry a refused plain form post's message
    // (from the address) to the form it belongs to.
    let check = ServerAction::<CheckItem>::new();
    let review = ServerAction::<ReviewRelease>::new();
    let actions = DispatchActions {
        dispatch: ServerAction::<DispatchRelease>::new(),
        rollback: ServerAction::<RollBackRelease>::new(),
        break_glass: ServerAction::<BreakGlass>::new(),
    };
    let release = Resource::new(
        move || id,
        |id| async move {
            match id {
                Some(id) => load_release(id).await,
                None => Err(PageError::NotFound { what: "such release".into() }),
            }
        },
    );
    view! {
        <Loaded resource=release render=move |view| {
            let id = view.dossier.release.id;
            // The revision this reader is shown: a live push of another one
            // does not replace it under their eyes (`release_dom`).
            let revision = view.dossier.release.revision;
            view! {
                <div class="release-page" data-live="closed" data-revision=revision>
                    <ReleaseDetail view check review actions/>
                </div>
                <LiveRelease id/>
            }
        }/>
    }
}

/// The page's dispatch and rollback forms.
#[derive(Clone, Copy)]
struct DispatchActions {
    dispatch: ServerAction<DispatchRelease>,
    rollback: ServerAction<RollBackRelease>,
    break_glass: ServerAction<BreakGlass>,
}

#[component]
fn ReleaseDetail(
    view: ReleaseView,
    check: ServerAction<CheckItem>,
    review: ServerAction<ReviewRelease>,
    actions: DispatchActions,
) -> impl IntoView {
    let ReleaseView { dossier, jobs, rollback, now, viewer } = view;
    let release = dossier.release.clone();
    let content = &release.content;
    let id = release.id;
    let state = dossier.state(now);
    let digest = content.digest();
    let short = digest.as_str().chars().take(12).collect::<String>();
    let may_edit = authorize(viewer.as_ref(), Action::EditRelease).is_ok();
    let may_check = authorize(viewer.as_ref(), Action::CheckItem).is_ok();
    let targets = content
        .targets
        .iter()
        .map(|t| view! { <li><a href=format!("/tenants/{}", t.tenant)>{t.tenant.clone()}</a>" in "{t.region.clone()}</li> })
        .collect_view();
    let notes = (!content.notes.is_empty()).then(|| view! { <dt>"Notes"</dt><dd class="notes">{content.notes.clone()}</dd> });
    view! {
        <Title text=format!("Release #{id}: {} {}", content.service, content.version)/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/releases">"Releases"</a>" / #"{id}</nav>
        <div class="page-head">
            <h1>
                {content.service.clone()}" "<span class="mono">{content.version.clone()}</span>" \u{2192} "
                <a href=format!("/environments/{}", content.environment)>{content.environment.clone()}</a>
                " "<StateBadge state/>
            </h1>
            {may_edit.then(|| view! { <a class="button" href=format!("/releases/{id}/edit")>"Edit release"</a> })}
        </div>
        <p class="summary">
            "Release #"{id}" · revision "{release.revision}" · written by "<strong>{release.author.clone()}</strong>
            " · created "<Time at=dossier.created_at/>" · updated "<Time at=dossier.updated_at/>
        </p>
        <dl class="facts">
            <dt>"Image"</dt><dd class="mono">{content.image.clone()}</dd>
            <dt>"Content digest"</dt><dd class="mono" title=digest.to_string()>{short}</dd>
            <dt>{format!("Targets ({})", content.targets.len())}</dt><dd><ul class="targets">{targets}</ul></dd>
            {notes}
        </dl>
        <GatePanel dossier=dossier.clone() now/>
        <FreezePanel dossier=dossier.clone() now viewer=viewer.clone() action=actions.break_glass/>
        <Jobs dossier=dossier.clone() jobs now viewer=viewer.clone() policy=rollback dispatch=actions.dispatch rollback=actions.rollback/>
        <Checklist release=id items=dossier.checklist.clone() may_check action=check/>
        <Reviews dossier=dossier.clone() viewer action=review/>
        <History revisions=dossier.revisions/>
    }
}
