//! Every exit status ipcdemo uses, in one place (documented in `--help`).

use std::process::ExitCode;

use crate::report::Ending;
use crate::sys::signals;

/// Success; also when the reader of stdout left early (`| head`).
pub const SUCCESS: u8 = 0;
/// A system call failed, the other side went away, or unsafe input was refused.
pub const FAILURE: u8 = 1;

/// The exit status of a run that ended this way. A run stopped by a signal does not exit: it
/// dies by that signal, which shells show as 128 + its number (129 SIGHUP, 130 SIGINT, 131
/// SIGQUIT, 143 SIGTERM) and which stops a shell's loop.
pub fn end(ending: Ending) -> ExitCode {
    match ending {
        Ending::Success => ExitCode::from(SUCCESS),
        Ending::Failure => ExitCode::from(FAILURE),
        Ending::Signal(signal) => signals::die_by(signal),
    }
}
