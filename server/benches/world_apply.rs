//! Applying a world file of 1,000 tenants × 5 regions on the embedded
//! SQLite default (issue 19's goal: plan + apply under 2 s): into an empty
//! database (everything added, one audit entry per object), then the same
//! file again (planned, nothing to write), then with every tenant renamed
//! (1,000 changes). Run with `cargo bench -p airlock-server --bench world_apply`.

use airlock_backend::demo::synthetic_world;
use airlock_backend::world_file::{self, WorldInput};
use airlock_backend::{Backend, DatabaseTarget, LocalOperator, connect};
use airlock_domain::world_file::WorldDocument;
use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::time::Duration;

/// The synthetic world of `tenants` tenants, as a world file.
fn world_file(tenants: usize, name_suffix: &str) -> String {
    let mut world = synthetic_world(tenants);
    for tenant in &mut world.tenants {
        tenant.name.push_str(name_suffix);
    }
    serde_yaml::to_string(&WorldDocument::of(&world, &Default::default())).expect("YAML")
}

async fn empty_backend(dir: &std::path::Path, name: &str) -> Backend {
    let store = connect(&DatabaseTarget::SqliteFile(dir.join(name)), None).await.expect("open store");
    store.migrate().await.expect("migrate");
    Backend::new(store)
}

fn world_apply(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let operator = LocalOperator::for_tests("cli:bench");
    let file = WorldInput::text(world_file(1_000, ""));
    let renamed = WorldInput::text(world_file(1_000, " (renamed)"));
    let mut group = c.benchmark_group("world apply, 1,000 tenants x 5 regions (SQLite)");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    let mut fresh = 0;
    group.bench_function("into an empty database", |b| {
        b.iter_batched(
            || {
                fresh += 1;
                runtime.block_on(empty_backend(dir.path(), &format!("empty-{fresh}.db")))
            },
            |backend| runtime.block_on(world_file::apply(&backend, &operator, &file, Utc::now())).expect("applied"),
            BatchSize::PerIteration,
        )
    });
    let backend = runtime.block_on(empty_backend(dir.path(), "applied.db"));
    runtime.block_on(world_file::apply(&backend, &operator, &file, Utc::now())).expect("applied");
    group.bench_function("the same file again (no changes)", |b| {
        b.iter(|| assert!(runtime.block_on(world_file::apply(&backend, &operator, &file, Utc::now())).expect("applied").is_empty()))
    });
    let mut turn = 0;
    group.bench_function("every tenant renamed (1,000 changes)", |b| {
        b.iter(|| {
            turn += 1;
            let input = if turn % 2 == 1 { &renamed } else { &file };
            runtime.block_on(world_file::apply(&backend, &operator, input, Utc::now())).expect("applied")
        })
    });
    group.finish();
}

criterion_group!(benches, world_apply);
criterion_main!(benches);
