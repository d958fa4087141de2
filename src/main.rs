//! ipcdemo: see Unix inter-process communication happen.
//!
//! The life of a run: clap parses the command line (`cli`), `config` lowers it into the
//! lesson's `Config`, the lesson (`lessons`, `bench`) runs and reports what happens through a
//! `Sink` as data (`event`), and `report` says it in words or JSON, then decides how the process
//! ends.

mod bench;
mod cli;
mod config;
mod event;
mod exit_codes;
mod lessons;
mod report;
mod sys;
mod units;

use std::process::ExitCode;

use cli::Command;
use event::Outcome;
use lessons::{anon, atomic, capacity, exec, fds, mq, named, race, shm, signal, socket};
use report::{Ending, Reporter};
use sys::signals;

fn main() -> ExitCode {
    let cli = cli::parse();
    let reporter = Reporter::new(config::settings(&cli));
    let ending = match cli.command {
        None => reporter.lesson_map(),
        Some(command) => run(command, &reporter),
    };
    exit_codes::end(ending)
}

fn run(command: Command, reporter: &Reporter) -> Ending {
    if let Command::Fds(args) = &command
        && args.hold
    {
        // The exec'd son of `fds`: it only waits, in a process of its own.
        return reporter.finish(Outcome::from(fds::hold()));
    }
    let installed = match &command {
        Command::Completions(_) | Command::Man(_) => Ok(()),
        // The echo child is a plain filter: its father ends it, and a stop signal from the
        // terminal kills it by default.
        Command::Exec(args) if args.echo_child => Ok(()),
        // The bench stays single-threaded: see signals::install_without_thread.
        Command::Bench(_) => signals::install_without_thread(),
        // The lesson's own signals are blocked before the signal thread exists, so that thread
        // never takes one to its default action (death); the lesson takes them itself.
        Command::Signal(args) => {
            signals::install_blocking(&signal::must_block(&config::signal(args)))
        }
        _ => signals::install(),
    };
    if let Err(e) = installed {
        return reporter.finish(Outcome::from(Err(e.into())));
    }
    let outcome = match command {
        Command::Anon(args) => anon::run(&config::anon(&args), reporter),
        Command::Named(args) => named::run(&config::named(&args), reporter),
        Command::Socket(args) => socket::run(&config::socket(&args), reporter),
        Command::Capacity(args) => capacity::run(&config::capacity(&args), reporter),
        Command::Atomic(args) => atomic::run(&config::atomic(&args), reporter),
        Command::Signal(args) => signal::run(&config::signal(&args), reporter),
        Command::Mq(args) => mq::run(&config::mq(&args), reporter),
        Command::Fds(args) => fds::run(&config::fds(&args), reporter),
        Command::Exec(args) if args.echo_child => exec::echo_child(),
        Command::Exec(args) => exec::run(&config::exec(&args), reporter),
        Command::Shm(args) => match &args.race {
            Some(cli::ShmCommand::Race(race_args)) => race::run(&config::race(race_args), reporter),
            None => shm::run(&config::shm(&args), reporter),
        },
        Command::Bench(args) => bench::run(&config::bench(&args), reporter),
        Command::Completions(args) => return reporter.raw(&cli::completions(args.shell)),
        Command::Man(args) => match cli::man_page(args.command.as_deref()) {
            Ok(page) => return reporter.raw(&page),
            Err(e) => Outcome::from(Err(event::Error::call(
                sys::Doing::WritingStdout,
                sys::errno_of(&e),
            ))),
        },
    };
    reporter.finish(outcome)
}
