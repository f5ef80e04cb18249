//! tally: exact, auditable cost reports from usage exports. `main` only dispatches.

mod aggregate;
mod alerts;
mod cli;
mod cmd;
mod compare;
mod config;
mod error;
mod forecast;
mod ingest;
mod model;
mod output;
mod primitives;
mod rates;
mod reconcile;
mod render;
mod scope;

use clap::Parser;
use error::{Exit, UsageError};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version print to stdout and succeed; real usage errors exit 2.
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(error) => {
            // Values from inputs may hold control characters: never raw on a terminal.
            eprintln!("error: {}", output::visible_lines(&format!("{error:#}")));
            if error.is::<UsageError>() {
                Exit::Usage.into()
            } else {
                Exit::Failure.into()
            }
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<Exit> {
    let now = chrono::Utc::now();
    match cli.command {
        cli::Command::Report(args) => {
            let config = config::ReportConfig::from_args(args, now)?;
            cmd::report::run(config, now)
        }
        cli::Command::Alerts(args) => {
            let config = alerts::config::AlertsConfig::from_args(args, now)?;
            cmd::alerts::run(config)
        }
        cli::Command::Reconcile(args) => {
            let config = config::ReconcileConfig::from_args(args, now)?;
            cmd::reconcile::run(config, now)
        }
        cli::Command::Diff(args) => cmd::diff::run(args.old, args.new, args.format),
        cli::Command::Inspect(args) => cmd::inspect::run(config::InspectConfig::from_args(args)?),
    }
}
