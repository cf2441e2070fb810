//! The compiled site's file names. With `hash-files` (Cargo.toml),
//! cargo-leptos renames the bundle and the stylesheet after their content
//! (`airlock.<hash>.wasm`, `.js`, `.css`) and writes the hashes to a hash
//! file, which `hash-file-name` puts in the site root: the site directory then
//! describes itself, wherever it is copied (the container image copies only
//! it). Leptos reads the same file to name the bundle in `HydrationScripts`
//! and the stylesheet in `HashedStylesheet`; we read it once at start to
//! know which URLs never change content, and to link the stylesheet from
//! the plain-HTML sign-in pages.

use std::io;
use std::path::{Path, PathBuf};

/// Where cargo-leptos writes the hashes, relative to the site root.
pub const HASH_FILE: &str = "hash.txt";
/// `output-name` of the Leptos project (its `name` in Cargo.toml).
pub const OUTPUT_NAME: &str = "airlock";
/// `site-pkg-dir` in Cargo.toml: the bundle and stylesheet, under the site root.
pub const PKG_DIR: &str = "pkg";

/// The kinds of file cargo-leptos hashes, as the hash file names them
/// (their extensions).
const HASHED_KINDS: [&str; 3] = ["js", "wasm", "css"];

#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error("could not read the site's hash file {path}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("the site's hash file {path} has no valid `{kind}: <hash>` line; rebuild the site (`cargo leptos build`)")]
    Missing { path: String, kind: &'static str },
}

/// The URLs of the site's bundle and stylesheet, as this build named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAssets {
    /// The hash file, absolute (Leptos joins it to the executable's
    /// directory, which an absolute path replaces); `None` when the site was
    /// built without hashing.
    hash_file: Option<PathBuf>,
    /// The stylesheet's URL path.
    stylesheet: String,
    /// URL paths of the content-hashed files.
    hashed: Vec<String>,
}

impl SiteAssets {
    /// The names cargo-leptos gives without `hash-files`: nothing hashed.
    pub fn unhashed() -> SiteAssets {
        SiteAssets { hash_file: None, stylesheet: format!("/{PKG_DIR}/{OUTPUT_NAME}.css"), hashed: Vec::new() }
    }

    /// Reads `<site_root>/hash.txt`. No such file means the site was built
    /// without hashing (or not built, as in tests that serve no files); a file
    /// that cannot be read, or lacks a hash, is an error: pages would link
    /// files that do not exist.
    pub fn load(site_root: &Path) -> Result<SiteAssets, AssetsError> {
        let relative = site_root.join(HASH_FILE);
        let path = std::path::absolute(&relative).map_err(|source| AssetsError::Read { path: relative.display().to_string(), source })?;
        match std::fs::read_to_string(&path) {
            Ok(text) => SiteAssets::from_hash_file(path, &text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(SiteAssets::unhashed()),
            Err(source) => Err(AssetsError::Read { path: path.display().to_string(), source }),
        }
    }

    /// Parses the hash file's `kind: hash` lines (cargo-leptos may add
    /// others, e.g. for split wasm; they are not ours to serve specially).
    fn from_hash_file(path: PathBuf, text: &str) -> Result<SiteAssets, AssetsError> {
        let hash_of = |kind: &'static str| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim() == kind)
                .map(|(_, hash)| hash.trim())
                // An MD5 in unpadded base64url: anything else is not what cargo-leptos wrote.
                .filter(|hash| !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                .ok_or_else(|| AssetsError::Missing { path: path.display().to_string(), kind })
        };
        let mut hashed = Vec::with_capacity(HASHED_KINDS.len());
        for kind in HASHED_KINDS {
            hashed.push(format!("/{PKG_DIR}/{OUTPUT_NAME}.{}.{kind}", hash_of(kind)?));
        }
        let stylesheet = format!("/{PKG_DIR}/{OUTPUT_NAME}.{}.css", hash_of("css")?);
        Ok(SiteAssets { hash_file: Some(path), stylesheet, hashed })
    }

    /// The hash file, when the build hashed the names.
    pub fn hash_file(&self) -> Option<&Path> {
        self.hash_file.as_deref()
    }

    /// The stylesheet's URL path, for pages rendered outside Leptos.
    pub fn stylesheet(&self) -> &str {
        &self.stylesheet
    }

    /// Whether `path` (a request's URL path) names a content-hashed file:
    /// its content can never change, so browsers may keep it for good.
    pub fn is_hashed(&self, path: &str) -> bool {
        self.hashed.iter().any(|hashed| hashed == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASHES: &str = "js: Jm3aVZ2rPq0n1v2w3x4y5z\nwasm: Wq9-_abcdEFGH0123456789\ncss: Cs5tyleHashAAAAAAAAAAAA\n";

    #[test]
    fn the_hash_file_names_the_bundle_and_the_stylesheet() {
        let assets = SiteAssets::from_hash_file(PathBuf::from("/site/hash.txt"), HASHES).expect("valid");
        assert_eq!(assets.stylesheet(), "/pkg/airlock.Cs5tyleHashAAAAAAAAAAAA.css");
        assert!(assets.is_hashed("/pkg/airlock.Jm3aVZ2rPq0n1v2w3x4y5z.js"));
        assert!(assets.is_hashed("/pkg/airlock.Wq9-_abcdEFGH0123456789.wasm"));
        assert!(assets.is_hashed("/pkg/airlock.Cs5tyleHashAAAAAAAAAAAA.css"));
        assert!(!assets.is_hashed("/pkg/airlock.wasm"));
        assert!(!assets.is_hashed("/favicon.svg"));
        assert_eq!(assets.hash_file(), Some(Path::new("/site/hash.txt")));
    }

    #[test]
    fn a_hash_file_without_a_hash_for_each_file_is_refused_naming_it() {
        let error = SiteAssets::from_hash_file(PathBuf::from("/site/hash.txt"), "js: abc\nwasm: def\n").expect_err("no css");
        assert!(error.to_string().contains("`css: <hash>`"), "{error}");
        let error = SiteAssets::from_hash_file(PathBuf::from("/site/hash.txt"), "js: a/b\nwasm: d\ncss: e\n").expect_err("bad js");
        assert!(error.to_string().contains("`js: <hash>`"), "{error}");
    }

    #[test]
    fn a_site_without_a_hash_file_keeps_the_plain_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let assets = SiteAssets::load(dir.path()).expect("no hash file is fine");
        assert_eq!(assets, SiteAssets::unhashed());
        assert_eq!(assets.stylesheet(), "/pkg/airlock.css");
        assert!(!assets.is_hashed("/pkg/airlock.css"));
    }
}
