//! axum's `Json`, `Path` and `Query`, with their rejections turned into the
//! API's JSON errors instead of axum's plain-text bodies.

use super::ApiError;
use airlock_backend::Missing;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

/// A JSON request body: an object.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<Object<T>>::from_request(request, state).await.map(|Json(Object(value))| ApiJson(value)).map_err(ApiError::from)
    }
}

/// A JSON object read as `T`. serde reads a struct from an array too (its
/// fields in order, `[]` when all have defaults); the document says object.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Object<T>, D::Error> {
        deserializer.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// A JSON request body the operation may go without: a request with neither
/// a body nor a `Content-Type`, or with the body `null`, gets `T::default()`.
/// Any body at all must be JSON sent as such, exactly as for [`ApiJson`].
pub struct ApiOptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiOptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let headers = request.headers();
        let typed = headers.contains_key(header::CONTENT_TYPE);
        // A chunked body announces no length, so only a stated 0 (or no length and no chunks) is "none".
        let empty = match headers.get(header::CONTENT_LENGTH) {
            Some(length) => length.as_bytes() == b"0",
            None => !headers.contains_key(header::TRANSFER_ENCODING),
        };
        if !typed && empty {
            return Ok(ApiOptionalJson(T::default()));
        }
        let Json(value) = Json::<Option<Object<T>>>::from_request(request, state).await?;
        Ok(ApiOptionalJson(value.map(|Object(value)| value).unwrap_or_default()))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        // serde's text names the line, column and field that failed, which is
        // about the client's own input, so it is safe and useful to echo.
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::InvalidJson(detail(e.body_text())),
            JsonRejection::JsonSyntaxError(e) => ApiError::MalformedJson(detail(e.body_text())),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
            other => ApiError::MalformedJson(detail(other.body_text())),
        }
    }
}

/// serde's own words, without axum's lead-in ("Failed to parse the request
/// body as JSON: "), which our error message already says.
fn detail(text: String) -> String {
    match text.split_once(": ") {
        Some((_, detail)) => detail.to_owned(),
        None => text,
    }
}

/// Path parameters. One that does not parse (a release id of `abc`) names
/// nothing that exists, so it is a 404 like an unknown id, not a 400.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => {
                // The nested router sees its own suffix only; show the path as sent.
                let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path(), |uri| uri.0.path());
                Err(ApiError::not_found(Missing::Resource(path.to_owned())))
            }
        }
    }
}

/// Query-string parameters.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state).await.map(|Query(value)| ApiQuery(value)).map_err(|rejection: QueryRejection| {
            ApiError::BadQuery(format!("The query string does not parse: {}", detail(rejection.body_text())))
        })
    }
}

/// Empty query values (`?service=`) mean "any", as an untouched form field does.
pub fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}
