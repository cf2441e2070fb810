//! Checks a draft against the world as stored: the service, the environment
//! and every tenant and region must exist. (Whether a tenant may run in a
//! region is the gate's business: it blocks, it does not refuse.)

use crate::Refusal;
use crate::store::{Store, StoreError};
use airlock_domain::Environment;
use airlock_domain::gate::{FieldError, ReleaseContent, ReleaseDraft};

/// The validated content and the environment it goes to; `previous` is the
/// content being edited, if this is an edit (the image may follow the version).
pub(super) async fn resolve(
    store: &dyn Store,
    draft: ReleaseDraft,
    previous: Option<&ReleaseContent>,
) -> Result<(ReleaseContent, Environment), Refusal> {
    let (services, environments, tenants, regions) = load(store).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let repository = services.iter().find(|s| s.name == draft.service).map(|s| s.image_repository.clone());
    if repository.is_none() && !draft.service.is_empty() {
        errors.push(FieldError::new("service", format!("There is no service \u{201c}{}\u{201d}.", draft.service)));
    }
    let environment = environments.into_iter().find(|e| e.name == draft.environment);
    if environment.is_none() && !draft.environment.is_empty() {
        errors.push(FieldError::new("environment", format!("There is no environment \u{201c}{}\u{201d}.", draft.environment)));
    }
    for target in &draft.targets {
        if !tenants.iter().any(|t| t.slug == target.tenant) {
            errors.push(FieldError::new("targets", format!("There is no tenant \u{201c}{}\u{201d}.", target.tenant)));
        }
        if !regions.iter().any(|r| r.name == target.region) {
            errors.push(FieldError::new("targets", format!("There is no region \u{201c}{}\u{201d}.", target.region)));
        }
    }
    let content = draft.into_content(repository.as_deref().unwrap_or(""), previous).map_err(|mut shape| {
        shape.retain(|e| !errors.iter().any(|known| known.field == e.field));
        shape
    });
    match (content, environment) {
        (Ok(content), Some(environment)) if errors.is_empty() => Ok((content, environment)),
        (content, _) => {
            errors.extend(content.err().unwrap_or_default());
            errors.dedup();
            if errors.is_empty() {
                errors.push(FieldError::new("environment", "Choose an environment."));
            }
            Err(Refusal::Invalid(errors))
        }
    }
}

type World = (Vec<airlock_domain::Service>, Vec<Environment>, Vec<airlock_domain::Tenant>, Vec<airlock_domain::Region>);

async fn load(store: &dyn Store) -> Result<World, StoreError> {
    Ok((store.services().await?, store.environments().await?, store.tenants().await?, store.regions().await?))
}
