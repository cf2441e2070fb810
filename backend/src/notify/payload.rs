//! What a receiver is sent. An event carries what an auditor may read and
//! nothing more: the release as the releases API shows it when the event is
//! read, and the audit entry of the change (actor, subject and the record
//! after it, which holds what the change itself recorded). The
//! portal's address is added when it is sent, so the stored document holds
//! only the release's path.

use crate::store::ReleaseBrief;
use airlock_domain::audit::AuditEntry;
use airlock_domain::notify::{EventKind, WebhookFormat};
use serde_json::{Value, json};

/// The event document as stored.
pub(crate) fn document(kind: EventKind, release: &ReleaseBrief, entry: &AuditEntry) -> Value {
    let mut release = serde_json::to_value(release).unwrap_or_default();
    release["path"] = json!(format!("/releases/{}", release["id"]));
    // The record as the audit log holds it: JSON where it is JSON.
    let after = entry.after.as_deref().map(|text| serde_json::from_str(text).unwrap_or_else(|_| json!(text)));
    let change = json!({ "audit_seq": entry.seq, "actor": entry.actor, "action": entry.action, "subject": entry.subject, "after": after });
    json!({ "event": kind.as_str(), "at": entry.at, "release": release, "change": change })
}

/// The body a webhook of `format` receives for the stored `document`, with
/// links to the portal at `base_url`.
pub(crate) fn body(format: WebhookFormat, document: &str, base_url: &str) -> Vec<u8> {
    let mut value: Value = serde_json::from_str(document).unwrap_or_default();
    let path = value["release"]["path"].as_str().unwrap_or("/releases").to_owned();
    let url = format!("{}{path}", base_url.trim_end_matches('/'));
    value["release"]["url"] = json!(url);
    let out = match format {
        WebhookFormat::Json => value,
        WebhookFormat::Slack => slack(&value, &url),
    };
    serde_json::to_vec(&out).unwrap_or_default()
}

/// A Slack incoming-webhook message: a line of text (for notifications)
/// and blocks with the release, who acted, and a link to it.
fn slack(value: &Value, url: &str) -> Value {
    let release = &value["release"];
    let kind = value["event"].as_str().and_then(EventKind::parse);
    let what = kind.map_or("changed", EventKind::describe);
    let name = format!("{} {} to {}", text(&release["service"]), text(&release["version"]), text(&release["environment"]));
    let by = value["change"]["actor"].as_str().map(|actor| format!(" (by {})", text(&Value::from(actor)))).unwrap_or_default();
    let line = format!("Release #{} {name} {what}{by}", release["id"]);
    json!({
        "text": line,
        "blocks": [
            { "type": "section", "text": { "type": "mrkdwn", "text": format!("*<{url}|Release #{}>* {name} {what}{by}", release["id"]) } },
            { "type": "context", "elements": [ { "type": "mrkdwn", "text": format!("`{}` · state {}", text(&value["event"]), text(&release["state"])) } ] }
        ]
    })
}

/// A value as Slack's markup shows it literally (`&`, `<` and `>` are its control characters).
fn text(value: &Value) -> String {
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
