//! Every exit status ipcdemo uses, in one place (documented in `--help`).

use std::process::ExitCode;

use nix::sys::signal::Signal;

use crate::report::Ending;

/// Success; also when the reader of stdout left early (`| head`).
pub const SUCCESS: u8 = 0;
/// A system call failed, the other side went away, or unsafe input was refused.
pub const FAILURE: u8 = 1;

/// 128 + the signal number, as shells report a process a signal ended: 130 for SIGINT,
/// 143 for SIGTERM.
pub fn after_signal(signal: Signal) -> ExitCode {
    ExitCode::from(128 + signal as u8)
}

/// The exit status of a run that ended this way.
pub fn end(ending: Ending) -> ExitCode {
    match ending {
        Ending::Success => ExitCode::from(SUCCESS),
        Ending::Failure => ExitCode::from(FAILURE),
        Ending::Signal(signal) => after_signal(signal),
    }
}
