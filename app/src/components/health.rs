//! Health shown the same way everywhere: colour plus words, never colour alone.

use airlock_domain::{Health, HealthCounts};
use leptos::prelude::*;

pub fn health_class(health: Health) -> &'static str {
    match health {
        Health::Healthy => "health-healthy",
        Health::Progressing => "health-progressing",
        Health::Unknown => "health-unknown",
        Health::Degraded => "health-degraded",
        Health::Missing => "health-missing",
        Health::Failing => "health-failing",
    }
}

#[component]
pub fn HealthChip(health: Health) -> impl IntoView {
    view! { <span class=format!("health {}", health_class(health))>{health.as_str()}</span> }
}

/// "12 healthy · 1 degraded": only the states that occur, worst last.
#[component]
pub fn HealthCountsView(counts: HealthCounts) -> impl IntoView {
    let parts = Health::ALL.map(|health| (health, counts.of(health)));
    let chips = parts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(health, n)| {
            view! { <span class=format!("health {}", health_class(health))>{n}" "{health.as_str()}</span> }
        })
        .collect_view();
    view! {
        <span class="counts">
            {(counts.total() == 0).then(|| view! { <span class="health health-unknown">"no workloads"</span> })}
            {chips}
        </span>
    }
}
