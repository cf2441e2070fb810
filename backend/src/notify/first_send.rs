//! New deliveries are sent before they are written, so that most of them
//! are written once, with how the attempt went, instead of written, claimed
//! and finished (three writes under the lock every change waits for on
//! SQLite). Each receiver and release is a lane whose deliveries go one
//! after another, lanes side by side. After a short wait the batch is cut:
//! an attempt still waiting for its answer is written as claimed (and
//! finished when the answer comes, as a claimed delivery is), and what a
//! failure or the cut left unsent is written due now, behind it, for the
//! claim path to send in order.

use super::worker::{Outcome, Sending, attempt};
use crate::store::{Attempt, ClaimedDelivery, FirstAttempt, NewDelivery};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

/// How long a batch waits for its answers before it is written.
const WAIT: Duration = Duration::from_secs(1);
/// How long a receiver that failed or answered slowly gets its new
/// deliveries through the claim path, so it holds up no batch.
const SLOW_FOR: Duration = Duration::from_secs(60);

/// One receiver's deliveries of one release, in order, and how far they got.
struct Lane {
    deliveries: Vec<NewDelivery>,
    progress: Mutex<Progress>,
}

#[derive(Default)]
struct Progress {
    /// How many attempts were started.
    started: usize,
    /// The outcomes of the first attempts, in order.
    made: Vec<(Attempt, DateTime<Utc>)>,
    /// Set when the batch is cut: the claim an attempt still in flight was written under.
    cut: Option<DateTime<Utc>>,
}

/// Receivers that recently failed or kept a batch waiting.
#[derive(Default)]
pub(crate) struct SlowReceivers(HashMap<String, Instant>);

impl SlowReceivers {
    fn holds(&self, receiver: &str) -> bool {
        self.0.get(receiver).is_some_and(|since| since.elapsed() < SLOW_FOR)
    }

    fn mark(&mut self, receiver: &str) {
        self.0.retain(|_, since| since.elapsed() < SLOW_FOR);
        self.0.insert(receiver.to_owned(), Instant::now());
    }
}

/// Sends `deliveries` once each (save those whose lane has a delivery
/// pending, or whose receiver is slow), waits for the answers up to `WAIT`,
/// and returns every delivery with its first attempt as it stands. Attempts
/// still in flight go on in `late`, and report to `outcomes` when they end.
pub(crate) async fn send(
    sending: &Arc<Sending>,
    deliveries: Vec<NewDelivery>,
    pending: &HashSet<(String, i64)>,
    slow: &mut SlowReceivers,
    late: &mut Vec<JoinSet<()>>,
    outcomes: &UnboundedSender<Outcome>,
) -> Vec<NewDelivery> {
    let mut held: Vec<NewDelivery> = Vec::new();
    let mut lanes: Vec<Lane> = Vec::new();
    let mut lane_of: HashMap<(String, i64), usize> = HashMap::new();
    for delivery in deliveries {
        let key = (delivery.receiver.clone(), delivery.release_id);
        if pending.contains(&key) || slow.holds(&delivery.receiver) {
            held.push(delivery);
            continue;
        }
        let index = *lane_of.entry(key).or_insert_with(|| {
            lanes.push(Lane { deliveries: Vec::new(), progress: Mutex::default() });
            lanes.len() - 1
        });
        lanes[index].deliveries.push(delivery);
    }
    let lanes: Vec<Arc<Lane>> = lanes.into_iter().map(Arc::new).collect();
    let mut tasks = JoinSet::new();
    for lane in &lanes {
        tasks.spawn(run(lane.clone(), sending.clone(), outcomes.clone()));
    }
    let _ = tokio::time::timeout(WAIT, async { while tasks.join_next().await.is_some() {} }).await;
    if !tasks.is_empty() {
        late.push(tasks);
    }
    // Stored as PostgreSQL keeps it, so finishing can compare it exactly.
    let claimed_until = airlock_domain::audit::truncate_to_micros(Utc::now() + super::worker::LEASE);
    let mut written = Vec::new();
    for lane in &lanes {
        written.extend(cut(lane, claimed_until, slow));
    }
    written.extend(held);
    written
}

