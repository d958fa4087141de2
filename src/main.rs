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
use lessons::{anon, atomic, capacity, named, race, shm, socket};
use report::{Ending, Reporter};
use sys::signals;

fn main() -> ExitCode {
    let cli = cli::parse();
    let reporter = Reporter::new(config::settings(&cli.global));
    let ending = match cli.command {
        None => reporter.lesson_map(),
        Some(command) => run(command, &reporter),
    };
    exit_codes::end(ending)
}

fn run(command: Command, reporter: &Reporter) -> Ending {
    let installed = match command {
        Command::Completions(_) | Command::Man(_) => Ok(()),
        // The bench stays single-threaded: see signals::install_without_thread.
        Command::Bench(_) => signals::install_without_thread(),
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
