//! The world as one reviewed file: `airlock apply`, `airlock export` and
//! `/api/v1/world` come here. An apply reads the file, checks it (every
//! problem with its line), plans the difference from what is stored under
//! the world's lock, refuses removals that would orphan workloads or
//! releases, and writes it all in one audited transaction.

mod apply;
mod parse;
mod resolve;

pub use apply::{Exported, apply, export, plan};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One problem with a world file: where (the line from 1, when known, and
/// the key path) and what, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldProblem {
    pub line: Option<usize>,
    /// `environments[1].required_approvals`; empty for the file as a whole.
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for WorldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.place.is_empty()) {
            (Some(line), false) => write!(f, "line {line} ({}): {}", self.place, self.message),
            (Some(line), true) => write!(f, "line {line}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.place, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

/// A world file as a caller hands it over: its text and the job template
/// files it names, read beside it (by path as written). The API reads no
/// files: there a path must be the one already stored.
#[derive(Debug, Clone, Default)]
pub struct WorldInput {
    pub text: String,
    pub files: BTreeMap<String, String>,
}

impl WorldInput {
    pub fn text(text: impl Into<String>) -> WorldInput {
        WorldInput { text: text.into(), files: BTreeMap::new() }
    }
}

/// `text` as a sentence: a capital first letter, a full stop at the end.
fn sentence(text: &str) -> String {
    let mut words = text.trim().trim_end_matches('.').to_owned();
    if let Some(first) = words.get(..1) {
        words.replace_range(..1, &first.to_uppercase());
    }
    words.push('.');
    words
}

/// The job template paths `text` names, so a caller with a file system can
/// read them before applying; empty when the file does not parse.
pub fn template_paths(text: &str) -> Vec<String> {
    parse::parse(text).map(|(doc, _)| doc.environments.into_iter().filter_map(|e| e.job_template).collect()).unwrap_or_default()
}

/// The document's JSON Schema, as kept in the repository.
pub const SCHEMA: &str = include_str!("../../../docs/world.schema.json");