/// Sends a lane's deliveries one after another until one fails or the batch is cut.
async fn run(lane: Arc<Lane>, sending: Arc<Sending>, outcomes: UnboundedSender<Outcome>) {
    for (index, delivery) in lane.deliveries.iter().enumerate() {
        {
            let mut progress = lane.progress.lock().unwrap_or_else(PoisonError::into_inner);
            if progress.cut.is_some() {
                return;
            }
            progress.started = index + 1;
        }
        let claimed = ClaimedDelivery {
            delivery_id: delivery.delivery_id.clone(),
            receiver: delivery.receiver.clone(),
            event: delivery.event.clone(),
            payload: delivery.payload.clone(),
            created_at: delivery.at,
            attempts: 0,
            claimed_until: delivery.at,
        };
        let made = attempt(&sending, &claimed).await;
        let failed = !matches!(made, Attempt::Delivered { .. });
        let mut progress = lane.progress.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(claimed_until) = progress.cut {
            // Written as claimed under the cut's claim: finished as any claimed delivery is.
            let _ = outcomes.send((ClaimedDelivery { claimed_until, ..claimed }, made));
            return;
        }
        progress.made.push((made, Utc::now()));
        if failed {
            return;
        }
    }
}

/// A lane's deliveries as they are to be written when the batch is cut.
fn cut(lane: &Lane, claimed_until: DateTime<Utc>, slow: &mut SlowReceivers) -> Vec<NewDelivery> {
    let mut progress = lane.progress.lock().unwrap_or_else(PoisonError::into_inner);
    progress.cut = Some(claimed_until);
    let mut stopped = false;
    let mut written = Vec::with_capacity(lane.deliveries.len());
    for (index, delivery) in lane.deliveries.iter().enumerate() {
        let first = match progress.made.get(index) {
            _ if stopped => FirstAttempt::NotYet,
            Some((attempt, at)) => {
                if matches!(attempt, Attempt::Failed { .. }) {
                    stopped = true;
                    slow.mark(&delivery.receiver);
                }
                FirstAttempt::Made { attempt: attempt.clone(), at: *at }
            }
            None if index < progress.started => {
                stopped = true;
                slow.mark(&delivery.receiver);
                FirstAttempt::InFlight { claimed_until }
            }
            None => {
                stopped = true;
                FirstAttempt::NotYet
            }
        };
        written.push(NewDelivery { first, ..delivery.clone() });
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(receiver: &str) -> NewDelivery {
        NewDelivery {
            delivery_id: "d".into(),
            receiver: receiver.into(),
            event: "release.created".into(),
            release_id: 1,
            audit_seq: Some(1),
            payload: "{}".into(),
            at: Utc::now(),
            first: FirstAttempt::NotYet,
        }
    }

    fn lane(progress: Progress) -> Lane {
        Lane { deliveries: vec![delivery("webhook:a"), delivery("webhook:a"), delivery("webhook:a")], progress: Mutex::new(progress) }
    }

    #[test]
    fn what_follows_a_failed_attempt_is_written_unsent_behind_it_and_its_receiver_is_marked_slow() {
        let failed = Attempt::Failed { status: Some(500), error: "no".into(), retry_at: Some(Utc::now()) };
        let now = Utc::now();
        let lane = lane(Progress { started: 2, made: vec![(Attempt::Delivered { status: 200 }, now), (failed.clone(), now)], cut: None });
        let mut slow = SlowReceivers::default();
        let firsts: Vec<FirstAttempt> = cut(&lane, now, &mut slow).into_iter().map(|d| d.first).collect();
        assert_eq!(
            firsts,
            [
                FirstAttempt::Made { attempt: Attempt::Delivered { status: 200 }, at: now },
                FirstAttempt::Made { attempt: failed, at: now },
                FirstAttempt::NotYet
            ]
        );
        assert!(slow.holds("webhook:a") && !slow.holds("webhook:b"));
    }

    #[test]
    fn an_attempt_in_flight_at_the_cut_is_written_claimed_and_what_follows_it_unsent() {
        let now = Utc::now();
        let lane = lane(Progress { started: 1, made: Vec::new(), cut: None });
        let mut slow = SlowReceivers::default();
        let firsts: Vec<FirstAttempt> = cut(&lane, now, &mut slow).into_iter().map(|d| d.first).collect();
        assert_eq!(firsts, [FirstAttempt::InFlight { claimed_until: now }, FirstAttempt::NotYet, FirstAttempt::NotYet]);
        assert!(slow.holds("webhook:a"));
        assert_eq!(lane.progress.lock().expect("progress").cut, Some(now), "the lane's task stops and reports late");
    }
}
