//! tally: exact, auditable cost reports from usage exports. `main` only dispatches.

mod aggregate;
mod alerts;
mod cli;
mod cmd;
mod compare;
mod config;
mod error;
mod export;
mod forecast;
mod ingest;
mod model;
mod options;
mod output;
mod primitives;
mod rates;
mod reconcile;
mod render;
mod scope;
mod sql;

use clap::{CommandFactory, Parser};
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
        cli::Command::Diff(args) => cmd::diff::run(args, now),
        cli::Command::Inspect(args) => cmd::inspect::run(config::InspectConfig::from_args(args)?),
        cli::Command::Sql(args) => cmd::sql::run(args, now),
        cli::Command::Export(args) => cmd::export::run(args, now),
        cli::Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cli::Cli::command(), "tally", &mut script);
            output::stdout(&script)?;
            Ok(Exit::Ok)
        }
        cli::Command::Man(args) => {
            output::stdout(&man_page(args.subcommand.as_deref())?)?;
            Ok(Exit::Ok)
        }
    }
}

/// `tally man [SUBCOMMAND]`: tally(1), or tally-SUBCOMMAND(1), from the clap definitions.
fn man_page(subcommand: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let mut command = cli::Cli::command().disable_help_subcommand(true);
    // Building names the subcommands as the man pages do: `tally-report`.
    command.build();
    let page = match subcommand {
        None => command,
        Some(name) => match command.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
                return Err(UsageError(format!(
                    "man: no subcommand \"{name}\"; expected one of {}",
                    names.join(", ")
                ))
                .into());
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    Ok(roff)
}
