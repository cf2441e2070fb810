//! What Airlock may do in a cluster, asked of the cluster itself
//! (`SelfSubjectAccessReview`): list and watch Deployments and Jobs across
//! the cluster or only in its tenants' namespaces, and create Jobs.

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};

/// Where Airlock may follow Deployments and Jobs in a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchScope {
    /// One watch across the cluster.
    ClusterWide,
    /// Not across the cluster, but in each of these namespaces: one watch each.
    PerNamespace(Vec<String>),
    /// Not even there: these namespaces cannot be followed.
    Denied(Vec<String>),
}

impl WatchScope {
    pub fn describe(&self) -> String {
        match self {
            WatchScope::ClusterWide => "cluster-wide".into(),
            WatchScope::PerNamespace(_) => "per namespace".into(),
            WatchScope::Denied(namespaces) => format!("no: may not list and watch in {}", namespaces.join(", ")),
        }
    }
}

/// The (group, resource) pairs Airlock lists and watches.
const WATCHED: [(&str, &str); 2] = [("apps", "deployments"), ("batch", "jobs")];

/// Whether Airlock may `verb` `resource` (or `resource/subresource`, e.g.
/// `pods/log`) in `namespace` (`None`: across the cluster).
pub async fn may(client: &kube::Client, verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> bool {
    let (resource, subresource) = resource.split_once('/').map_or((resource, None), |(r, s)| (r, Some(s)));
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: namespace.map(str::to_owned),
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: subresource.map(str::to_owned),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let reviews: kube::Api<SelfSubjectAccessReview> = kube::Api::all(client.clone());
    match reviews.create(&Default::default(), &review).await {
        Ok(answer) => answer.status.is_some_and(|s| s.allowed),
        Err(_) => false,
    }
}

async fn may_follow(client: &kube::Client, namespace: Option<&str>) -> bool {
    for (group, resource) in WATCHED {
        for verb in ["list", "watch"] {
            if !may(client, verb, group, resource, namespace).await {
                return false;
            }
        }
    }
    true
}

/// Where Airlock may follow what it needs to in a cluster whose tenants use `namespaces`.
pub async fn watch_scope(client: &kube::Client, namespaces: &[String]) -> WatchScope {
    if may_follow(client, None).await {
        return WatchScope::ClusterWide;
    }
    let mut denied = Vec::new();
    for namespace in namespaces {
        if !may_follow(client, Some(namespace)).await {
            denied.push(namespace.clone());
        }
    }
    if denied.is_empty() { WatchScope::PerNamespace(namespaces.to_vec()) } else { WatchScope::Denied(denied) }
}

/// The namespaces `cluster`'s tenants use.
pub fn tenant_namespaces(cluster: &airlock_domain::Cluster, tenants: &[airlock_domain::Tenant]) -> Vec<String> {
    let mut namespaces: Vec<String> =
        tenants.iter().filter(|t| t.may_run_in(&cluster.region)).map(|t| cluster.namespace_strategy.namespace_for(&t.slug)).collect();
    namespaces.sort();
    namespaces.dedup();
    namespaces
}
