//! The checks of a world file that need the server: each cluster's
//! connection and API server, each recurring freeze's schedule and time
//! zone, and each job template's text.

use super::parse::Lines;
use super::{WorldProblem, sentence};
use crate::dispatch::credentials::{Credentials, kubeconfig_server};
use crate::dispatch::template::JobTemplate;
use crate::store::StoredTemplate;
use airlock_domain::freeze::FreezeWindow;
use airlock_domain::world_file::{CheckedWorld, Place};
use std::collections::BTreeMap;

/// Where a recurring window or cluster sits in the file.
fn at(list: &str, index: usize) -> Place {
    Place::root().key(list).index(index)
}

/// Fills in each cluster's API server where the connection names it, and
/// names every connection, schedule or time zone that cannot be read.
pub(super) fn clusters_and_freezes(world: &mut CheckedWorld, lines: &Lines, problems: &mut Vec<WorldProblem>) {
    for (i, cluster) in world.world.clusters.iter_mut().enumerate() {
        let place = at("clusters", i);
        let credentials = match Credentials::parse(&cluster.credentials_ref) {
            Ok(credentials) => credentials,
            Err(e) => {
                problems.push(lines.problem(&place.key("connection"), sentence(&e.to_string())));
                continue;
            }
        };
        if cluster.api_url.is_empty() {
            cluster.api_url = match &credentials {
                Credentials::Simulated => format!("simulated://{}", cluster.name),
                Credentials::InCluster => "https://kubernetes.default.svc".to_owned(),
                Credentials::Kubeconfig { path, context } => match kubeconfig_server(std::path::Path::new(path), context.as_deref()) {
                    Ok(server) => server,
                    Err(e) => {
                        problems.push(lines.problem(&place.key("connection"), sentence(&e.to_string())));
                        continue;
                    }
                },
                Credentials::Token { .. } => {
                    problems.push(lines.problem(&place, "A token connection needs api_url: the API server's https URL."));
                    continue;
                }
            };
        }
        if credentials != Credentials::Simulated && !cluster.api_url.starts_with("https://") {
            problems.push(lines.problem(&place.key("api_url"), "A cluster's API server URL must start with https://."));
        }
    }
    for (e, environment) in world.world.environments.iter().enumerate() {
        for (f, freeze) in environment.freezes.iter().enumerate() {
            if let FreezeWindow::Recurring { cron, time_zone, .. } = &freeze.window
                && let Err(message) = crate::freeze_clock::check_recurring(cron, time_zone)
            {
                let place = at("environments", e).key("freezes").index(f);
                problems.push(lines.problem(&place, sentence(&message)));
            }
        }
    }
}

/// Each environment's template text, by environment: from `files` (read
/// beside the world file), else the stored one when the path is the stored
/// path (the API reads no files). A template that does not pass its checks
/// is named with its own line.
pub(super) fn templates(
    world: &CheckedWorld,
    files: &BTreeMap<String, String>,
    stored: &BTreeMap<String, StoredTemplate>,
    lines: &Lines,
    problems: &mut Vec<WorldProblem>,
) -> BTreeMap<String, StoredTemplate> {
    let mut texts = BTreeMap::new();
    for file in &world.job_templates {
        let text = match (files.get(&file.path), stored.get(&file.environment)) {
            (Some(text), _) => text.clone(),
            (None, Some(kept)) if kept.path.as_deref() == Some(file.path.as_str()) => kept.text.clone(),
            (None, _) => {
                let message = format!(
                    "The job template {} was not handed over with the file: apply it with `airlock apply -f`, which reads it beside the world file.",
                    file.path
                );
                problems.push(lines.problem(&file.place, message));
                continue;
            }
        };
        match JobTemplate::parse(&text) {
            Ok(template) => {
                texts.insert(file.environment.clone(), StoredTemplate { path: Some(file.path.clone()), text: template.text().to_owned() });
            }
            Err(e) => problems.push(lines.problem(&file.place, format!("The job template {} is not valid: {e}", file.path))),
        }
    }
    texts
}
