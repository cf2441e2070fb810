//! Dispatching a release and rolling it back from its page. Plain form
//! fields, so the same functions serve forms with and without JavaScript;
//! the backend authorises, re-checks the gate and records the jobs.

use crate::error::PageError;
use leptos::prelude::*;

/// `revision` is the revision the release manager was looking at: if the
/// release changed since, nothing is sent.
#[server(prefix = "/rpc", endpoint = "dispatch_release")]
pub async fn dispatch_release(id: i64, revision: Option<u32>) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let revision = revision.ok_or_else(|| {
            let message = "The form did not say which revision you saw; open the release again.";
            PageError::Invalid { errors: vec![airlock_domain::gate::FieldError::new("revision", message)], draft: None }
        })?;
        airlock_backend::dispatch::dispatch(&backend, actor.as_ref(), id, Some(revision), chrono::Utc::now()).await?;
        super::redirect_plain_form(&format!("/releases/{id}#jobs"));
        Ok(())
    })
    .await
}

/// Rolls back one target (`target` = `tenant/region`) or, without one, every target.
#[server(prefix = "/rpc", endpoint = "roll_back_release")]
pub async fn roll_back_release(id: i64, target: Option<String>) -> Result<(), PageError> {
    super::answer(async move {
        use airlock_domain::gate::Target;
        let (backend, actor) = super::backend_and_actor()?;
        let targets = match super::given(target) {
            None => None,
            Some(value) => match value.split_once('/') {
                Some((tenant, region)) => Some(vec![Target { tenant: tenant.into(), region: region.into() }]),
                None => {
                    let errors = vec![airlock_domain::gate::FieldError::new("target", "A target is written tenant/region.")];
                    return Err(PageError::Invalid { errors, draft: None });
                }
            },
        };
        airlock_backend::dispatch::rollback(&backend, actor.as_ref(), id, targets, chrono::Utc::now()).await?;
        super::redirect_plain_form(&format!("/releases/{id}#jobs"));
        Ok(())
    })
    .await
}
