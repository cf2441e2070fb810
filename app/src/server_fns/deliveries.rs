//! Notification deliveries for admins: the newest, and sending one again.

use crate::error::PageError;
use airlock_domain::notify::Delivery;
use leptos::prelude::*;

/// How many deliveries the admin page lists.
#[cfg(feature = "ssr")]
const SHOWN: u32 = 200;

#[server(prefix = "/rpc", endpoint = "deliveries")]
pub async fn load_deliveries(state: Option<String>) -> Result<Vec<Delivery>, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let state = super::given(state);
        Ok(airlock_backend::notify::list(&backend, actor.as_ref(), state.as_deref(), SHOWN).await?)
    })
    .await
}

/// Makes the delivery due again (with its id), then goes back to the list.
#[server(prefix = "/rpc", endpoint = "redeliver")]
pub async fn redeliver(delivery_id: String) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        airlock_backend::notify::redeliver(&backend, actor.as_ref(), &delivery_id, chrono::Utc::now()).await?;
        leptos_axum::redirect("/admin/deliveries");
        Ok(())
    })
    .await
}
