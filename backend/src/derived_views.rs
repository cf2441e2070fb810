//! Status views as someone who sees every tenant sees them, derived from one
//! read-model snapshot at most once. The overview and the tenants matrix
//! walk every deployment (45,000 in the benchmarks' world): done per request,
//! that walk was most of a page's time. A snapshot never changes — a refresh
//! makes a new one — so what is derived here can never be stale, and needs
//! no invalidation of its own.

use airlock_domain::World;
use airlock_domain::status::{self, Overview, TenantMatrix};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

#[derive(Debug, Default)]
pub struct DerivedViews {
    overview: OnceLock<Arc<Overview>>,
    /// By service: only the world's service names (and `None`) are keys,
    /// whatever a request asks for.
    matrices: Mutex<HashMap<Option<String>, Arc<TenantMatrix>>>,
}

impl DerivedViews {
    pub fn overview(&self, world: &World) -> Arc<Overview> {
        Arc::clone(self.overview.get_or_init(|| Arc::new(status::overview(world))))
    }

    pub fn tenant_matrix(&self, world: &World, service: Option<&str>) -> Arc<TenantMatrix> {
        // The same choice `tenant_matrix` makes: an unknown service is the default.
        let known = service.filter(|wanted| world.services.iter().any(|s| s.name == *wanted)).map(str::to_owned);
        let mut matrices = self.matrices.lock().unwrap_or_else(PoisonError::into_inner);
        let matrix = matrices.entry(known).or_insert_with_key(|service| Arc::new(status::tenant_matrix(world, service.as_deref())));
        Arc::clone(matrix)
    }
}
