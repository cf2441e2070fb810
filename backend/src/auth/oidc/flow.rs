//! The callback half of a login: check the redirect, exchange the code, verify the ID token.

use openidconnect::core::{CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet};
use openidconnect::{AuthorizationCode, ClaimsVerificationError, IdTokenClaims, IdTokenVerifier, Nonce, PkceCodeVerifier, TokenResponse};

use super::claims::{ExtraClaims, constant_time_eq};
use super::error::{self, IdTokenProblem, LoginFailure};
use super::{Callback, OidcClient, PendingLogin, SignedIn, Token};

impl OidcClient {
    /// Finishes a login started by `begin`. Checks, in order: `state` (so nothing else from a
    /// forged callback is even looked at), `iss` (RFC 9207 mix-up defence), the provider's
    /// `error`, then exchanges the code with the PKCE verifier and verifies the ID token
    /// (signature against the JWKS, issuer, audience, expiry, nonce).
    pub async fn finish(&self, pending: PendingLogin, callback: Callback) -> Result<SignedIn, LoginFailure> {
        let result = self.finish_inner(pending, callback).await;
        if let Err(failure) = &result {
            tracing::warn!(reason = failure.reason(), error = %failure, "OIDC login rejected");
        }
        result
    }

    async fn finish_inner(&self, pending: PendingLogin, cb: Callback) -> Result<SignedIn, LoginFailure> {
        let inner = &self.inner;
        let state_ok = cb.state.as_deref().is_some_and(|s| constant_time_eq(s.as_bytes(), pending.state.as_bytes()));
        if !state_ok {
            return Err(LoginFailure::StateMismatch);
        }
        match cb.iss.as_deref() {
            Some(iss) if iss != inner.issuer => return Err(LoginFailure::IssuerMismatch),
            None if inner.iss_always_sent => return Err(LoginFailure::IssuerMismatch),
            _ => {}
        }
        if let Some(error) = cb.error {
            return Err(LoginFailure::ProviderRefused { error, description: cb.error_description });
        }
        let code = cb.code.filter(|c| !c.is_empty()).ok_or(LoginFailure::MissingCode)?;

        let response = inner
            .rp
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| LoginFailure::TokenExchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&inner.http)
            .await
            .map_err(|e| LoginFailure::TokenExchange(error::describe_token_error(&e)))?;
        let id_token = response.id_token().ok_or(LoginFailure::NoIdToken)?;
        let nonce = Nonce::new(pending.nonce);
        let claims = self.verify(id_token, &nonce).await?;

        let email_verified = claims.email_verified();
        Ok(SignedIn {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().filter(|_| email_verified != Some(false)).map(|e| e.as_str().to_owned()),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
            preferred_username: claims.preferred_username().map(|u| u.as_str().to_owned()),
            groups: claims.additional_claims().groups(&inner.groups_claim),
            id_token: id_token.to_string(),
        })
    }

    /// Verifies with the keys we have; if the token names a key we lack, fetches the JWKS once
    /// more (the provider may have rotated keys since start-up) and tries again.
    async fn verify(&self, token: &Token, nonce: &Nonce) -> Result<IdTokenClaims<ExtraClaims, CoreGenderClaim>, LoginFailure> {
        let jwks = self.current_jwks();
        let first = token.claims(&self.verifier(jwks), nonce).cloned();
        let err = match first {
            Ok(claims) => return Ok(claims),
            Err(err) if error::is_unknown_key(&err) => err,
            Err(err) => return Err(invalid(&err)),
        };
        tracing::info!("ID token signed by an unknown key; fetching the provider's JWKS again");
        let fresh = match CoreJsonWebKeySet::fetch_async(&self.inner.jwks_uri, &self.inner.http).await {
            Ok(jwks) => jwks,
            Err(e) => {
                tracing::warn!(error = %error::chain(&e), "JWKS refresh failed");
                return Err(invalid(&err));
            }
        };
        if let Ok(mut slot) = self.inner.jwks.write() {
            *slot = fresh.clone();
        }
        token.claims(&self.verifier(fresh), nonce).cloned().map_err(|e| invalid(&e))
    }

    fn current_jwks(&self) -> CoreJsonWebKeySet {
        // A poisoned lock still holds a usable key set: a panic cannot leave it half-written.
        match self.inner.jwks.read() {
            Ok(jwks) => jwks.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Same checks as `Client::id_token_verifier`, but over the refreshable key set.
    fn verifier(&self, jwks: CoreJsonWebKeySet) -> IdTokenVerifier<'static, CoreJsonWebKey> {
        let inner = &self.inner;
        let issuer = inner.issuer_url.clone();
        let verifier = match &inner.client_secret {
            Some(secret) => IdTokenVerifier::new_confidential_client(inner.client_id.clone(), secret.clone(), issuer, jwks),
            None => IdTokenVerifier::new_public_client(inner.client_id.clone(), issuer, jwks),
        };
        verifier.set_allowed_algs(inner.signing_algs.iter().cloned())
    }
}

fn invalid(err: &ClaimsVerificationError) -> LoginFailure {
    let problem = IdTokenProblem::from(err);
    if problem == IdTokenProblem::Signature {
        // The detail (no matching key, disallowed alg, ...) matters to whoever debugs it.
        tracing::warn!(detail = %error::chain(err), "ID token signature check failed");
    }
    LoginFailure::InvalidIdToken(problem)
}
