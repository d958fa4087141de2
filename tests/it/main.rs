//! Integration tests: the real binary, real pipes, FIFOs and sockets, each process with a
//! deadline.

// A test that finds what it did not expect should stop right there, saying so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anon;
mod architecture;
mod bench;
mod capacity;
mod docs;
mod endings;
mod exec;
mod export;
mod fanin;
mod fds;
mod mq;
mod named;
mod papercuts;
mod polish;
mod safety;
mod shm;
mod signal;
mod socket;
mod sweep;
mod tcp;
mod timeline;
mod util;
