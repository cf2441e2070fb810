//! Who has signed in, for admins, and ending someone's sessions (say, a
//! laptop was lost, or they left the team): their next request is signed out.

use crate::error::PageError;
use airlock_domain::access::Person;
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
