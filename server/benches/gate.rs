//! The gate's cost: the pure verdict for a large release, and one recorded
//! approval end to end through the service (lock the release, read its
//! dossier, write the review, recompute and store the verdict, append the
//! audit entry, commit) on the embedded SQLite default. Run with
//! `cargo bench -p airlock-server --bench gate`.

use airlock_backend::demo::synthetic_world;
use airlock_backend::releases::{self, ReviewRequest};
use airlock_backend::{Backend, DatabaseTarget, connect};
use airlock_domain::access::{Identity, Role};
use airlock_domain::gate::{Decision, ReleaseDraft, Target};
use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};

fn person(name: &str, role: Role) -> Identity {
    Identity::person(name, &[role])
}

fn gate(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (backend, dossier) = runtime.block_on(async {
        let store = connect(&DatabaseTarget::SqliteFile(dir.path().join("bench.db")), None).await.expect("open store");
        store.migrate().await.expect("migrate");
        let world = synthetic_world(500);
        store.import_world(&world).await.expect("seed 500 tenants");
        let targets = world.tenants.iter().map(|t| Target { tenant: t.slug.clone(), region: "frankfurt".into() }).collect();
        let draft = ReleaseDraft {
            service: world.services[0].name.clone(),
            version: "3.0.0".into(),
            image: String::new(),
            environment: "production".into(),
            targets,
            notes: "Benchmark release".into(),
            image_pinned: false,
        };
        let backend = Backend::new(store);
        let rita = person("rita", Role::ReleaseManager);
        let dossier = releases::create(&backend, Some(&rita), draft, Utc::now()).await.expect("create");
        (backend, dossier)
    });
    c.bench_function("verdict of a release with 500 targets", |b| b.iter(|| dossier.verdict(Utc::now()).is_ok()));
    let id = dossier.release.id;
    let approvers = [person("ada", Role::Approver), person("grace", Role::Approver)];
    let mut turn = 0usize;
    c.bench_function("approve a 500-target release (SQLite, one transaction)", |b| {
        b.iter(|| {
            turn += 1;
            let request = ReviewRequest { decision: Decision::Approve, comment: String::new(), revision: dossier.release.revision };
            runtime.block_on(releases::review(&backend, Some(&approvers[turn % 2]), id, request, Utc::now())).expect("approved")
        })
    });
}

criterion_group!(benches, gate);
criterion_main!(benches);
