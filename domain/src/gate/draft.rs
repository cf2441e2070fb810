//! What someone asks for when they create or edit a release, and the checks
//! that turn it into [`ReleaseContent`]. The new-release form runs the same
//! checks in the browser, so people see the server's messages before sending.

use super::{ReleaseContent, Target};
use crate::names::Slug;
use serde::{Deserialize, Serialize};

pub const MAX_VERSION_LEN: usize = 64;
pub const MAX_IMAGE_LEN: usize = 255;
pub const MAX_NOTES_LEN: usize = 4_000;
pub const MAX_TARGETS: usize = 500;
pub const MAX_COMMENT_LEN: usize = 2_000;
/// A checklist tick's evidence link, in characters.
pub const MAX_EVIDENCE_URL_LEN: usize = 2_000;

/// A release as typed. `image` may be left empty: it then defaults to the
/// service's image repository tagged with the version. One rule for every way
/// in (page, API, CLI), so what is approved is what is deployed:
/// - on an edit, an image that was the service's repository at the old
///   version follows a new version;
/// - an image whose tag says another version than `version` is refused,
///   unless the caller says so explicitly (`image_pinned`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseDraft {
    pub service: String,
    pub version: String,
    #[serde(default)]
    pub image: String,
    pub environment: String,
    pub targets: Vec<Target>,
    #[serde(default)]
    pub notes: String,
    /// "Deploy this image although its tag is another version": the caller's
    /// explicit word, asked again whenever the image or the version changes.
    #[serde(default)]
    pub image_pinned: bool,
}

/// One problem with one field, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError { field: field.to_owned(), message: message.into() }
    }
}

impl ReleaseDraft {
    /// Checks the shape of every field and reports every problem at once.
    /// Whether the service, environment and tenants exist is for the caller,
    /// who knows the world; `image_repository` is the service's repository;
    /// `previous` is the content being edited (`None` for a new release).
    pub fn into_content(self, image_repository: &str, previous: Option<&ReleaseContent>) -> Result<ReleaseContent, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = Slug::parse(&self.service) {
            errors.push(FieldError::new("service", format!("Service name {e}.")));
        }
        if let Err(e) = Slug::parse(&self.environment) {
            errors.push(FieldError::new("environment", format!("Environment name {e}.")));
        }
        if let Err(message) = check_version(&self.version) {
            errors.push(FieldError::new("version", message));
        }
        let image = self.image_for(image_repository, previous);
        // An image and version pinned together before stay so while neither changes (an edit of the notes).
        let kept = |image: &str| previous.is_some_and(|p| p.image == image && p.version == self.version);
        if let Err(message) = check_image(&image) {
            errors.push(FieldError::new("image", message));
        } else if let Some(tag) = image_tag(&image).filter(|tag| !self.image_pinned && !same_version(tag, &self.version) && !kept(&image)) {
            errors.push(FieldError::new(
                "image",
                format!(
                    "The image is tagged {tag}, but the release says version {}: fix one of them, or pin the image to deploy it as it is.",
                    self.version
                ),
            ));
        }
        errors.extend(check_targets(&self.targets));
        if self.notes.chars().count() > MAX_NOTES_LEN {
            errors.push(FieldError::new("notes", format!("Notes may be at most {MAX_NOTES_LEN} characters.")));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut targets = self.targets;
        targets.sort();
        Ok(ReleaseContent {
            service: self.service,
            version: self.version,
            image,
            environment: self.environment,
            targets,
            notes: self.notes.trim_end().to_owned(),
        })
    }

    /// The image this draft deploys: the default when left empty, and on an
    /// edit that changes the version, the new version's default when the
    /// image was the old version's default.
    fn image_for(&self, image_repository: &str, previous: Option<&ReleaseContent>) -> String {
        let typed = self.image.trim();
        let default = format!("{image_repository}:{}", self.version);
        let follows = previous
            .is_some_and(|p| p.version != self.version && typed == p.image && p.image == format!("{image_repository}:{}", p.version));
        if typed.is_empty() || follows { default } else { typed.to_owned() }
    }
}

