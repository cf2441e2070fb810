//! One Kubernetes client per cluster, built from its credentials reference
//! when first needed and rebuilt when the cluster's configuration changes.

use super::credentials;
use crate::Backend;
use airlock_domain::Cluster;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Each cluster as configured when its client was built, and the client (`None`: simulated).
type Built = HashMap<String, (Cluster, Option<kube::Client>)>;

#[derive(Clone, Default)]
pub struct Clients {
    built: Arc<Mutex<Built>>,
}

impl Clients {
    /// The client for cluster `name` (`None`: simulated), or why there is none.
    pub async fn get(&self, backend: &Backend, name: &str) -> Result<Option<kube::Client>, String> {
        if let Some((_, client)) = self.built.lock().await.get(name) {
            return Ok(client.clone());
        }
        let clusters = backend.store.clusters().await.map_err(|e| format!("the cluster list could not be read ({e})"))?;
        let cluster = clusters.into_iter().find(|c| c.name == name).ok_or_else(|| format!("cluster {name} is no longer configured"))?;
        self.build(cluster).await
    }

    /// Builds (or keeps) the client for `cluster`, as configured now.
    pub async fn build(&self, cluster: Cluster) -> Result<Option<kube::Client>, String> {
        let mut built = self.built.lock().await;
        if let Some((known, client)) = built.get(&cluster.name)
            && *known == cluster
        {
            return Ok(client.clone());
        }
        let client = credentials::client(&cluster).await.map_err(|e| e.to_string())?;
        built.insert(cluster.name.clone(), (cluster, client.clone()));
        Ok(client)
    }
}
