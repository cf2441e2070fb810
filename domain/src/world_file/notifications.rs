//! The world file's `notifications` section: the webhooks Airlock tells of
//! what happens to releases. A webhook's secret is named (an environment
//! variable or a file the server reads when it delivers), never written here.

use crate::notify::WebhookFormat;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<Webhook>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub name: String,
    pub url: String,
    /// The environment variable holding the signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// The file holding the signing secret (say, a mounted Secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<String>,
    #[serde(default, skip_serializing_if = "WebhookFormat::is_default")]
    pub format: WebhookFormat,
    /// Event names (`review.approved`, …), checked against `EventKind`.
    pub events: Vec<String>,
}

impl Webhook {
    /// Whether this webhook is told of `kind`.
    pub fn wants(&self, kind: crate::notify::EventKind) -> bool {
        self.events.iter().any(|e| e == kind.as_str())
    }
}
