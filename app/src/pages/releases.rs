//! All releases, newest first, narrowed by a plain GET form (environment,
//! state, service), so filtering works without JavaScript.

use crate::components::loaded::Loaded;
use crate::components::state_badge::{StateBadge, Time};
use crate::server_fns::releases::{ReleaseList, load_releases};
use airlock_domain::access::{Action, authorize};
use airlock_domain::gate::ReleaseState;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Filters {
    environment: Option<String>,
    state: Option<String>,
    service: Option<String>,
}

#[component]
pub fn ReleasesPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let query = query.read();
        Filters { environment: query.get("environment"), state: query.get("state"), service: query.get("service") }
    });
    let list = Resource::new(move || filters.get(), |f| load_releases(f.environment, f.state, f.service));
    view! {
        <Title text="Releases"/>
        <Loaded resource=list render=move |list| view! { <ReleaseTable list filters=filters.get_untracked()/> }/>
    }
}

#[component]
fn ReleaseTable(list: ReleaseList, filters: Filters) -> impl IntoView {
    let may_create = authorize(list.viewer.as_ref(), Action::CreateRelease).is_ok();
    let options = |names: Vec<String>, chosen: &Option<String>| {
        names
            .into_iter()
            .map(|name| {
                let selected = chosen.as_deref() == Some(name.as_str());
                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
            })
            .collect_view()
    };
    let environments = options(list.environments, &filters.environment);
    let services = options(list.services, &filters.service);
    let states = options(ReleaseState::ALL.iter().map(|s| s.as_str().to_owned()).collect(), &filters.state);
    let count = list.rows.len();
    let rows = list
        .rows
        .into_iter()
        .map(|row| {
            view! {
                <tr data-release=row.id>
                    <td><a href=format!("/releases/{}", row.id)>"#"{row.id}</a></td>
                    <td>{row.service}</td>
                    <td class="mono">{row.version}</td>
                    <td><a href=format!("/environments/{}", row.environment)>{row.environment.clone()}</a></td>
                    <td>
                        <StateBadge state=row.state/>
                        {row.break_glass.then(|| view! { " "<span class="badge badge-break-glass" title="An admin broke the glass to pass a freeze">"break-glass"</span> })}
                    </td>
                    <td>{row.author}</td>
                    <td class="num">{row.revision}</td>
                    <td class="num">{row.targets}</td>
                    <td><Time at=row.updated_at/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="page-head">
            <h1>"Releases"</h1>
            {may_create.then(|| view! { <a class="button" href="/releases/new">"New release"</a> })}
        </div>
        <form class="filters" method="get" action="/releases" role="search" aria-label="Filter releases">
            <label for="filter-environment">"Environment"</label>
            <select id="filter-environment" name="environment"><option value="">"any"</option>{environments}</select>
            <label for="filter-state">"State"</label>
            <select id="filter-state" name="state"><option value="">"any"</option>{states}</select>
            <label for="filter-service">"Service"</label>
            <select id="filter-service" name="service"><option value="">"any"</option>{services}</select>
            <button type="submit">"Apply"</button>
        </form>
        {if count == 0 {
            view! { <p class="summary">"No release matches."</p> }.into_any()
        } else {
            view! {
                <p class="summary">{count}" releases"</p>
                <div class="table-wrap">
                    <table class="data" data-testid="releases">
                        <thead><tr>
                            <th scope="col">"Release"</th><th scope="col">"Service"</th><th scope="col">"Version"</th>
                            <th scope="col">"Environment"</th><th scope="col">"State"</th><th scope="col">"Author"</th>
                            <th scope="col">"Revision"</th><th scope="col">"Targets"</th><th scope="col">"Updated"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}
