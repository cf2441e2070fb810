//! Sign-in: people who come through the organisation's OpenID Connect
//! provider (`oidc`), their sessions (`sessions`, kept in the same database)
//! and, for trying Airlock alone, the demo sign-in (`demo`). Whatever the way
//! in, a signed-in person ends up as a [`SignedInUser`] in their session, and
//! every request resolves it to an [`Identity`] once.

pub mod accounts;
pub mod demo;
pub mod failed_sign_ins;
pub mod oidc;
pub mod people;
pub(crate) mod session_memory;
pub mod sessions;

use airlock_domain::access::Identity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The session key under which the signed-in person is kept.
pub const USER_KEY: &str = "user";
/// The session key of a login in progress (state, nonce, PKCE verifier).
pub const PENDING_LOGIN_KEY: &str = "pending_login";
/// The session key of the per-session CSRF token.
pub const CSRF_KEY: &str = "csrf";

/// Who a session belongs to, as stored in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub identity: Identity,
    pub display_name: Option<String>,
    /// The provider's groups at sign-in, shown on the "no access" page.
    pub groups: Vec<String>,
    pub signed_in_at: DateTime<Utc>,
    /// When the session last extended its idle expiry (see `needs_touch`).
    #[serde(default = "Utc::now")]
    pub touched_at: DateTime<Utc>,
    /// For RP-initiated logout (`id_token_hint`); absent for demo sign-in.
    pub id_token: Option<String>,
    /// How they signed in: `oidc` or `demo`.
    pub method: SignInMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Oidc,
    Demo,
}

/// How long a session lives at most, however active (absolute expiry); the
/// idle expiry is the session layer's.
pub fn session_expired(user: &SignedInUser, absolute: chrono::Duration, now: DateTime<Utc>) -> bool {
    now - user.signed_in_at > absolute
}

/// The session store saves a session only when it changes, so an idle expiry
/// would count from the last change, not the last request. Touching the
/// session now and then (at most once a minute) keeps an active person
/// signed in without writing to the database on every request.
pub fn needs_touch(user: &SignedInUser, now: DateTime<Utc>) -> bool {
    now - user.touched_at > chrono::Duration::minutes(1)
}

/// `len` random bytes from the system's generator, as lowercase hex: CSRF
/// tokens, service-account tokens, request ids.
pub fn random_hex(len: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)?;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // One allocation, not one per byte: every request id comes from here.
    let mut hex = String::with_capacity(2 * len);
    for b in bytes {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(hex)
}

/// Who is asking, resolved once per request by the server's identity layer
/// and kept in the request's extensions, where pages, server functions, API
/// handlers and the live channel all read it. Nothing else decides who is
/// calling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestCaller {
    pub identity: Option<Identity>,
    /// For the header: the person's name as the provider gave it.
    pub display_name: Option<String>,
    /// Whether the demo sign-in is on (every page then shows a banner).
    pub demo_sign_in: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn user(signed_in_at: DateTime<Utc>, touched_at: DateTime<Utc>) -> SignedInUser {
        SignedInUser {
            identity: Identity::person("ada", &[]),
            display_name: None,
            groups: vec![],
            signed_in_at,
            touched_at,
            id_token: None,
            method: SignInMethod::Demo,
        }
    }

    #[test]
    fn random_hex_is_lowercase_hex_of_twice_the_length() {
        let hex = random_hex(16).expect("random bytes");
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{hex}");
        assert_ne!(hex, random_hex(16).expect("random bytes"));
    }

    #[test]
    fn a_session_ends_at_its_absolute_lifetime_however_active() {
        let now = Utc::now();
        assert!(!session_expired(&user(now - Duration::hours(23), now), Duration::hours(24), now));
        assert!(session_expired(&user(now - Duration::hours(25), now), Duration::hours(24), now));
    }

    #[test]
    fn an_active_session_is_touched_at_most_once_a_minute() {
        let now = Utc::now();
        assert!(!needs_touch(&user(now, now - Duration::seconds(30)), now));
        assert!(needs_touch(&user(now, now - Duration::seconds(61)), now));
    }
}
