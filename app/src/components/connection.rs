//! A cluster's connection in words and colour: simulated, reachable (with
//! its version), unreachable (with why), or not checked yet.

use airlock_domain::dispatch::ClusterConnection;
use leptos::prelude::*;

#[component]
pub fn ConnectionBadge(cluster: String, connections: Vec<ClusterConnection>) -> impl IntoView {
    let known = connections.into_iter().find(|c| c.cluster == cluster);
    let (class, word, detail) = match known {
        Some(c) if c.simulated => ("connection-simulated", "simulated", Some("Jobs are recorded, never sent".to_owned())),
        Some(ClusterConnection { reachable: Some(true), detail, .. }) => ("connection-up", "reachable", detail),
        Some(ClusterConnection { reachable: Some(false), detail, .. }) => ("connection-down", "unreachable", detail),
        _ => ("connection-unknown", "not checked", None),
    };
    view! {
        <span class="cluster-connection" data-cluster=cluster.clone() data-connection=word title=detail>
            {cluster.clone()}" "<span class=format!("badge {class}")>{word}</span>
        </span>
    }
}
