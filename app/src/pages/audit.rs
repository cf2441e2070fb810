//! The audit log, for auditors and admins: who did what to which release,
//! with the state before and after, and whether the hash chain is intact.

use crate::components::loaded::Loaded;
use crate::components::state_badge::Time;
use crate::server_fns::audit::{AUDIT_PAGE_ROWS, AuditView, load_audit};
use airlock_domain::audit::{AuditAction, AuditEntry};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let q = query.read();
        (q.get("actor"), q.get("action"), q.get("subject"))
    });
    let audit = Resource::new(move || filters.get(), |(actor, action, subject)| load_audit(actor, action, subject));
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <Loaded resource=audit render=move |audit| view! { <AuditLog audit filters=filters.get_untracked()/> }/>
    }
}

#[component]
fn AuditLog(audit: AuditView, filters: (Option<String>, Option<String>, Option<String>)) -> impl IntoView {
    let (actor, action, subject) = filters;
    let report = audit.report;
    let verified = match &report.first_broken {
        None => view! {
            <p class="chain chain-ok" data-testid="chain">{format!(
                "Chain intact: {} {} verified",
                report.entries_checked,
                if report.entries_checked == 1 { "entry" } else { "entries" }
            )}</p>
        }
        .into_any(),
        Some(broken) => view! {
            <p class="chain chain-broken" role="alert" data-testid="chain">"Chain broken: "{broken.message()}</p>
        }
        .into_any(),
    };
    // Gate and world rows the log does not record as they are: written behind Airlock's back.
    let unrecorded = (!report.unrecorded.is_empty()).then(|| {
        let rows = report.unrecorded.into_iter().map(|row| view! { <li>{row}</li> }).collect_view();
        view! {
            <div class="chain chain-broken" role="alert" data-testid="unrecorded">
                <p>"Not in the log as they are (written behind Airlock\u{2019}s back; the gate counts none of its own rows here):"</p>
                <ul>{rows}</ul>
            </div>
        }
    });
    // Configuration changes (the world file's objects and policies) apart from releases and sign-ins.
    let configuration = |a: &AuditAction| {
        let name = a.as_str();
        ["environment.", "region.", "tenant.", "service.", "cluster.", "access.", "checklist.set", "policy.set", "job_template.set"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
    };
    let options = |world: bool| {
        AuditAction::ALL
            .iter()
            .filter(|a| configuration(a) == world)
            .map(|a| {
                let selected = action.as_deref() == Some(a.as_str());
                view! { <option value=a.as_str() selected=selected>{a.as_str()}</option> }
            })
            .collect_view()
    };
    let actions = view! {
        <optgroup label="Releases, people and tokens">{options(false)}</optgroup>
        <optgroup label="Configuration (the world file)">{options(true)}</optgroup>
    };
    let shown = audit.entries.len();
    let rows = audit.entries.into_iter().map(entry_row).collect_view();
    view! {
        {verified}
        {unrecorded}
        <form class="filters" method="get" action="/audit" role="search" aria-label="Filter the audit log">
            <label for="audit-actor">"Actor"</label>
            <input type="search" id="audit-actor" name="actor" value=actor.unwrap_or_default()/>
            <label for="audit-action">"Action"</label>
            <select id="audit-action" name="action"><option value="">"any"</option>{actions}</select>
            <label for="audit-subject">"Subject"</label>
            <input type="search" id="audit-subject" name="subject" placeholder="release/12" value=subject.unwrap_or_default()/>
            <button type="submit">"Apply"</button>
        </form>
        <p class="summary">
            {if shown as u32 >= AUDIT_PAGE_ROWS { format!("The newest {shown} matching entries") } else { format!("{shown} matching entries") }}
        </p>
        <div class="table-wrap">
            <table class="data audit" data-testid="audit">
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">"Time"</th><th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th><th scope="col">"Subject"</th><th scope="col">"Change"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn entry_row(entry: AuditEntry) -> impl IntoView {
    let subject_link = entry
        .subject
        .strip_prefix("release/")
        .and_then(|rest| rest.split('/').next())
        .filter(|id| id.parse::<i64>().is_ok())
        .map(|id| format!("/releases/{id}"));
    let subject = match subject_link {
        Some(href) => view! { <a href=href>{entry.subject.clone()}</a> }.into_any(),
        None => view! { <span>{entry.subject.clone()}</span> }.into_any(),
    };
    let change = (entry.before.is_some() || entry.after.is_some()).then(|| {
        view! {
            <details>
                <summary>"before / after"</summary>
                {entry.before.map(|b| view! { <h3>"Before"</h3><pre>{b}</pre> })}
                {entry.after.map(|a| view! { <h3>"After"</h3><pre>{a}</pre> })}
            </details>
        }
    });
    view! {
        <tr data-seq=entry.seq>
            <td class="num">{entry.seq}</td>
            <td><Time at=entry.at/></td>
            <td>{entry.actor}</td>
            <td class="mono">{entry.action}</td>
            <td class="mono">{subject}</td>
            <td>{change}</td>
        </tr>
    }
}
