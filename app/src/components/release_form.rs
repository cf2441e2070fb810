//! The fields of the create and edit forms, an island. The server's messages
//! appear under each field after a refused submit; once hydrated, the
//! domain's own checks (`ReleaseDraft::into_content`) run in the browser as
//! you type, so you see the same messages before sending. The form around
//! them is a plain form: it posts the same with or without JavaScript.

use crate::components::hydrated::hydrated_marker;
use crate::error::PageError;
use crate::server_fns::release_changes::{draft_from_form, target_value};
use crate::server_fns::releases::ReleaseFormData;
use airlock_domain::gate::{ReleaseDraft, Target};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// Above the form: why the last submit was refused.
#[component]
pub fn FormRefusal(refused: Option<PageError>, what: &'static str) -> impl IntoView {
    refused.map(|error| {
        let message = match error {
            PageError::Invalid { .. } => format!("The release was not {what}: see the messages below."),
            other => other.to_string(),
        };
        view! { <p class="form-error" role="alert">{message}</p> }
    })
}

#[island]
pub fn ReleaseFields(
    data: ReleaseFormData,
    initial: ReleaseDraft,
    /// Why the last submit was refused, field by field.
    refused: Option<PageError>,
) -> impl IntoView {
    let hydrated = hydrated_marker();
    let editing = data.current.is_some();
    let service = RwSignal::new(initial.service.clone());
    let version = RwSignal::new(initial.version.clone());
    let image = RwSignal::new(initial.image.clone());
    let image_pinned = RwSignal::new(initial.image_pinned);
    // On an edit, the image may follow a new version: the domain needs the revision being edited.
    let previous = StoredValue::new(data.current.as_ref().map(|(_, _, content)| content.clone()));
    let environment = RwSignal::new(initial.environment.clone());
    let notes = RwSignal::new(initial.notes.clone());
    let chosen: BTreeSet<String> = initial.targets.iter().map(target_value).collect();
    let targets = RwSignal::new(chosen.clone());
    // Fields changed since the page loaded show the browser's messages; the
    // others keep showing the server's (from the refused submit).
    let touched = RwSignal::new(BTreeSet::<&'static str>::new());
    let refused = StoredValue::new(refused);
    let repositories: Vec<(String, String)> = data.services.iter().map(|s| (s.name.clone(), s.image_repository.clone())).collect();
    let repository = move |name: &str| repositories.iter().find(|(n, _)| n == name).map(|(_, r)| r.clone());
    let repository = StoredValue::new(repository);
    let local = Memo::new(move |_| {
        let targets: Vec<String> = targets.get().into_iter().collect();
        let draft =
            draft_from_form(&service.get(), &version.get(), &image.get(), image_pinned.get(), &environment.get(), &targets, &notes.get());
        let repo = repository.with_value(|f| f(&draft.service)).unwrap_or_default();
        previous.with_value(|previous| draft.into_content(&repo, previous.as_ref())).err().unwrap_or_default()
    });
    let messages = move |field: &'static str| {
        let list: Vec<String> = if touched.with(|t| t.contains(field)) {
            local.with(|errors| errors.iter().filter(|e| e.field == field).map(|e| e.message.clone()).collect())
        } else {
            refused.with_value(|e| e.as_ref().map(|e| e.field_messages(field)).unwrap_or_default())
        };
        list.into_iter().map(|m| view! { <p class="field-error">{m}</p> }).collect_view()
    };
    let touch = move |field: &'static str, value: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            value.set(event_target_value(&ev));
            touched.update(|t| {
                t.insert(field);
            });
        }
    };
    let placeholder = move || match (repository.with_value(|f| f(&service.get())), version.get()) {
        (Some(repo), v) if !v.is_empty() => format!("default: {repo}:{v}"),
        (Some(repo), _) => format!("default: {repo}:VERSION"),
        (None, _) => "default: the service's image repository, tagged with the version".to_owned(),
    };
    let select_of = |names: Vec<String>, chosen: &str| {
        names
            .into_iter()
            .map(|name| {
                let selected = name == chosen;
                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
            })
            .collect_view()
    };
    let services = select_of(data.services.iter().map(|s| s.name.clone()).collect(), &initial.service);
    let environments = select_of(data.environments.iter().map(|e| e.name.clone()).collect(), &initial.environment);
    let fixed = move |label: &'static str, name: &'static str, value: String| {
        view! {
            <div class="field">
                <span class="label">{label}</span>
                <span class="mono">{value.clone()}</span>
                <input type="hidden" name=name value=value/>
            </div>
        }
    };
    view! {
        <span hidden data-hydrated=hydrated></span>
        {if editing {
            view! {
                {fixed("Service", "service", initial.service.clone())}
                {fixed("Environment", "environment", initial.environment.clone())}
            }.into_any()
        } else {
            view! {
                <div class="field">
                    <label for="service">"Service"</label>
                    <select id="service" name="service" required on:change=touch("service", service)>
                        <option value="" selected=initial.service.is_empty()>"Choose a service"</option>
                        {services}
                    </select>
                    {move || messages("service")}
                </div>
                <div class="field">
                    <label for="environment">"Environment"</label>
                    <select id="environment" name="environment" required on:change=touch("environment", environment)>
                        <option value="" selected=initial.environment.is_empty()>"Choose an environment"</option>
                        {environments}
                    </select>
                    {move || messages("environment")}
                </div>
            }.into_any()
        }}
        <div class="field">
            <label for="version">"Version"</label>
            <input id="version" name="version" class="mono" autocomplete="off" placeholder="2.15.0"
                value=initial.version.clone() on:input=touch("version", version)/>
            {move || messages("version")}
        </div>
        <div class="field">
            <label for="image">"Image "<span class="hint">"(optional)"</span></label>
            <input id="image" name="image" class="mono wide" autocomplete="off" placeholder=placeholder
                value=initial.image.clone() on:input=touch("image", image)/>
            {move || messages("image")}
            <label class="pin">
                <input type="checkbox" name="image_pinned" value="true" checked=initial.image_pinned
                    on:change=move |ev| {
                        image_pinned.set(event_target_checked(&ev));
                        touched.update(|t| { t.insert("image"); });
                    }/>
                // (Worded without "image" or "version", so each field keeps a label of its own.)
                " Pin: deploy this tag as typed, even where it names another release number"
            </label>
        </div>
        <fieldset class="field targets">
            <legend>"Targets"</legend>
            <p class="hint">"Each tenant is offered only the regions its data residency allows; the gate blocks any other."</p>
            <TargetGrid data=data.clone() chosen targets touched/>
            {move || messages("targets")}
        </fieldset>
        <div class="field">
            <label for="notes">"Notes "<span class="hint">"(optional)"</span></label>
            <textarea id="notes" name="notes" rows="4" on:input=touch("notes", notes)>{initial.notes.clone()}</textarea>
            {move || messages("notes")}
        </div>
    }
}

