//! `airlock accounts`: the local operator's view of held provider accounts,
//! and their decisions, for when no admin can sign in to decide (say, the
//! only admin's new account is the one held).

use crate::commands::migrated;
use crate::config::Settings;
use crate::startup::StartupError;
use airlock_backend::auth::accounts;
use airlock_domain::access::AccountDecision;

/// One line per held account: state, whom it resembles and why, who it is.
pub async fn list(settings: &Settings) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let held = accounts::list(&backend, &operator).await?;
    if held.is_empty() {
        println!("No account is held: every first sign-in so far was someone new.");
        return Ok(());
    }
    println!("{:<8} {:<16} {:<14} {:<30} {:<17} ACCOUNT", "STATE", "RESEMBLES", "BECAUSE", "E-MAIL", "LAST SEEN");
    for account in held {
        println!(
            "{:<8} {:<16} {:<14} {:<30} {:<17} --issuer {} --subject {}",
            account.state.as_str(),
            account.resembles,
            account.resemblance.as_str(),
            account.email.as_deref().unwrap_or("-"),
            account.last_seen_at.format("%Y-%m-%d %H:%M"),
            account.issuer,
            account.subject
        );
    }
    Ok(())
}

pub async fn decide(settings: &Settings, issuer: &str, subject: &str, decision: AccountDecision) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let account = accounts::decide(&backend, &operator, issuer, subject, decision, chrono::Utc::now()).await?;
    let outcome = match decision {
        AccountDecision::Merge => format!("signs in as {} from now on", account.resembles),
        AccountDecision::Allow => "gets a handle of its own at its next sign-in".to_owned(),
        AccountDecision::Block => "is refused at every sign-in".to_owned(),
    };
    println!("Account {subject} of {issuer} {outcome}.");
    Ok(())
}
