//! The signed-in person's inbox, and the time it was read at (the page says
//! how long each release has waited, from the server's clock).

use crate::error::PageError;
use airlock_domain::inbox::Inbox;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "inbox")]
pub async fn load_inbox() -> Result<(Inbox, DateTime<Utc>), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let now = Utc::now();
        Ok((airlock_backend::inbox::inbox(&backend, actor.as_ref(), now).await?, now))
    })
    .await
}

/// Turns the reader's e-mail on or off, then goes back to the inbox.
#[server(prefix = "/rpc", endpoint = "set_mail")]
pub async fn set_mail(on: bool) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        airlock_backend::inbox::set_mail(&backend, actor.as_ref(), on).await?;
        leptos_axum::redirect("/inbox");
        Ok(())
    })
    .await
}
