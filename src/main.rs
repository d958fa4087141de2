//! ipcdemo: see Unix inter-process communication happen.

mod anon;
mod atomic;
mod bench;
mod boundaries;
mod capacity;
mod cli;
mod exit_codes;
mod messages;
mod named;
mod pipesize;
mod rendezvous;
mod report;
mod signals;
mod socket;
mod socket_setup;
mod spam;
mod units;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use report::{Reporter, StdoutClosed};
use signals::Interrupted;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::from(exit_codes::SUCCESS),
        Err(e) => {
            if let Some(Interrupted(signal)) = e.downcast_ref::<Interrupted>() {
                return exit_codes::after_signal(*signal);
            }
            // The reader of our stdout left (`ipcdemo anon | head -3`): that ends the demo,
            // it is not a failure, and there is nobody to tell.
            if e.is::<StdoutClosed>() {
                return ExitCode::from(exit_codes::SUCCESS);
            }
            eprintln!("{}: {e:#}", messages::Msg::ErrorPrefix);
            ExitCode::from(exit_codes::FAILURE)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let reporter = Reporter::new(&cli.global);
    let Some(command) = cli.command else {
        return report::write_raw_stdout(format!("{}\n", messages::Msg::Lessons).as_bytes());
    };
    match command {
        Command::Completions(_) | Command::Man => {}
        Command::Bench(_) => signals::install_without_thread()?,
        _ => signals::install()?,
    }
    match command {
        Command::Anon(args) => anon::run(&args, &reporter),
        Command::Named(args) => named::run(&args, &reporter),
        Command::Socket(args) => socket::run(&args, &reporter),
        Command::Capacity(args) => capacity::run(&args, &reporter),
        Command::Atomic(args) => atomic::run(&args, &reporter),
        Command::Bench(args) => bench::run(&args, &reporter),
        Command::Completions(args) => report::write_raw_stdout(&cli::completions(args.shell)),
        Command::Man => report::write_raw_stdout(&cli::man_page()?),
    }
}
