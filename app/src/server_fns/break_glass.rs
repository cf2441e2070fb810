//! Break-glass from the release page: a plain form, with or without JavaScript.

use crate::error::PageError;
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "break_glass")]
pub async fn break_glass(id: i64, #[server(default)] reason: String) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        airlock_backend::releases::break_glass(&backend, actor.as_ref(), id, &reason, chrono::Utc::now()).await?;
        super::redirect_plain_form(&format!("/releases/{id}#freeze"));
        Ok(())
    })
    .await
}
