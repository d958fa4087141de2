//! The POSIX message queue (lesson 9 of the map): a father creates a queue with `mq_open(3)`
//! under a name (`/ipcdemo-<uid>-queue`), receives with `mq_receive(3)`; sons, in other
//! terminals, open it by name and `mq_send(3)` the notebook's `Spam 000` … at a priority.
//!
//! The guarantees on show (`mq_overview(7)`, `mq_send(3)`, `mq_receive(3)`): the kernel keeps
//! every boundary, so each receive returns exactly one whole message, never a part, never two
//! glued together, whatever the timing; and it hands out the oldest message of the *highest*
//! priority first, so a message sent later at a higher priority overtakes those waiting (let
//! them pile up with `--read-after`). The queue and its messages live in the kernel, not in
//! any process: they outlive their senders, and the queue outlives even its creator unless it
//! is removed (`mq_unlink(3)`). Ours does that on every exit path it can (a signal included);
//! after a `kill -9` the per-user lock file tells a stale queue from a live one.
//!
//! The limits bite, and are said aloud: a queue holds at most `mq_maxmsg` messages of at most
//! `mq_msgsize` bytes, fixed at creation; without `CAP_SYS_RESOURCE` both are capped by
//! `/proc/sys/fs/mqueue/msg_max` and `msgsize_max` (asking more is `EINVAL`), and
//! `RLIMIT_MSGQUEUE` caps the bytes of all of a user's queues, root's too (`EMFILE`).
//!
//! How it blocks: `mq_receive(3)` sleeps while the queue is empty; `mq_send(3)` sleeps while it
//! is full (the son waits in `poll(2)` instead, which a Linux queue descriptor supports, so it
//! can notice that its father removed the queue), and with `--no-wait` fails with `EAGAIN`. A
//! message longer than `mq_msgsize` is refused whole (`EMSGSIZE`). Nothing tells a father who
//! sent a message, nor a son whether anybody will ever receive it.

use std::time::Duration;

use crate::event::Outcome;

/// What `ipcdemo mq` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Be a son (a sender) instead of the father (the receiver, who creates the queue).
    pub son: bool,
    /// The queue's name; `None`: `/ipcdemo-<uid>-queue`.
    pub name: Option<String>,
    /// Father: messages to receive in all; son: messages to send. `None`: until stopped.
    pub count: Option<u64>,
    /// The unit of the son's sleeps.
    pub tick: Duration,
    /// Father: `mq_maxmsg` at creation; `None`: the system's default.
    pub max_messages: Option<u64>,
    /// Father: `mq_msgsize` at creation, in bytes; `None`: the system's default.
    pub message_size: Option<usize>,
    /// Son: every K-th message goes at priority 1.
    pub priority_every: Option<u64>,
    /// Father: wait this long before the first receive.
    pub read_after: Duration,
    /// Son: fail with `EAGAIN` on a full queue instead of waiting for room.
    pub no_wait: bool,
}

#[cfg(target_os = "linux")]
pub fn run(config: &Config, sink: &dyn crate::event::Sink) -> Outcome {
    let name = config
        .name
        .clone()
        .unwrap_or_else(crate::sys::mqueue::default_name);
    if config.son {
        linux::son(config, &name, sink)
    } else {
        linux::father(config, &name, sink)
    }
}