/// Tenants × regions. A checkbox for every place the tenant may run (and for
/// any already chosen place, so an edit never drops one silently). Names are
/// `targets[i]`: unchecked boxes leave gaps, which the form decoding accepts.
#[component]
fn TargetGrid(
    data: ReleaseFormData,
    chosen: BTreeSet<String>,
    targets: RwSignal<BTreeSet<String>>,
    touched: RwSignal<BTreeSet<&'static str>>,
) -> impl IntoView {
    let mut index = 0usize;
    let head = data.regions.iter().map(|r| view! { <th scope="col">{r.display_name.clone()}</th> }).collect_view();
    let rows = data
        .tenants
        .iter()
        .map(|tenant| {
            let cells = data
                .regions
                .iter()
                .map(|region| {
                    let value = target_value(&Target { tenant: tenant.slug.clone(), region: region.name.clone() });
                    let checked = chosen.contains(&value);
                    if !tenant.may_run_in(&region.name) && !checked {
                        return view! { <td class="cell-not-allowed" title="not allowed by data residency"></td> }.into_any();
                    }
                    let name = format!("targets[{index}]");
                    index += 1;
                    let id = format!("target-{}-{}", tenant.slug, region.name);
                    let label = format!("{} in {}", tenant.name, region.display_name);
                    let toggle = {
                        let value = value.clone();
                        move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            targets.update(|t| {
                                if on {
                                    t.insert(value.clone())
                                } else {
                                    t.remove(&value)
                                };
                            });
                            touched.update(|t| {
                                t.insert("targets");
                            });
                        }
                    };
                    view! {
                        <td>
                            <input type="checkbox" id=id.clone() name=name value=value checked=checked on:change=toggle/>
                            <label for=id class="visually-hidden">{label}</label>
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            view! { <tr><th scope="row">{tenant.name.clone()}" "<span class="slug">{tenant.slug.clone()}</span></th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="target-grid">
                <thead><tr><th scope="col">"Tenant"</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
