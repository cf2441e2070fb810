//! What a cluster says about a failed Job, read once with the cluster's own
//! credentials when it fails: the newest events of the Job and of its newest
//! Pod, and the last lines of that Pod's log, capped in size. It is kept in
//! the job's record only (the release page shows it), never elsewhere.

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{ListParams, LogParams};

/// Lines of the Pod's log kept.
const LOG_LINES: i64 = 50;
/// The most the whole detail may hold.
pub const MAX_BYTES: usize = 16 * 1024;
/// Events kept per object.
const EVENTS: usize = 10;

/// The detail of Job `name` in `namespace`, in words for the page.
pub(super) async fn read(client: &kube::Client, namespace: &str, name: &str) -> String {
    let mut text = String::new();
    text.push_str(&events(client, namespace, name, "Job").await);
    let pods: kube::Api<Pod> = kube::Api::namespaced(client.clone(), namespace);
    let listed = pods.list(&ListParams::default().labels(&format!("job-name={name}"))).await;
    let newest = match listed {
        Ok(list) => list.items.into_iter().max_by_key(|p| p.metadata.creation_timestamp.clone().map(|t| t.0)),
        Err(error) => {
            text.push_str(&format!("Pods could not be listed: {}\n", super::worker::describe(&error)));
            None
        }
    };
    match newest.and_then(|p| p.metadata.name) {
        None => text.push_str("No Pod of this Job was found.\n"),
        Some(pod) => {
            text.push_str(&events(client, namespace, &pod, "Pod").await);
            let params = LogParams { tail_lines: Some(LOG_LINES), limit_bytes: Some(MAX_BYTES as i64), ..LogParams::default() };
            match pods.logs(&pod, &params).await {
                Ok(log) if log.trim().is_empty() => text.push_str(&format!("The log of Pod {pod} is empty (it may never have started).\n")),
                Ok(log) => text.push_str(&format!("Last {LOG_LINES} lines of the log of Pod {pod}:\n{log}\n")),
                Err(error) => text.push_str(&format!("The log of Pod {pod} could not be read: {}\n", super::worker::describe(&error))),
            }
        }
    }
    cap(text)
}

/// The newest events about object `name` of `kind`, oldest first, one per line.
async fn events(client: &kube::Client, namespace: &str, name: &str, kind: &str) -> String {
    let api: kube::Api<Event> = kube::Api::namespaced(client.clone(), namespace);
    let selector = format!("involvedObject.name={name},involvedObject.kind={kind}");
    let mut events = match api.list(&ListParams::default().fields(&selector)).await {
        Ok(list) => list.items,
        Err(error) => return format!("Events of {kind} {name} could not be read: {}\n", super::worker::describe(&error)),
    };
    if events.is_empty() {
        return format!("No events of {kind} {name}.\n");
    }
    events.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0).or_else(|| e.event_time.clone().map(|t| t.0)));
    let mut text = format!("Events of {kind} {name}:\n");
    for event in events.iter().rev().take(EVENTS).rev() {
        let kind = event.type_.as_deref().unwrap_or("Normal");
        let reason = event.reason.as_deref().unwrap_or("");
        let message = event.message.as_deref().unwrap_or("");
        text.push_str(&format!("  {kind} {reason}: {message}\n"));
    }
    text
}

/// At most [`MAX_BYTES`], cut at a character boundary, saying so.
fn cap(mut text: String) -> String {
    if text.len() <= MAX_BYTES {
        return text;
    }
    let mut end = MAX_BYTES - 32;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str("\n[cut at 16 KiB]\n");
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_detail_is_cut_at_a_character_boundary_and_says_so() {
        let long = "é".repeat(super::MAX_BYTES);
        let cut = super::cap(long);
        assert!(cut.len() <= super::MAX_BYTES && cut.ends_with("[cut at 16 KiB]\n"));
        assert_eq!(super::cap("short".into()), "short");
    }
}
