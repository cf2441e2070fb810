//! How many live-update streams may be open: in total, and per person (or
//! token). Each stream holds a connection for as long as a page is open, so
//! without a cap one script opening thousands would starve everyone else.
//! A slot is given back when its stream ends, however it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Clone)]
pub struct LiveSlots {
    total: Arc<Semaphore>,
    per_person: Arc<Mutex<HashMap<String, usize>>>,
    per_person_max: usize,
}

/// An open stream's claim; dropping it frees the slot.
pub struct LiveSlot {
    _permit: OwnedSemaphorePermit,
    person: String,
    per_person: Arc<Mutex<HashMap<String, usize>>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum LiveFull {
    /// Every slot of the server is taken (503).
    Server,
    /// This person has as many streams open as they may (429).
    Person,
}

impl LiveSlots {
    pub fn new(total: usize, per_person_max: usize) -> LiveSlots {
        LiveSlots { total: Arc::new(Semaphore::new(total)), per_person: Arc::default(), per_person_max }
    }

    pub fn take(&self, person: &str) -> Result<LiveSlot, LiveFull> {
        // A panic while the map was held leaves it consistent (one increment or none).
        let mut counts = self.per_person.lock().unwrap_or_else(PoisonError::into_inner);
        let open = counts.get(person).copied().unwrap_or(0);
        if open >= self.per_person_max {
            return Err(LiveFull::Person);
        }
        let permit = self.total.clone().try_acquire_owned().map_err(|_| LiveFull::Server)?;
        counts.insert(person.to_owned(), open + 1);
        Ok(LiveSlot { _permit: permit, person: person.to_owned(), per_person: self.per_person.clone() })
    }
}

impl Drop for LiveSlot {
    fn drop(&mut self) {
        let mut counts = self.per_person.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = counts.get_mut(&self.person) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.person);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_cannot_take_more_than_their_share_and_slots_come_back_when_streams_end() {
        let slots = LiveSlots::new(3, 2);
        let first = slots.take("ada").expect("first");
        let _second = slots.take("ada").expect("second");
        assert_eq!(slots.take("ada").err(), Some(LiveFull::Person));
        let _grace = slots.take("grace").expect("someone else still can");
        assert_eq!(slots.take("tom").err(), Some(LiveFull::Server));
        drop(first);
        assert!(slots.take("ada").is_ok(), "a closed stream frees its slot");
    }
}
