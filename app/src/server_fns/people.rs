//! Who has signed in, for admins, and ending someone's sessions (say, a
//! laptop was lost, or they left the team): their next request is signed out.
//! Accounts held at their first sign-in, and an admin's decision on each.

use crate::error::PageError;
use airlock_domain::access::{HeldAccount, Person};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "people")]
pub async fn load_people() -> Result<Vec<Person>, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        Ok(airlock_backend::auth::people::list(&backend, actor.as_ref()).await?)
    })
    .await
}

/// Ends every session of `handle`, then goes back to the list.
#[server(prefix = "/rpc", endpoint = "end_sessions")]
pub async fn end_sessions(handle: String) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        airlock_backend::auth::people::end_sessions(&backend, actor.as_ref(), &handle, chrono::Utc::now()).await?;
        leptos_axum::redirect("/admin/people");
        Ok(())
    })
    .await
}

/// Provider accounts held because they resemble someone (admins only).
#[server(prefix = "/rpc", endpoint = "held_accounts")]
pub async fn load_held_accounts() -> Result<Vec<HeldAccount>, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        Ok(airlock_backend::auth::accounts::list(&backend, actor.as_ref()).await?)
    })
    .await
}

/// Merges, allows or blocks a held account, then goes back to the list.
#[server(prefix = "/rpc", endpoint = "decide_account")]
pub async fn decide_account(issuer: String, subject: String, decision: String) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let decision = airlock_domain::access::AccountDecision::parse(&decision)
            .ok_or_else(|| airlock_backend::Refusal::invalid("decision", "Choose merge, allow or block."))?;
        let now = chrono::Utc::now();
        airlock_backend::auth::accounts::decide(&backend, actor.as_ref(), &issuer, &subject, decision, now).await?;
        leptos_axum::redirect("/admin/people");
        Ok(())
    })
    .await
}
