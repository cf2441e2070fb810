//! What each subcommand does.

use crate::config::Settings;
use crate::startup::{Application, StartupError, open_as_operator};
use airlock_backend::demo::synthetic_world;
use airlock_backend::tokens::TokenGrant;
use airlock_backend::{Backend, LocalOperator, audit, tokens};
use airlock_domain::access::Role;
use airlock_domain::audit::Checkpoint;

pub async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let app = Application::build(settings).await?;
    let stop = crate::startup::shutdown_signal();
    tracing::info!(url = %format!("http://{}", app.local_addr()), "airlock is listening");
    app.run_until_stopped(stop).await
}

/// The backend on the configured database, migrated, and the local operator
/// who opened it: where every operator command starts.
pub(crate) async fn migrated(settings: &Settings) -> Result<(Backend, LocalOperator), StartupError> {
    let (backend, operator) = open_as_operator(settings).await?;
    backend.migrate(&operator).await?;
    Ok((backend, operator))
}

pub async fn migrate(settings: &Settings) -> Result<(), StartupError> {
    let (backend, _operator) = migrated(settings).await?;
    tracing::info!(database = backend.database_kind(), "migrations applied");
    Ok(())
}

/// Applies the demo world file, or loads the benchmarks' synthetic world of
/// `synthetic` tenants.
pub async fn seed(settings: &Settings, demo: bool, synthetic: Option<u32>) -> Result<(), StartupError> {
    let (backend, operator) = match (demo, synthetic) {
        (false, None) => return Err(StartupError::NothingToSeed),
        _ => migrated(settings).await?,
    };
    if demo {
        let plan = airlock_backend::demo::seed(&backend, &operator).await?;
        print!("{}", plan.render());
        tracing::info!(database = backend.database_kind(), world = "demo", "world loaded");
        return Ok(());
    }
    // u32 into usize: lossless on every platform Airlock builds for (32 and 64 bits).
    let world = synthetic_world(synthetic.unwrap_or_default() as usize);
    backend.import_world(&operator, &world).await?;
    tracing::info!(
        database = backend.database_kind(),
        world = "synthetic",
        tenants = world.tenants.len(),
        deployments = world.deployments.len(),
        "world loaded"
    );
    Ok(())
}

/// Creates a token and prints it last, alone, so scripts can take the last word.
/// `expires` is `--expires` as typed (`30d`, `2027-03-01`; 90 days if absent).
pub async fn create_token(
    settings: &Settings,
    name: &str,
    roles: Vec<Role>,
    tenants: Vec<String>,
    expires: Option<&str>,
) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let now = chrono::Utc::now();
    let grant = TokenGrant { roles, tenants, expires_at: tokens::expiry(expires, now)? };
    let roles: Vec<&str> = grant.roles.iter().map(|r| r.as_str()).collect();
    let scope = if grant.tenants.is_empty() { String::new() } else { format!(" for tenants {}", grant.tenants.join(", ")) };
    let roles = roles.join(", ");
    let until = grant.expires_at.format("%Y-%m-%d %H:%M UTC");
    let token = tokens::create(&backend, &operator, name, grant, now).await?;
    println!(
        "Created token '{name}' (acting as {}) with roles {roles}{scope}, valid until {until}. It is shown only now; store it as a secret:",
        tokens::identity_name(name)
    );
    println!("{token}");
    Ok(())
}

/// One line per token: name, roles, tenants, created, last used, expires, status.
pub async fn list_tokens(settings: &Settings) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let now = chrono::Utc::now();
    let time =
        |at: Option<chrono::DateTime<chrono::Utc>>| at.map_or_else(|| "never".to_owned(), |at| at.format("%Y-%m-%d %H:%M").to_string());
    println!("{:<24} {:<28} {:<16} {:<17} {:<17} {:<17} STATUS", "NAME", "ROLES", "TENANTS", "CREATED", "LAST USED", "EXPIRES");
    for token in tokens::list(&backend, &operator).await? {
        let roles: Vec<&str> = token.roles.iter().map(|r| r.as_str()).collect();
        let status = match (token.revoked_at, token.is_usable(now)) {
            (Some(at), _) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
            (None, false) => "expired".to_owned(),
            (None, true) => "active".to_owned(),
        };
        let tenants = if token.tenants.is_empty() { "-".to_owned() } else { token.tenants.join(",") };
        let created = token.created_at.format("%Y-%m-%d %H:%M").to_string();
        println!(
            "{:<24} {:<28} {:<16} {:<17} {:<17} {:<17} {status}",
            token.name,
            roles.join(","),
            tenants,
            created,
            time(token.last_used_at),
            time(token.expires_at)
        );
    }
    Ok(())
}

pub async fn revoke_token(settings: &Settings, name: &str) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    tokens::revoke(&backend, &operator, name, chrono::Utc::now()).await?;
    println!("Revoked token '{name}': it is refused from now on.");
    Ok(())
}

/// Prints the verdict; `Ok(false)` when the chain is broken (or does not
/// pass through `checkpoint` with the hash it had).
pub async fn verify_audit(settings: &Settings, checkpoint: Option<Checkpoint>) -> Result<bool, StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let since = checkpoint.as_ref().map(|c| format!(", including checkpoint #{}", c.seq)).unwrap_or_default();
    let report = audit::verify(&backend, &operator, checkpoint).await?;
    match &report.first_broken {
        None => println!("Audit log chain intact: {} entries verified{since}.", report.entries_checked),
        Some(broken) => println!("Audit log BROKEN at entry #{}: {}", broken.seq, broken.message()),
    }
    for row in &report.unrecorded {
        println!("NOT IN THE LOG: {row} (written behind Airlock's back)");
    }
    if report.unverified_keyed > 0 {
        println!("{} keyed entries were checked for order only: set AIRLOCK_AUDIT_KEY to check their content.", report.unverified_keyed);
    }
    Ok(report.intact())
}

/// Verifies the chain, then prints its head as `SEQ:HASH` (last, alone, for
/// scripts); `Ok(false)` when the chain is broken: a checkpoint of a broken
/// log proves nothing.
pub async fn audit_head(settings: &Settings) -> Result<bool, StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let report = audit::verify(&backend, &operator, None).await?;
    if let Some(broken) = &report.first_broken {
        println!("Audit log BROKEN at entry #{}: {}", broken.seq, broken.message());
        return Ok(false);
    }
    match report.last {
        Some(head) => println!(
            "Keep this checkpoint somewhere the database's operators cannot write; pass it back to `airlock audit verify --since-checkpoint`:\n{head}"
        ),
        None => println!("The audit log is empty: there is nothing to keep yet."),
    }
    Ok(true)
}
