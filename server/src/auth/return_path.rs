//! Where a sign-in sends the person afterwards. The target arrives from the
//! outside (`?next=`, a form field), so it is an open redirect unless it is
//! read the way a browser will read the `Location` it ends up in: browsers
//! drop TAB, CR and LF anywhere in a URL, read a backslash as a slash, and
//! follow `//host` to another site. The target is therefore parsed with the
//! WHATWG URL rules browsers use, against a base no real site has, and
//! followed only if it stays on that base's origin; what is sent back is the
//! parsed path, never the raw text.

use percent_encoding::percent_decode_str;
use url::Url;

/// A host no site can have (RFC 6761): a target that leaves it left Airlock.
const BASE: &str = "http://airlock.invalid/";

/// The path (with query and fragment) on this site that `raw` leads to, or
/// `/` if it leads anywhere else or is not a path at all.
pub fn local_path(raw: &str) -> String {
    follow(raw).unwrap_or_else(|| "/".to_owned())
}

fn follow(raw: &str) -> Option<String> {
    // A relative path only: a full URL, even one naming this site, is refused.
    if !raw.starts_with('/') || raw.chars().any(|c| c.is_control()) {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let target = base.join(raw).ok()?;
    if target.origin() != base.origin() || target.username() != "" || target.password().is_some() {
        return None;
    }
    let path = target.path();
    // A proxy or framework that decodes `%2F` or `%5C` before redirecting
    // again would turn `/%2F/evil.example` into `//evil.example`.
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    if decoded.starts_with("//") || decoded.starts_with("/\\") || decoded.chars().any(|c| c.is_control()) {
        return None;
    }
    let mut local = path.to_owned();
    if let Some(query) = target.query() {
        local.push('?');
        local.push_str(query);
    }
    if let Some(fragment) = target.fragment() {
        local.push('#');
        local.push_str(fragment);
    }
    Some(local)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn paths_on_this_site_are_followed_as_parsed() {
        for (raw, followed) in [
            ("/", "/"),
            ("/releases/3?tab=history", "/releases/3?tab=history"),
            ("/releases/3#reviews", "/releases/3#reviews"),
            ("/tenants?q=acme%20corp&health=degraded", "/tenants?q=acme%20corp&health=degraded"),
            ("/a/../releases", "/releases"),
            ("/%2e%2e/releases", "/releases"),
        ] {
            assert_eq!(local_path(raw), followed, "{raw:?}");
        }
    }

    #[test]
    fn every_way_to_another_site_leads_to_the_overview() {
        for elsewhere in [
            "https://evil.example",
            "http://airlock.invalid/releases",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\t\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/x\r\nSet-Cookie: a",
            "/x%0d%0aSet-Cookie:%20a",
            "javascript:alert(1)",
            "/@evil.example",
            "evil.example",
            "",
        ] {
            let followed = local_path(elsewhere);
            assert!(followed == "/" || followed == "/@evil.example", "{elsewhere:?} led to {followed:?}");
        }
    }

    #[test]
    fn a_path_with_an_at_sign_stays_a_path_on_this_site() {
        // `/@evil.example` is a path here; it must not be read as userinfo.
        assert_eq!(local_path("/@evil.example"), "/@evil.example");
    }
}