/// The tag of an image reference, if it has one: `2.15.0` of
/// `registry:5000/api:2.15.0@sha256:…`; none for `registry:5000/api` or a
/// reference by digest alone.
pub fn image_tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, tag)| tag).filter(|tag| !tag.is_empty())
}

/// `v2.15.0` and `2.15.0` name one version.
fn same_version(tag: &str, version: &str) -> bool {
    tag.strip_prefix('v').unwrap_or(tag) == version.strip_prefix('v').unwrap_or(version)
}

/// Semantic versions, optionally with a leading `v`: `2.15.0`, `v1.0.0-rc.1+build.7`.
pub fn check_version(version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("Enter a version, such as 2.15.0.".into());
    }
    if version.len() > MAX_VERSION_LEN {
        return Err(format!("The version may be at most {MAX_VERSION_LEN} characters."));
    }
    let bare = version.strip_prefix('v').unwrap_or(version);
    let (core, rest) = match bare.find(['-', '+']) {
        Some(at) => bare.split_at(at),
        None => (bare, ""),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let core_ok = numbers.len() == 3
        && numbers.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n.len() == 1 || !n.starts_with('0')));
    let rest_ok =
        rest.chars().skip(1).all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')) && (rest.is_empty() || rest.len() > 1);
    if core_ok && rest_ok {
        Ok(())
    } else {
        Err(format!("\u{201c}{version}\u{201d} is not a version: use MAJOR.MINOR.PATCH, such as 2.15.0 or 2.15.0-rc.1."))
    }
}

