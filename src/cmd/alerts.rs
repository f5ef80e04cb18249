//! `tally alerts`: ingest → resolve overlaps → daily totals → evaluate → render → write.
//! Exit code 3 when at least one alert fires (with `--state`: one the state has not recorded
//! this period).

use crate::aggregate;
use crate::alerts::config::AlertsConfig;
use crate::alerts::{self, AlertInput, state};
use crate::config::Format;
use crate::error::Exit;
use crate::model::{Day, exact_add};
use crate::output;
use crate::render::{self, alerts::AlertReport, chart::alerts::MtdChart};
use anyhow::{Result, bail};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Every file `alerts --out` may write: the folder may hold these and nothing else.
const OUTPUTS: &[&str] = &[
    "alerts.json",
    "alerts.csv",
    "chart-mtd.svg",
    "chart-mtd.png",
    "rejects.csv",
];

pub fn run(config: AlertsConfig) -> Result<Exit> {
    // The --out folder is locked for the whole run: a second run stops before reading.
    let claim = config
        .out
        .as_deref()
        .map(output::OutDir::claim)
        .transpose()?;
    let mut scanned = super::scan_inputs(
        &config.inputs,
        &config.plan,
        config.on_overlap,
        None,
        config.quiet,
    )
    .map_err(|error| {
        // A `by` of the config file that names no column is reported at its place there.
        match (
            &config.by_place,
            error.downcast_ref::<crate::error::UsageError>(),
        ) {
            (Some(place), Some(usage)) if usage.0.starts_with("--by ") => {
                crate::error::UsageError(format!("{place}{}", &usage.0["--by".len()..])).into()
            }
            _ => error,
        }
    })?;
    let key_count = usize::from(config.by.is_some());
    let groups = aggregate::decode_groups(std::mem::take(&mut scanned.resolved.groups), key_count)?;
    if groups.iter().any(|g| g.source != "billed") {
        bail!(
            "alerts watch billed spend, and the inputs include token records (estimated): \
             leave them out, or compare them with `tally reconcile`"
        );
    }

    let currencies: BTreeSet<&str> = groups.iter().map(|g| g.currency.as_str()).collect();
    if currencies.len() > 1 {
        bail!(
            "the rows watched are in several currencies ({}); an alert sums one currency: \
             watch each apart, passing only the inputs in one currency or keeping its rows \
             with --project, --service, --sku or --tag (`tally report --by currency` shows \
             what each holds)",
            currencies.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    let currency = currencies.first().copied().unwrap_or("USD").to_string();
    let mut daily: BTreeMap<Day, Decimal> = BTreeMap::new();
    // With --by, also per value of the key: every group with a row in the scanned days.
    let mut daily_by_group: BTreeMap<String, BTreeMap<Day, Decimal>> = BTreeMap::new();
    for group in &groups {
        // An overflow names the sum: the day's spend, or a group's.
        let entry = daily.entry(group.day).or_default();
        *entry = exact_add(*entry, group.sums.cost)
            .map_err(|o| anyhow::anyhow!("the spend of {}: {o}", group.day))?;
        if let Some(by) = &config.by {
            let value = group.keys.first().cloned().unwrap_or_default();
            let place = || {
                format!(
                    "the spend of {} \"{}\" on {}",
                    by.name(),
                    crate::output::visible(&value),
                    group.day
                )
            };
            let entry = daily_by_group
                .entry(value.clone())
                .or_default()
                .entry(group.day)
                .or_default();
            *entry = exact_add(*entry, group.sums.cost)
                .map_err(|o| anyhow::anyhow!("{}: {o}", place()))?;
        }
    }
    // Coverage is judged before filters: a day the billed inputs hold rows for is covered even
    // when the watched project spent nothing on it. Token records are no bill: days only they
    // hold (their rows filtered away) cover nothing, or the spike would fire against 0.00.
    let covered_days: BTreeSet<Day> = scanned
        .scans
        .iter()
        .zip(&scanned.resolved.duplicate_of)
        .filter(|(scan, duplicate)| duplicate.is_none() && scan.is_billed())
        .flat_map(|(scan, _)| &scan.tally.days)
        .filter(|(_, rows)| rows.valid > 0)
        .map(|(day, _)| *day)
        .collect();

    let input = AlertInput {
        watched: config.watched,
        previous: config.previous,
        previous_label: config.previous_label.clone(),
        daily: &daily,
        covered_days: &covered_days,
        thresholds: &config.thresholds,
        spike_factor: config.spike_factor,
        previous_invoice: config.previous_invoice,
        delay: config.delay,
        month: matches!(config.window, crate::alerts::config::Window::Month(_)),
        forecast_thresholds: &config.forecast_thresholds,
    };
    // Without --by these are the alerts; with it, they give the document's total spend to
    // date and provisional days, and each group is evaluated on its own.
    let results = alerts::evaluate(&input).map_err(|o| {
        anyhow::anyhow!(
            "the spend watched (its running sum, the previous period's total or the spike's \
             limit): {o}"
        )
    })?;
    let grouped = match config.by {
        Some(_) => Some(alerts::evaluate_groups(&input, &daily_by_group)?),
        None => None,
    };
    // Notify once: an alert fires (exit 3) only when the state has not recorded it in this
    // period. The state stays locked until it is written, after the --out files.
    let mut held = match &config.state {
        Some(path) => Some(state::Held::open(
            path,
            config.state_identity(),
            &config.state_period(),
        )?),
        None => None,
    };
    let evaluated: Vec<(Option<String>, &alerts::Alerts)> = match &grouped {
        Some(groups) => groups
            .iter()
            .map(|g| (Some(g.value.clone()), &g.alerts))
            .collect(),
        None => vec![(None, &results)],
    };
    let mut already: BTreeMap<state::Key, Day> = BTreeMap::new();
    let mut fired = false;
    for (group, alerts) in evaluated {
        for name in alerts.fired_names() {
            let key = (group.clone(), name);
            match held.as_mut() {
                None => fired = true,
                Some(held) => match held.already(&key) {
                    Some(day) => {
                        already.insert(key, day);
                    }
                    None => {
                        fired = true;
                        held.record(key, config.delay.as_of.date_naive());
                    }
                },
            }
        }
    }
    let rejects = scanned.rejects();
    let report = AlertReport {
        config: &config,
        currency: &currency,
        alerts: &results,
        groups: grouped.as_deref(),
        already: &already,
        skipped: crate::scope::Skipped::of(&rejects),
    };

    // A run that fails for want of data leaves the previous --out set as it was.
    let failing_empty =
        config.fail_on_empty && !daily.keys().any(|day| config.watched.contains(*day));
    if let Some(claim) = claim.filter(|_| !failing_empty) {
        let out = output::OutDir::begin(claim, "alerts", OUTPUTS, config.quiet)?;
        let dir = out.path();
        output::write_atomic(dir, "alerts.json", &render::alerts::json(&report))?;
        output::write_atomic(dir, "alerts.csv", &render::alerts::csv(&report)?)?;
        if config.charts {
            write_chart(dir, &config, &report, &daily)?;
        }
        super::write_rejects(dir, &rejects)?;
        out.commit()?;
    }
    if let Some(held) = held {
        held.commit()?;
    }
    super::tell_rejects(&rejects, config.out.as_deref(), config.quiet);

    if !config.quiet {
        for warning in &scanned.resolved.warnings {
            output::warn(warning);
        }
        // `--by tag:KEY` for a key no row has (a typo) puts all the spend in one empty group,
        // whose alerts then page on the whole bill as if on one team's.
        if let Some(crate::model::KeyKind::Tag(key)) = &config.by
            && !daily_by_group.is_empty()
            && daily_by_group.keys().all(String::is_empty)
        {
            output::warn(&format!(
                "--by tag:{key}: no watched row has the tag \"{key}\", so all the spend is \
                 one group with an empty value; check the tag key's spelling (tag keys compare \
                 exactly)"
            ));
        }
        if let (Some(first), Some(last)) = (
            results.provisional_days.first(),
            results.provisional_days.last(),
        ) {
            let days = if first == last {
                first.to_string()
            } else {
                format!("{first} to {last}")
            };
            output::warn(&format!(
                "costs for {days} are provisional (cost data can arrive up to {} days late); \
                 alerts resting on them may change; re-run on or after {}T00:00Z for final \
                 figures",
                config.delay.delay_days,
                config.delay.final_at(*last)
            ));
        }
    }

    // An empty watched period is no data, not no spend: said unless quiet (an error with
    // --fail-on-empty, quiet or not).
    let mut empty = None;
    if !daily.keys().any(|day| config.watched.contains(*day)) {
        let what = match &config.window {
            crate::alerts::config::Window::Month(month) => format!("the month {month}"),
            crate::alerts::config::Window::LastDays(days) => format!("the last {days} days"),
        };
        let question = crate::scope::EmptyQuestion {
            what: format!(
                "{what} ({} to {})",
                config.watched.from,
                config.watched.to.min(config.delay.as_of.date_naive())
            ),
            range: config.watched,
            filters: &config.plan.filters,
            implicit_service: false,
        };
        empty = super::tell_empty(&question, &scanned, config.fail_on_empty, config.quiet);
    }

    let exit = match empty {
        Some(exit) => exit,
        None if fired => Exit::AlertFired,
        None => Exit::Ok,
    };
    // Quiet cron: with -q, nothing goes to stdout unless an alert fired. Lost rows are the
    // exception: a quiet run that skipped rows says so in one line on stderr (without --out,
    // `tell_rejects` already printed them there), or the cron job would never hear of them.
    if config.quiet && !fired {
        if let Some(dir) = config.out.as_deref()
            && report.skipped.rows > 0
        {
            let rows = if report.skipped.rows == 1 {
                "row"
            } else {
                "rows"
            };
            eprintln!(
                "skipped {} bad {rows}; listed in {}",
                report.skipped.rows,
                crate::output::visible_lines(&dir.join("rejects.csv").display().to_string())
            );
        }
        return Ok(exit);
    }
    let bytes = match config.format {
        Format::Table => output::visible_lines(&render::alerts::table(&report))
            .into_owned()
            .into_bytes(),
        Format::Csv => render::alerts::csv(&report)?,
        Format::Json => render::alerts::json(&report),
    };
    output::stdout(&bytes)?;
    Ok(exit)
}

/// Draws `chart-mtd.svg` and `chart-mtd.png` into `dir` (the run's new folder);
/// false when there is no chart. A chart that cannot be drawn exactly is a warning, not a
/// failed alert run: the alerts themselves were already written.
fn write_chart(
    dir: &std::path::Path,
    config: &AlertsConfig,
    report: &AlertReport,
    daily: &BTreeMap<Day, Decimal>,
) -> Result<bool> {
    if let Some(key) = &config.by {
        // One running total against the thresholds is what the chart shows; with --by each
        // group has its own, and a few lines picked from many would hide the rest.
        if !config.quiet {
            output::warn(&format!(
                "no chart: chart-mtd draws one running total, and --by {} gives one per group; \
                 for a group's chart run without --by and filter to it (e.g. --project NAME)",
                key.name()
            ));
        }
        return Ok(false);
    }
    let heading = match &config.name {
        Some(name) => format!("{} (alert \"{name}\")", config.period_label()),
        None => config.period_label(),
    };
    match MtdChart::from_alerts(
        report.alerts,
        daily,
        report.currency,
        &heading,
        &config.previous_label,
    ) {
        Ok(chart) => {
            let mut rendered = render::chart::render(&chart)?;
            rendered.svg = output::visible_svg(rendered.svg);
            output::write_atomic(dir, "chart-mtd.svg", &rendered.svg)?;
            output::write_atomic(dir, "chart-mtd.png", &rendered.png)?;
            Ok(true)
        }
        Err(why) => {
            if !config.quiet {
                output::warn(&format!("no chart: {why}"));
            }
            Ok(false)
        }
    }
}
