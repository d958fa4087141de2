//! Integration tests: the real binary, real pipes, FIFOs and sockets, each process with a
//! deadline.

mod anon;
mod architecture;
mod bench;
mod capacity;
mod endings;
mod named;
mod papercuts;
mod polish;
mod safety;
mod signal;
mod socket;
mod util;
