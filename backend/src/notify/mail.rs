//! E-mail over SMTP (`AIRLOCK_SMTP_URL`): one mail per delivery, plain text
//! and HTML, with a link to the release. The address is read when it is
//! sent, so a person who turned e-mail off meanwhile gets none.

use super::webhook::Sent;
use airlock_domain::notify::EventKind;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use std::time::Duration;

/// How long an SMTP server has for each command of a mail…
const DEADLINE: Duration = Duration::from_secs(10);
/// …and for the whole mail: well within the worker's claim, so a slow
/// server never has the same mail sent twice at once.
const WHOLE_MAIL: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The URL is kept out of the message: it may hold a password.
    #[error(
        "AIRLOCK_SMTP_URL is not an SMTP URL Airlock can use: smtps://user:password@host:465, smtp://user:password@host:587?tls=required, or smtp://host:25 (unencrypted)"
    )]
    Url,
    #[error("AIRLOCK_MAIL_FROM is not an address: {0}")]
    From(String),
}

/// Sends mail through one SMTP server, as one sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| MailError::Url)?.timeout(Some(DEADLINE)).build();
        let from = from.parse().map_err(|_| MailError::From(from.to_owned()))?;
        Ok(Mailer { transport, from })
    }

    pub(crate) async fn send(&self, to: &str, kind: EventKind, document: &str, base_url: &str) -> Sent {
        // The address stays out of the error: admins read it, the person's address is theirs.
        let Ok(to) = to.parse::<Mailbox>() else { return Sent::Gone("their address is not one mail can go to".into()) };
        let value: Value = serde_json::from_str(document).unwrap_or_default();
        let (subject, lines, url) = words(kind, &value, base_url);
        let html = format!(
            "<p>{}</p><p><a href=\"{}\">Open the release in Airlock</a></p>",
            lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br>"),
            escape(&url)
        );
        let text = format!("{}\n\n{url}\n", lines.join("\n"));
        let message =
            Message::builder().from(self.from.clone()).to(to).subject(subject).multipart(MultiPart::alternative_plain_html(text, html));
        let message = match message {
            Ok(message) => message,
            Err(_) => return Sent::Gone("the mail could not be composed".into()),
        };
        let sent = match tokio::time::timeout(WHOLE_MAIL, self.transport.send(message)).await {
            Ok(sent) => sent,
            Err(_) => return Sent::Refused { status: None, error: format!("the SMTP server took longer than {} s", WHOLE_MAIL.as_secs()) },
        };
        match sent {
            Ok(response) => Sent::Accepted(response.code().into()),
            // A 5xx answer will not change on a retry.
            Err(error) if error.is_permanent() => Sent::Gone("the SMTP server refused the mail for good".into()),
            Err(error) if error.is_timeout() => {
                Sent::Refused { status: None, error: format!("the SMTP server did not answer within {} s", DEADLINE.as_secs()) }
            }
            Err(error) => {
                Sent::Refused { status: error.status().map(u16::from), error: "could not hand the mail to the SMTP server".into() }
            }
        }
    }
}

/// The subject, the body's lines and the release's address.
fn words(kind: EventKind, value: &Value, base_url: &str) -> (String, Vec<String>, String) {
    let release = &value["release"];
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let name = format!(
        "Release #{} {} {} to {}",
        release["id"],
        text(&release["service"]),
        text(&release["version"]),
        text(&release["environment"])
    );
    let url = format!("{}{}", base_url.trim_end_matches('/'), text(&release["path"]));
    let (subject, line) = match kind {
        EventKind::ReleaseCreated => (
            format!("{name} waits for your approval"),
            format!("{} wrote it; it needs approvals before it may reach its clusters.", text(&release["author"])),
        ),
        EventKind::GateOpened => {
            (format!("{name} may be dispatched"), "Its checklist is complete and it has the approvals it needs.".to_owned())
        }
        EventKind::JobFailed => {
            let after = &value["change"]["after"];
            let reason = after["reason"].as_str().unwrap_or("no reason given");
            (
                format!("{name}: a job failed"),
                format!("The job for {} in {} failed: {reason}", text(&after["tenant"]), text(&after["region"])),
            )
        }
        other => (format!("{name} {}", other.describe()), String::new()),
    };
    (subject.clone(), vec![subject, line], url)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
