//! A real SMTP server for the e-mail tests: `aiosmtpd` (installed by
//! scripts/bootstrap) on a free loopback port, keeping every message it
//! receives as a file in a Maildir the test reads.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Smtp {
    pub port: u16,
    maildir: tempfile::TempDir,
    process: Child,
}

/// One received mail: its headers (names lowercased) and its body with
/// quoted-printable soft line breaks joined.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
}

impl Smtp {
    pub async fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port();
        let maildir = tempfile::tempdir().expect("maildir");
        let mut process = Command::new("aiosmtpd")
            .args(["-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd runs (scripts/bootstrap installs it; source scripts/bootstrap --env-only)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Smtp { port, maildir, process };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = process.kill();
        let _ = process.wait();
        panic!("aiosmtpd did not listen on {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Mail> {
        let new: PathBuf = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        entries.filter_map(Result::ok).filter_map(|e| std::fs::read_to_string(e.path()).ok()).map(|text| parse(&text)).collect()
    }

    /// Waits (up to 30 s) until `done` holds for the mails received.
    pub async fn wait(&self, what: &str, done: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        for _ in 0..300 {
            let mails = self.mails();
            if done(&mails) {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "never received {what}: {:?}",
            self.mails().iter().map(|m| (m.header("to").to_owned(), m.header("subject").to_owned())).collect::<Vec<_>>()
        );
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn parse(text: &str) -> Mail {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        match (line.starts_with([' ', '\t']), headers.last_mut()) {
            (true, Some((_, value))) => value.push_str(line.trim_start()),
            _ => {
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
                }
            }
        }
    }
    Mail { headers, body: body.replace("=\n", "") }
}