/// A container image reference: registry/path:tag or @sha256:digest, no spaces.
pub fn check_image(image: &str) -> Result<(), String> {
    if image.len() > MAX_IMAGE_LEN {
        return Err(format!("The image reference may be at most {MAX_IMAGE_LEN} characters."));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@');
    let starts_well = image.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if starts_well && image.chars().all(allowed) {
        Ok(())
    } else {
        Err("The image must be a reference such as registry.example.com/api:2.15.0.".into())
    }
}

fn check_targets(targets: &[Target]) -> Vec<FieldError> {
    if targets.is_empty() {
        return vec![FieldError::new("targets", "Choose at least one tenant and region.")];
    }
    if targets.len() > MAX_TARGETS {
        return vec![FieldError::new("targets", format!("A release may have at most {MAX_TARGETS} targets."))];
    }
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for target in targets {
        if Slug::parse(&target.tenant).is_err() || Slug::parse(&target.region).is_err() {
            errors.push(FieldError::new("targets", "Each target needs a tenant slug and a region name."));
            break;
        }
        if !seen.insert(target) {
            errors.push(FieldError::new("targets", format!("{} in {} is listed twice.", target.tenant, target.region)));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ReleaseDraft {
        ReleaseDraft {
            service: "api".into(),
            version: "2.15.0".into(),
            image: String::new(),
            environment: "production".into(),
            targets: vec![Target { tenant: "acme".into(), region: "frankfurt".into() }],
            notes: "Adds invoice export".into(),
            image_pinned: false,
        }
    }

    fn fields(result: Result<ReleaseContent, Vec<FieldError>>) -> Vec<String> {
        result.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn an_empty_image_defaults_to_the_repository_tagged_with_the_version() {
        let content = draft().into_content("registry.airlock.internal/api", None).expect("valid");
        assert_eq!(content.image, "registry.airlock.internal/api:2.15.0");
    }

    const REPO: &str = "registry.airlock.internal/api";

    fn edited(previous: &ReleaseContent, version: &str, image: &str, pinned: bool) -> Result<ReleaseContent, Vec<FieldError>> {
        let draft = ReleaseDraft { version: version.into(), image: image.into(), image_pinned: pinned, ..draft() };
        draft.into_content(REPO, Some(previous))
    }

    #[test]
    fn an_edit_of_the_version_takes_the_default_image_along_whatever_the_form_sent() {
        let first = draft().into_content(REPO, None).expect("valid");
        // The page's form sends the image it showed; the API may leave it out (the current one).
        for sent in [first.image.as_str(), ""] {
            let next = edited(&first, "2.15.1", sent, false).expect("valid");
            assert_eq!(next.image, format!("{REPO}:2.15.1"), "sent {sent:?}");
        }
    }

    #[test]
    fn an_image_whose_tag_says_another_version_is_refused_unless_pinned() {
        let first = draft().into_content(REPO, None).expect("valid");
        let stale = edited(&first, "2.15.1", &format!("{REPO}:2.15.0-hotfix"), false);
        assert_eq!(fields(stale), ["image"]);
        let create = ReleaseDraft { image: format!("{REPO}:2.14.0"), ..draft() };
        let refusal = create.clone().into_content(REPO, None).err().unwrap_or_default();
        assert!(refusal[0].message.contains("tagged 2.14.0") && refusal[0].message.contains("pin"), "{refusal:?}");
        let pinned = ReleaseDraft { image_pinned: true, ..create }.into_content(REPO, None).expect("pinned");
        assert_eq!(pinned.image, format!("{REPO}:2.14.0"));
        // A pinned image is not the old default, so it stays where it was pinned.
        let still_pinned = edited(&pinned, "2.15.2", &pinned.image, true).expect("pinned again");
        assert_eq!(still_pinned.image, format!("{REPO}:2.14.0"));
        assert_eq!(fields(edited(&pinned, "2.15.2", &pinned.image, false)), ["image"], "a new version asks for the pin again");
        let notes_only = ReleaseDraft {
            notes: "typo".into(),
            ..ReleaseDraft { image: pinned.image.clone(), version: pinned.version.clone(), ..draft() }
        };
        assert!(notes_only.into_content(REPO, Some(&pinned)).is_ok(), "an edit that keeps both needs no new pin");
    }

    #[test]
    fn images_without_a_tag_or_with_the_versions_tag_need_no_pin() {
        for image in [
            "registry:5000/api".to_owned(),
            "registry:5000/api@sha256:0123456789abcdef".to_owned(),
            format!("{REPO}:v2.15.0"),
            "other.example/api:2.15.0@sha256:0123".to_owned(),
        ] {
            let content = ReleaseDraft { image: image.clone(), ..draft() }.into_content(REPO, None);
            assert_eq!(content.map(|c| c.image), Ok(image.clone()), "{image}");
        }
        assert_eq!(image_tag("registry:5000/api"), None);
        assert_eq!(image_tag("registry:5000/api:1.2.3"), Some("1.2.3"));
        assert_eq!(image_tag("api@sha256:abc"), None);
    }

    #[test]
    fn versions_must_be_semantic() {
        for good in ["2.15.0", "v1.0.0", "1.0.0-rc.1", "1.2.3+build.7", "10.20.30-alpha-1"] {
            assert_eq!(check_version(good), Ok(()), "{good}");
        }
        for bad in ["", "2.15", "2.15.0.1", "latest", "01.2.3", "1.2.3-", "1.2.3 ", "1.2.x", "1.2.3-<b>"] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad = ReleaseDraft {
            service: "API!".into(),
            version: "latest".into(),
            image: "has space:1".into(),
            environment: String::new(),
            targets: Vec::new(),
            notes: "x".repeat(MAX_NOTES_LEN + 1),
            image_pinned: false,
        };
        assert_eq!(fields(bad.into_content("r", None)), ["service", "environment", "version", "image", "targets", "notes"]);
    }

    #[test]
    fn a_target_listed_twice_is_an_error() {
        let mut twice = draft();
        twice.targets.push(twice.targets[0].clone());
        assert_eq!(fields(twice.into_content("r", None)), ["targets"]);
    }

    #[test]
    fn too_many_targets_are_refused() {
        let mut many = draft();
        many.targets = (0..=MAX_TARGETS).map(|i| Target { tenant: format!("t{i}"), region: "frankfurt".into() }).collect();
        assert_eq!(fields(many.into_content("r", None)), ["targets"]);
    }
}
