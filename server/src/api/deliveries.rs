//! Notification deliveries, for admins: every attempt's outcome, and
//! sending one again (with its delivery id, so receivers can tell).

use super::extract::{ApiPath, ApiQuery};
use super::identity::Caller;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::notify::{self, DELIVERIES_MAX, Delivery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// Only deliveries in this state; left out: any.
    #[param(value_type = Option<DeliveryStateView>)]
    state: Option<String>,
    /// How many, newest first; 100 when left out.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// Where a delivery stands: `failed` is given up (after a day of retries, or for good).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DeliveryState)]
pub enum DeliveryStateView {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStateView {
    const ALL: [(DeliveryStateView, &'static str); 3] =
        [(DeliveryStateView::Pending, "pending"), (DeliveryStateView::Delivered, "delivered"), (DeliveryStateView::Failed, "failed")];

    fn parse(text: &str) -> Option<DeliveryStateView> {
        Self::ALL.iter().find(|(_, name)| *name == text).map(|(state, _)| *state)
    }
}

/// One event for one receiver.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Delivery)]
pub struct DeliveryView {
    /// Sent as `X-Airlock-Delivery`: the same on every attempt.
    pub delivery_id: String,
    /// `webhook:<name>`.
    pub receiver: String,
    /// Sent as `X-Airlock-Event`, e.g. `review.approved`.
    pub event: String,
    pub release_id: i64,
    pub state: DeliveryStateView,
    pub attempts: u32,
    /// The receiver's last answer's status, if it answered.
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> DeliveryView {
        let Delivery {
            delivery_id,
            receiver,
            event,
            release_id,
            state,
            attempts,
            last_status,
            last_error,
            created_at,
            next_attempt_at,
            delivered_at,
        } = d;
        // The database holds only these three (a CHECK constraint).
        let state = DeliveryStateView::parse(&state).unwrap_or(DeliveryStateView::Failed);
        DeliveryView {
            delivery_id,
            receiver,
            event,
            release_id,
            state,
            attempts,
            last_status,
            last_error,
            created_at,
            next_attempt_at,
            delivered_at,
        }
    }
}

/// The newest deliveries of events to webhooks, newest first.
#[utoipa::path(get, path = "/deliveries", operation_id = "list_deliveries", tag = "notifications", params(DeliveriesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The newest deliveries.", body = Vec<DeliveryView>),
        (status = 400, description = "A `state` other than pending, delivered or failed, a limit out of range, or a parameter not listed here (`bad_query`).", body = ErrorBody),
        (status = 403, description = "Only admins see deliveries (`forbidden`).", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<DeliveriesQuery>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=DELIVERIES_MAX).contains(&limit) {
        return Err(ApiError::BadQuery(format!("limit: a page holds 1 to {DELIVERIES_MAX} deliveries, not {limit}.")));
    }
    // Exactly one of the states the document lists: a blank one is refused rather than read as "any".
    if let Some(wanted) = query.state.as_deref().filter(|s| DeliveryStateView::parse(s).is_none()) {
        return Err(ApiError::BadQuery(format!("There is no delivery state \u{201c}{wanted}\u{201d}; use pending, delivered or failed.")));
    }
    let deliveries = notify::list(&state.backend, caller.as_ref(), query.state.as_deref(), limit).await?;
    Ok(Json(deliveries.into_iter().map(DeliveryView::from).collect()))
}

/// Sends a delivery again, with the same delivery id, once the ones before
/// it (same receiver, same release) are done.
#[utoipa::path(post, path = "/deliveries/{delivery_id}/redeliver", operation_id = "redeliver", tag = "notifications",
    params(("delivery_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The delivery is due again."),
        (status = 403, description = "Only admins redeliver (`forbidden`).", body = ErrorBody),
        (status = 404, description = "No such delivery (`not_found`).", body = ErrorBody),
        (status = 409, description = "It is being sent right now (`being_delivered`): ask again once this attempt is over.", body = ErrorBody),
    ))]
pub async fn redeliver(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(delivery_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    notify::redeliver(&state.backend, caller.as_ref(), &delivery_id, Utc::now()).await?;
    Ok(StatusCode::ACCEPTED)
}
