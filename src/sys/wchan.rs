//! What `/proc` says about a sleeping process or thread (`proc(5)`): the kernel function it
//! sleeps in (`wchan`), its state letter, and the system call it is in; and how many bytes a
//! pipe holds (`FIONREAD`). Everything here may be missing (another system, a kernel that hides
//! `wchan`): the answers are options, never errors.

use std::os::fd::{AsFd, AsRawFd};

/// Where a process or thread sleeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sleep {
    /// `wchan`: the kernel function, like `anon_pipe_read`; `None` where the kernel says `0`.
    pub wchan: Option<String>,
    /// The state letter of `stat`: `S`, `R`, `D`, `T`, `Z` …
    pub state: Option<char>,
    /// `syscall`: the number of the system call it is blocked in, and its first argument (the
    /// descriptor, for `read(2)` and `write(2)`).
    pub syscall: Option<(i64, i64)>,
}

/// What it waits for, as far as `/proc` can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeWait {
    Reading,
    Writing,
    Other,
}

impl Sleep {
    /// Reading or writing a pipe: from `wchan` (`pipe_read`, `anon_pipe_write` …), else from
    /// the system call (`read(2)` on descriptor 0, `write(2)` on 1) where the kernel hides
    /// `wchan`.
    pub fn pipe_wait(&self) -> PipeWait {
        if let Some(wchan) = &self.wchan {
            if wchan.contains("pipe_read") {
                return PipeWait::Reading;
            }
            if wchan.contains("pipe_write") {
                return PipeWait::Writing;
            }
            return PipeWait::Other;
        }
        match self.syscall {
            Some((nr, 0)) if nr == nix::libc::SYS_read => PipeWait::Reading,
            Some((nr, 1)) if nr == nix::libc::SYS_write => PipeWait::Writing,
            _ => PipeWait::Other,
        }
    }
}

/// Where process `pid` (its main thread) sleeps.
pub fn of_process(pid: i32) -> Sleep {
    read_sleep(&format!("/proc/{pid}"))
}

/// Where thread `tid` of this process sleeps.
pub fn of_own_thread(tid: i32) -> Sleep {
    read_sleep(&format!("/proc/self/task/{tid}"))
}

fn read_sleep(dir: &str) -> Sleep {
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).ok();
    let wchan = read("wchan")
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty() && w != "0");
    // "pid (comm) S …": the command may hold spaces and parentheses, the state follows the
    // last ')'.
    let state = read("stat").and_then(|stat| {
        let after = stat.rfind(')')?;
        stat[after + 1..].trim_start().chars().next()
    });
    let syscall = read("syscall").and_then(|text| {
        let mut fields = text.split_whitespace();
        let nr = fields.next()?.parse().ok()?;
        let first = fields.next()?;
        let arg = i64::from_str_radix(first.trim_start_matches("0x"), 16).ok()?;
        Some((nr, arg))
    });
    Sleep {
        wchan,
        state,
        syscall,
    }
}

/// The bytes a pipe holds now, asked through either of its ends (`FIONREAD`, `pipe(7)`).
pub fn pipe_held(fd: impl AsFd) -> Option<u64> {
    let mut held: nix::libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the pointer, which points to ours; the
    // descriptor is borrowed, so it is open for the length of the call.
    let done = unsafe {
        nix::libc::ioctl(
            fd.as_fd().as_raw_fd(),
            nix::libc::FIONREAD as _,
            &mut held as *mut nix::libc::c_int,
        )
    };
    (done == 0).then(|| u64::try_from(held).ok()).flatten()
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_thread_is_running_and_a_pipe_counts_what_it_holds() {
        let me = of_own_thread(nix::unistd::gettid().as_raw());
        assert_eq!(me.state, Some('R'));
        let (read_end, write_end) = nix::unistd::pipe().unwrap();
        nix::unistd::write(&write_end, b"12345").unwrap();
        assert_eq!(pipe_held(&read_end), Some(5));
        assert_eq!(pipe_held(&write_end), Some(5), "either end tells");
    }

    #[test]
    fn wchan_decides_and_the_system_call_stands_in_for_it() {
        let sleep = |wchan: Option<&str>, syscall| Sleep {
            wchan: wchan.map(str::to_string),
            state: Some('S'),
            syscall,
        };
        assert_eq!(
            sleep(Some("anon_pipe_read"), None).pipe_wait(),
            PipeWait::Reading
        );
        assert_eq!(
            sleep(Some("pipe_write"), None).pipe_wait(),
            PipeWait::Writing
        );
        assert_eq!(
            sleep(Some("hrtimer_nanosleep"), Some((nix::libc::SYS_read, 0))).pipe_wait(),
            PipeWait::Other
        );
        assert_eq!(
            sleep(None, Some((nix::libc::SYS_write, 1))).pipe_wait(),
            PipeWait::Writing
        );
        assert_eq!(sleep(None, None).pipe_wait(), PipeWait::Other);
    }
}