#[cfg(not(target_os = "linux"))]
pub fn run(_config: &Config, _sink: &dyn crate::event::Sink) -> Outcome {
    use crate::event::{Error, LinuxOnly};
    Outcome::from(Err(Error::NeedsLinux(LinuxOnly::MessageQueues)))
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::AsFd;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use nix::errno::Errno;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::unistd::{geteuid, getpid};

    use super::super::spam::{self, SonPlan};
    use super::Config;
    use crate::event::{
        Data, Error, Event, Note, Outcome, QueueReport, Result, Role, Sink, Summary,
    };
    use crate::sys::lock::{self, Holder, Lock, Locked};
    use crate::sys::mqueue::{
        self, Access, Attributes, Created, Identity, Limits, Queue, Size, identity_of,
    };
    use crate::sys::{Context, Doing, rendezvous, signals};

    /// How often a son waiting for room checks that its queue is still there.
    const ROOM_CHECK: Duration = Duration::from_millis(500);

    /// The lock file of `name`, in the per-user folder.
    fn lock_path(folder: &Path, name: &str) -> PathBuf {
        folder.join(mqueue::lock_file_name(name))
    }

    pub fn father(config: &Config, name: &str, sink: &dyn Sink) -> Outcome {
        let prepared = match prepare(config, name, sink) {
            Ok(prepared) => prepared,
            Err(e) => return Outcome::from(Err(e)),
        };
        let Prepared {
            lock,
            created,
            attributes,
        } = prepared;
        let mut report = QueueReport {
            name: name.to_string(),
            messages: 0,
            bytes: 0,
            receives: 0,
            priority_messages: 0,
            max_messages: attributes.max_messages,
            message_size_bytes: attributes.message_size,
            left_in_queue: 0,
        };
        let end = receive(
            config,
            name,
            created.queue(),
            &attributes,
            &mut report,
            sink,
        );
        report.left_in_queue = created
            .queue()
            .attributes()
            .map_or(0, |attributes| attributes.queued);
        // The queue goes first (while we still hold its lock, so no other father can be
        // making it anew in between), then the lock.
        drop(created);
        drop(lock);
        Outcome::new(vec![Summary::Queue(report)], end)
    }

    struct Prepared {
        lock: Lock,
        created: Created,
        attributes: Attributes,
    }

    /// Takes the lock, clears away a stale queue, creates ours and says its limits.
    fn prepare(config: &Config, name: &str, sink: &dyn Sink) -> Result<Prepared> {
        let (folder, repaired) = rendezvous::private_folder()?;
        if let Some(was) = repaired {
            sink.note(&Note::FolderRepaired {
                folder: &folder,
                was,
            });
        }
        let lock_file = lock_path(&folder, name);
        let lock = one_father(&lock_file, name)?;
        let limits = mqueue::limits();
        let size = size_asked(config, &limits);
        let mut replaced_stale = None;
        // Twice at most: a queue that appears between our look and our create is looked at
        // again (it can only be another user's: no father of ours can be here without the lock).
        let mut tries = 0;
        let queue = loop {
            tries += 1;
            if let Some(left) = clear_stale(name)? {
                replaced_stale = Some(left);
            }
            match mqueue::create(name, Access::Receive, false, size) {
                Ok(queue) => break queue,
                Err(Errno::EEXIST) if tries < 2 => continue,
                Err(errno @ (Errno::EINVAL | Errno::EMFILE | Errno::ENOSPC | Errno::ENOMEM)) => {
                    return Err(Error::QueueRefused {
                        name: name.to_string(),
                        errno,
                        asked: size,
                        limits: Box::new(limits),
                    });
                }
                Err(e) => return Err(Error::call_on(Doing::CreatingQueue, Path::new(name), e)),
            }
        };
        let created = Created::new(name, queue);
        if let Some(left) = replaced_stale {
            sink.note(&Note::StaleQueueReplaced {
                name,
                lock: &lock_file,
                left,
            });
        }
        let attributes = created
            .queue()
            .attributes()
            .doing_on(Doing::ReadingQueueAttributes, Path::new(name))?;
        sink.note(&Note::QueueCreated {
            name,
            attributes,
            limits,
        });
        Ok(Prepared {
            lock,
            created,
            attributes,
        })
    }

    /// One father per queue: a second would take part of the messages. The lock also tells a
    /// live father's queue from one a dead father left (its lock went with it).
    fn one_father(lock_file: &Path, name: &str) -> Result<Lock> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match lock::try_lock(lock_file)? {
                Locked::Ours(lock) => return Ok(lock),
                // A son looks at the lock for a moment (lock::holder): look again, briefly.
                Locked::HeldBy(_) if attempt < 5 => std::thread::sleep(Duration::from_millis(2)),
                Locked::HeldBy(pid) => {
                    return Err(Error::AnotherFatherReceiving {
                        name: name.to_string(),
                        pid,
                    });
                }
            }
        }
    }

    /// `--max-messages` and `--message-size`, with the system's default for what is not given.
    fn size_asked(config: &Config, limits: &Limits) -> Size {
        let default = limits.default_size();
        Size {
            max_messages: config.max_messages.unwrap_or(default.max_messages),
            message_size: config.message_size.unwrap_or(default.message_size),
        }
    }

    /// With our lock held, a queue already at `name` is stale (its father died without
    /// removing it) if it is ours: removed, and the messages it held counted. Another user's
    /// is refused and left alone.
    fn clear_stale(name: &str) -> Result<Option<u64>> {
        let queue = match open_either(name) {
            Ok(queue) => queue,
            Err(Errno::ENOENT) => return Ok(None),
            Err(Errno::EACCES) => return Err(Error::QueueForbidden(name.to_string())),
            Err(e) => return Err(Error::call_on(Doing::OpeningQueue, Path::new(name), e)),
        };
        check_owner(&queue, name)?;
        let left = queue.attributes().map_or(0, |a| a.queued);
        drop(queue);
        match mqueue::unlink(name) {
            Ok(()) | Err(Errno::ENOENT) => Ok(Some(left)),
            Err(e) => Err(Error::call_on(Doing::RemovingQueue, Path::new(name), e)),
        }
    }

    /// Opens the queue to look at it, for whichever direction its mode lets us.
    fn open_either(name: &str) -> nix::Result<Queue> {
        match mqueue::open(name, Access::Receive, true) {
            Err(Errno::EACCES) => mqueue::open(name, Access::Send, true),
            other => other,
        }
    }

    /// Refuses a queue another user owns (root could open it, and must not use it either).
    fn check_owner(queue: &Queue, name: &str) -> Result<Identity> {
        let stat = queue
            .stat()
            .doing_on(Doing::OpeningQueue, Path::new(name))?;
        let me = geteuid().as_raw();
        if stat.st_uid != me {
            return Err(Error::QueueOwner {
                name: name.to_string(),
                owner: stat.st_uid,
                me,
            });
        }
        Ok(identity_of(&stat))
    }

    fn receive(
        config: &Config,
        name: &str,
        queue: &Queue,
        attributes: &Attributes,
        report: &mut QueueReport,
        sink: &dyn Sink,
    ) -> Result<()> {
        let pid = getpid().as_raw();
        sink.note(&Note::FatherReceiving {
            name,
            given_name: config.name.is_some(),
        });
        if !config.read_after.is_zero() {
            sink.note(&Note::ReadingAfter {
                name,
                after: config.read_after,
                max_messages: attributes.max_messages,
            });
            signals::sleep(config.read_after)?;
        }
        // At least mq_msgsize, or mq_receive(3) fails with EMSGSIZE before looking.
        let mut buffer = vec![0u8; attributes.message_size.max(1)];
        while config.count.is_none_or(|n| report.messages < n) {
            signals::check()?;
            let (n, priority) = match queue.receive(&mut buffer) {
                Ok(got) => got,
                // The stop signal's kick (see sys::signals): checked at the top of the loop.
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    return Err(Error::call_on(
                        Doing::ReceivingFromQueue,
                        Path::new(name),
                        e,
                    ));
                }
            };
            report.messages += 1;
            report.receives += 1;
            report.bytes += n as u64;
            report.priority_messages += u64::from(priority > 0);
            let queued = queue.attributes().ok().map(|a| a.queued);
            let event = Event::Received {
                record: None,
                data: Data(&buffer[..n]),
                son: None,
                partial: None,
                record_bytes: None,
                priority: Some(priority),
                queued,
                timing: None,
            };
            sink.event_now(Role::Father, pid, event)?;
        }
        Ok(())
    }

    pub fn son(config: &Config, name: &str, sink: &dyn Sink) -> Outcome {
        let (queue, identity, attributes) = match open_as_son(name, sink) {
            Ok(opened) => opened,
            Err(e) => return Outcome::from(Err(e)),
        };
        let plan = SonPlan {
            count: config.count,
            tick: config.tick,
            // The queue keeps boundaries: no newline needed to find where a message ends.
            newline: false,
            priority_every: Some(config.priority_every.unwrap_or(0)),
        };
        let mut said_full = false;
        spam::run_son_with(plan, sink, |out| {
            loop {
                match queue.send(out.message, out.priority) {
                    Ok(()) => return Ok(()),
                    Err(Errno::EAGAIN) if config.no_wait => {
                        return Err(Error::QueueFull {
                            name: name.to_string(),
                            max_messages: attributes.max_messages,
                            sent: out.sent_before,
                        });
                    }
                    Err(Errno::EAGAIN) => {
                        if !said_full {
                            sink.note(&Note::QueueFullWaiting {
                                name,
                                max_messages: attributes.max_messages,
                            });
                            said_full = true;
                        }
                        wait_for_room(&queue, name, identity, out.sent_before)?;
                    }
                    Err(Errno::EMSGSIZE) => {
                        return Err(Error::MessageTooLong {
                            name: name.to_string(),
                            bytes: out.message.len(),
                            message_size: attributes.message_size,
                        });
                    }
                    Err(Errno::EINTR) => signals::check()?,
                    Err(e) => {
                        return Err(Error::call_on(Doing::SendingToQueue, Path::new(name), e));
                    }
                }
            }
        })
    }

    /// Opens the father's queue to send (non-blocking: a full queue is waited for in poll(2)),
    /// checks it is ours, and says what it is.
    fn open_as_son(name: &str, sink: &dyn Sink) -> Result<(Queue, Identity, Attributes)> {
        let queue = match mqueue::open(name, Access::Send, true) {
            Ok(queue) => queue,
            Err(Errno::ENOENT) => {
                return Err(Error::NoQueue {
                    name: name.to_string(),
                    given_name: name != mqueue::default_name(),
                });
            }
            Err(Errno::EACCES) => return Err(Error::QueueForbidden(name.to_string())),
            Err(e) => return Err(Error::call_on(Doing::OpeningQueue, Path::new(name), e)),
        };
        let identity = check_owner(&queue, name)?;
        let attributes = queue
            .attributes()
            .doing_on(Doing::ReadingQueueAttributes, Path::new(name))?;
        sink.note(&Note::SonSendingTo { name, attributes });
        // Whether a father holds the queue's lock: only a warning, since a father whose
        // per-user folder differs (another XDG_RUNTIME_DIR) is alive but not seen here.
        if let Ok((folder, _)) = rendezvous::private_folder() {
            let lock = lock_path(&folder, name);
            if let Ok(Holder::Nobody) = lock::holder(&lock) {
                sink.note(&Note::NoFatherHoldsQueue { name, lock: &lock });
            }
        }
        Ok((queue, identity, attributes))
    }

    /// Waits until the queue has room (`POLLOUT`), checking now and then that the name still
    /// leads to our queue: a father that ends removes it, and a send into a queue nobody can
    /// open any more would wait for ever.
    fn wait_for_room(queue: &Queue, name: &str, ours: Identity, sent: u64) -> Result<()> {
        loop {
            signals::check()?;
            let mut fds = [PollFd::new(queue.as_fd(), PollFlags::POLLOUT)];
            let timeout = PollTimeout::try_from(ROOM_CHECK).unwrap_or(PollTimeout::MAX);
            match poll(&mut fds, timeout) {
                Ok(0) => {
                    if !mqueue::still_named(name, ours) {
                        return Err(Error::QueueRemoved {
                            name: name.to_string(),
                            sent,
                        });
                    }
                }
                Ok(_) => return Ok(()),
                Err(Errno::EINTR) => {}
                Err(e) => {
                    return Err(Error::call_on(Doing::WaitingForRoom, Path::new(name), e));
                }
            }
        }
    }
}
