//! `airlock apply` and `airlock export`: the world as a reviewed file. The
//! job templates a world file names are read beside it, so the file and its
//! templates travel together through review.

use crate::commands::migrated;
use crate::config::Settings;
use crate::startup::StartupError;
use airlock_backend::Refusal;
use airlock_backend::world_file::{self, WorldInput};
use std::path::{Path, PathBuf};

/// Prints the plan of `file`, then applies it unless `dry_run`.
pub async fn apply(settings: &Settings, file: &Path, dry_run: bool) -> Result<(), StartupError> {
    let input = read(file)?;
    let (backend, operator) = migrated(settings).await?;
    let outcome = if dry_run {
        world_file::plan(&backend, &operator, &input).await
    } else {
        world_file::apply(&backend, &operator, &input, chrono::Utc::now()).await
    };
    match outcome {
        Ok(plan) => {
            print!("{}", plan.render());
            match (plan.is_empty(), dry_run) {
                (true, _) => {}
                (false, true) => println!("Dry run: nothing was applied."),
                (false, false) => println!("Applied {} in one transaction.", file.display()),
            }
            Ok(())
        }
        Err(Refusal::World(problems)) => {
            for problem in &problems {
                let at = problem.line.map(|line| format!(":{line}")).unwrap_or_default();
                let place = if problem.place.is_empty() { String::new() } else { format!(" ({})", problem.place) };
                eprintln!("{}{at}{place}: {}", file.display(), problem.message);
            }
            Err(StartupError::Usage(format!("{} was not applied: nothing changed", file.display())))
        }
        Err(other) => Err(other.into()),
    }
}

/// Writes the world to `output` (its job templates beside it, at the paths
/// it names), or to standard output.
pub async fn export(settings: &Settings, output: Option<&Path>) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let exported = world_file::export(&backend, &operator).await?;
    let text = exported.yaml();
    let Some(output) = output else {
        print!("{text}");
        if !exported.templates.is_empty() {
            eprintln!("airlock: job templates are written beside the file with --output; standard output holds the world alone.");
        }
        return Ok(());
    };
    write(output, &text)?;
    let beside = output.parent().unwrap_or(Path::new("."));
    for (path, template) in &exported.templates {
        write(&beside.join(path), template)?;
    }
    println!("Wrote {} and {} job template(s) beside it.", output.display(), exported.templates.len());
    Ok(())
}

/// The file's text and every job template it names, read relative to it.
fn read(file: &Path) -> Result<WorldInput, StartupError> {
    let unreadable = |path: &Path, e: std::io::Error| StartupError::Usage(format!("cannot read {}: {e}", path.display()));
    let text = std::fs::read_to_string(file).map_err(|e| unreadable(file, e))?;
    let beside: PathBuf = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut input = WorldInput::text(text);
    for path in world_file::template_paths(&input.text) {
        let full = beside.join(&path);
        let template = std::fs::read_to_string(&full).map_err(|e| unreadable(&full, e))?;
        input.files.insert(path, template);
    }
    Ok(input)
}

fn write(path: &Path, text: &str) -> Result<(), StartupError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StartupError::Usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| StartupError::Usage(format!("cannot write {}: {e}", path.display())))
}
