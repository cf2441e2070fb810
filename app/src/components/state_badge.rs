//! A release's state in words and colour (never colour alone).

use airlock_domain::gate::ReleaseState;
use leptos::prelude::*;

#[component]
pub fn StateBadge(state: ReleaseState) -> impl IntoView {
    view! { <span class=format!("badge state state-{}", state.as_str()) data-state=state.as_str()>{state.as_str()}</span> }
}

/// Times as the pages show them: UTC to the minute, machine-readable too.
#[component]
pub fn Time(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{at.format("%Y-%m-%d %H:%M UTC").to_string()}</time> }
}
