//! The lessons, one module each. Every lesson takes its `Config` (lowered once from the command
//! line) and a [`Sink`](crate::event::Sink), reports what happens as events and notes, and
//! returns an [`Outcome`](crate::event::Outcome): its summaries and how it ended. None of them
//! prints a word.

pub mod anon;
pub mod atomic;
pub mod boundaries;
pub mod capacity;
pub mod exec;
pub mod fds;
pub mod mq;
pub mod named;
pub mod race;
pub mod shm;
pub mod signal;
pub mod socket;
pub mod spam;
