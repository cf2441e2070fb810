//! What the request bodies' fields must look like, as JSON Schema, built from
//! the limits the domain and the services check, so the OpenAPI document and
//! the refusals cannot drift apart. A body the document calls valid is refused
//! only for what no schema can say: a service, environment, tenant or region
//! that does not exist, an image tagged with another version than the release,
//! a release's service changed by an edit (all `422 invalid`, naming the field).
//!
//! Several fields are trimmed before they are checked. Their patterns allow
//! leading and trailing white space and count the limit on what is left; white
//! space is spelled out as Rust's `char::is_whitespace` has it, because `\s`
//! means something slightly different in ECMA-262 and in each client's regex engine.

use airlock_domain::gate::{MAX_COMMENT_LEN, MAX_EVIDENCE_URL_LEN, MAX_IMAGE_LEN, MAX_NOTES_LEN, MAX_TARGETS, MAX_VERSION_LEN};
use airlock_domain::names::MAX_SLUG_LEN;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};

/// Unicode's White_Space, which `str::trim` strips.
const WS: &str = r"[\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";
/// Anything but that.
const NOT_WS: &str = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

fn string(nullable: bool) -> ObjectBuilder {
    let types = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::Type(Type::String) };
    ObjectBuilder::new().schema_type(types)
}

/// A name (`airlock_domain::names::Slug`): lowercase letters, digits and `-`,
/// starting with a letter and not ending with `-`.
pub fn slug() -> Schema {
    string(false).pattern(Some("^[a-z]([a-z0-9-]*[a-z0-9])?$")).max_length(Some(MAX_SLUG_LEN)).into()
}

fn slug_field(nullable: bool, what: &str) -> Schema {
    string(nullable)
        .pattern(Some("^[a-z]([a-z0-9-]*[a-z0-9])?$"))
        .max_length(Some(MAX_SLUG_LEN))
        .description(Some(format!("The {what}'s name, as the world file spells it.")))
        .into()
}

pub fn service() -> Schema {
    slug_field(false, "service")
}

pub fn environment() -> Schema {
    slug_field(false, "environment")
}

/// On an edit: left out or `null` keeps it (and it may not change).
pub fn same_service() -> Schema {
    slug_field(true, "service")
}

pub fn same_environment() -> Schema {
    slug_field(true, "environment")
}

/// `airlock_domain::gate::check_version`: MAJOR.MINOR.PATCH without leading
/// zeros, an optional `v`, and an optional `-pre` or `+build` part.
fn version_of(nullable: bool) -> Schema {
    string(nullable)
        .pattern(Some(r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-+][0-9A-Za-z.+-]+)?$"))
        .max_length(Some(MAX_VERSION_LEN))
        .description(Some("A semantic version, such as `2.15.0` or `v2.15.0-rc.1`."))
        .into()
}

pub fn version() -> Schema {
    version_of(false)
}

pub fn new_version() -> Schema {
    version_of(true)
}

/// `airlock_domain::gate::check_image`, on the trimmed text; blank means the
/// service's repository tagged with the version.
pub fn image() -> Schema {
    let max = MAX_IMAGE_LEN - 1;
    string(true)
        .pattern(Some(format!("^{WS}*([A-Za-z0-9][A-Za-z0-9._/:@-]{{0,{max}}})?{WS}*$")))
        .description(Some(
            "A container image reference such as `registry.example.com/api:2.15.0`; blank or left out: \
             the service's repository tagged with `version`. Its tag must name `version` unless `image_pinned`.",
        ))
        .into()
}

/// Release notes, at most `MAX_NOTES_LEN` characters as sent.
pub fn notes() -> Schema {
    string(true).max_length(Some(MAX_NOTES_LEN)).into()
}

/// Text that is trimmed, then holds at most `max` characters (`required`: at
/// least one that is not white space).
fn trimmed_text(max: usize, required: bool, nullable: bool) -> ObjectBuilder {
    let inner = max.saturating_sub(2);
    let core = format!("{NOT_WS}([\\s\\S]{{0,{inner}}}{NOT_WS})?");
    let core = if required { core } else { format!("({core})?") };
    string(nullable).pattern(Some(format!("^{WS}*{core}{WS}*$")))
}

/// A checklist tick's note.
pub fn note() -> Schema {
    trimmed_text(MAX_COMMENT_LEN, false, true)
        .description(Some(format!("At most {MAX_COMMENT_LEN} characters, leading and trailing white space aside.")))
        .into()
}

/// A review's comment; `required` when rejecting.
fn comment(required: bool) -> Schema {
    let description = if required {
        format!("What the author must fix: some text, at most {MAX_COMMENT_LEN} characters, leading and trailing white space aside.")
    } else {
        format!("Optional, at most {MAX_COMMENT_LEN} characters, leading and trailing white space aside.")
    };
    trimmed_text(MAX_COMMENT_LEN, required, false).description(Some(description)).into()
}

/// An http(s) link of at most `MAX_EVIDENCE_URL_LEN` characters, without
/// white space once trimmed; blank means none.
pub fn evidence_url() -> Schema {
    let https = MAX_EVIDENCE_URL_LEN - "https://".len();
    let http = MAX_EVIDENCE_URL_LEN - "http://".len();
    string(true)
        .pattern(Some(format!("^{WS}*(https://{NOT_WS}{{0,{https}}}|http://{NOT_WS}{{0,{http}}})?{WS}*$")))
        .description(Some(format!(
            "An http(s) link to the proof, such as a CI run, at most {MAX_EVIDENCE_URL_LEN} characters; blank or left out: none."
        )))
        .into()
}

fn target_list(nullable: bool) -> ArrayBuilder {
    let types = if nullable { SchemaType::from_iter([Type::Array, Type::Null]) } else { SchemaType::Type(Type::Array) };
    ArrayBuilder::new().schema_type(types).items(RefOr::Ref(Ref::from_schema_name("Target")))
}

/// A release's targets: each (tenant, region) once.
pub fn targets() -> Schema {
    target_list(false).min_items(Some(1)).max_items(Some(MAX_TARGETS)).unique_items(true).into()
}

/// On an edit: left out or `null` keeps them.
pub fn new_targets() -> Schema {
    target_list(true).min_items(Some(1)).max_items(Some(MAX_TARGETS)).unique_items(true).into()
}

/// Which targets to roll back; left out, `null` or empty: every dispatched one.
pub fn rollback_targets() -> Schema {
    target_list(true).description(Some("Only these targets; every dispatched target when left out, null or empty.")).into()
}

/// A revision number as the caller read it (any `u32`; `3.0` is 3).
pub fn revision() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(u32::MAX))
        .description(Some("The revision the caller read: 409 `stale_revision`, naming both revisions, if the release has moved on since."))
        .into()
}

/// A review: an approval may carry a comment, a rejection must.
pub fn review() -> Schema {
    let variant = |decision: &str, required: bool| {
        let object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("decision", string(false).enum_values(Some([decision])))
            .property("comment", comment(required))
            .property("revision", revision())
            .required("decision")
            .required("revision")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        if required { object.required("comment") } else { object }
    };
    OneOfBuilder::new()
        .item(variant("approve", false))
        .item(variant("reject", true))
        .description(Some("Approve or reject the revision the reviewer read; a rejection says why."))
        .into()
}
