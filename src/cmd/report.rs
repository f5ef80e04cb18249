//! `tally report`: ingest → resolve overlaps → aggregate → render → write.

use crate::aggregate::{self, Summary};
use crate::config::{ReportConfig, ReportFormat};
use crate::error::Exit;
use crate::output;
use crate::render;
use crate::scope::{EmptyQuestion, Scope};
use anyhow::Result;
use chrono::{DateTime, Utc};

/// Every file `report --out` may write: the folder may hold these and nothing else.
const OUTPUTS: &[&str] = &[
    "summary.csv",
    "daily.csv",
    "rejects.csv",
    "chart-daily.svg",
    "chart-daily.png",
    "chart-share.svg",
    "chart-share.png",
    "chart-compare.svg",
    "chart-compare.png",
    "report.html",
    "report.xlsx",
    "compare.csv",
    "manifest.json",
];

pub fn run(config: ReportConfig, now: DateTime<Utc>) -> Result<Exit> {
    // The --out folder is locked for the whole run: a second run stops before reading.
    let claim = config
        .out
        .as_deref()
        .map(output::OutDir::claim)
        .transpose()?;
    let mut plan = config.plan.clone();
    // Hashing costs a tenth of a scan: only for the manifest (and, in scan_inputs, to find
    // inputs given twice).
    // A workbook (in --out or --format xlsx) lists the inputs' hashes and holds the daily rows.
    let full = config.out.is_some() || config.format == ReportFormat::Xlsx;
    plan.hash_inputs = full;
    // Without --out no daily rows are needed: rows are counted under their period's start;
    // except for a month in progress, whose forecast needs its days.
    let forecast_month = forecast_month(&config);
    if !full && forecast_month.is_none() {
        plan.bucket = Some(config.period);
        // Each group's provisional part stays apart: the outputs say how much is provisional.
        plan.provisional_from = Some(config.delay.first_provisional_day());
    }
    let mut scanned = super::scan_inputs(
        &config.inputs,
        &plan,
        config.on_overlap,
        config.rates_path.as_deref(),
        config.quiet,
    )?;
    // The encoded groups are consumed: the decoded ones replace them in memory.
    let groups = aggregate::decode_groups(
        std::mem::take(&mut scanned.resolved.groups),
        scanned.plan.keys.len(),
    )?;
    let (forecast, forecast_note) = match forecast_month {
        Some(month) => month_forecast(month, &groups, &scanned, config.delay)?,
        None => (None, None),
    };
    let (plan, scans, resolved) = (&scanned.plan, &scanned.scans, &scanned.resolved);
    let summary = aggregate::summarize(
        &groups,
        &plan.keys,
        config.period,
        plan.range,
        config.delay,
        full,
        resolved.last_day,
    )?;
    let comparison = match &config.compare {
        Some(arg) => Some(comparison(&config, arg, &summary)?),
        None => None,
    };
    let rejects = scanned.rejects();
    let scope = Scope::new(&summary, &plan.filters, config.final_only, &rejects, scans);

    // A run that fails for want of data leaves the previous --out set as it was: a missed
    // download must not wipe the last good report.
    let failing_empty = config.fail_on_empty && super::nothing_counted(resolved);
    if let Some(claim) = claim.filter(|_| !failing_empty) {
        let out = output::OutDir::begin(claim, "report", OUTPUTS, config.quiet)?;
        let dir = out.path();
        let mut written = vec!["summary.csv", "daily.csv"];
        output::write_atomic(dir, "summary.csv", &render::csv::summary(&summary)?)?;
        output::write_atomic(dir, "daily.csv", &render::csv::daily(&summary)?)?;
        if super::write_rejects(dir, &rejects)? {
            written.push("rejects.csv");
        }
        written.extend(write_charts_and_html(
            dir,
            &config,
            &summary,
            &scope,
            scans,
            comparison.as_ref(),
        )?);
        if let Some(comparison) = &comparison {
            output::write_atomic(
                dir,
                "compare.csv",
                &render::compare::csv(comparison, &summary)?,
            )?;
            written.push("compare.csv");
        }
        let workbook = workbook(
            &config,
            &summary,
            &scope,
            scans,
            resolved,
            comparison.as_ref(),
        )?;
        output::write_atomic(dir, "report.xlsx", &workbook)?;
        written.push("report.xlsx");
        written.push("manifest.json");
        let manifest = render::manifest::render(
            &config,
            &plan.rates,
            &summary,
            &scope,
            render::manifest::ManifestInput {
                scans,
                counts: &resolved.counts,
                duplicate_of: &resolved.duplicate_of,
                skipped: &scanned.skipped,
            },
            &written,
            now,
        );
        let manifest = with_forecast(manifest, forecast.as_ref());
        output::write_atomic(dir, "manifest.json", &manifest)?;
        out.commit()?;
    }

    super::tell_rejects(&rejects, config.out.as_deref(), config.quiet);
    if !config.quiet {
        for warning in &resolved.warnings {
            output::warn(warning);
        }
        if let Some(message) = provisional_warning(&summary) {
            output::warn(&message);
        }
        if let Some(message) = super::after_as_of_warning(config.after_as_of, config.delay, scans) {
            output::warn(&message);
        }
        for message in absent_tag_warnings(&summary) {
            output::warn(&message);
        }
    }

    let mut exit = Exit::Ok;
    if super::nothing_counted(resolved) {
        let question = EmptyQuestion {
            what: format!("the range {} to {}", plan.range.from, plan.range.to),
            range: plan.range,
            filters: &plan.filters,
            implicit_service: false,
        };
        exit = super::tell_empty(&question, &scanned, config.fail_on_empty, config.quiet)
            .unwrap_or(exit);
    }

    // Quiet cron: with --out and -q the files are the output; nothing goes to stdout.
    if config.quiet && config.out.is_some() && config.output.is_none() {
        return Ok(exit);
    }
    let bytes = match (config.format, &comparison) {
        (ReportFormat::Table, Some(c)) => {
            output::visible_lines(&render::compare::table(c, &summary, &scope))
                .into_owned()
                .into_bytes()
        }
        (ReportFormat::Csv, Some(c)) => render::compare::csv(c, &summary)?,
        (ReportFormat::Json, Some(c)) => render::compare::json(c, &summary, &scope),
        (ReportFormat::Markdown, Some(c)) => {
            render::compare::markdown(c, &summary, &scope).into_bytes()
        }
        (ReportFormat::Table, None) => {
            let mut text = render::table::render(&summary, &scope);
            if let (Some(forecast), Some(currency)) = (&forecast, &summary.currency) {
                text.push_str(&render::forecast::line(forecast, currency));
                text.push('\n');
            }
            if let Some(note) = &forecast_note {
                text.push_str(note);
                text.push('\n');
            }
            output::visible_lines(&text).into_owned().into_bytes()
        }
        (ReportFormat::Csv, None) => render::csv::summary(&summary)?,
        (ReportFormat::Json, None) => {
            with_forecast(render::json::summary(&summary, &scope), forecast.as_ref())
        }
        (ReportFormat::Markdown, None) => render::markdown::render(&summary, &scope).into_bytes(),
        (ReportFormat::Xlsx, _) => workbook(
            &config,
            &summary,
            &scope,
            scans,
            resolved,
            comparison.as_ref(),
        )?,
    };
    match &config.output {
        Some(path) => write_output_file(path, &bytes)?,
        None => output::stdout(&bytes)?,
    }
    Ok(exit)
}

/// `--compare`: the compared period's groups, read with the same options over that period
/// (a second pass over the inputs), set beside the report's.
fn comparison(
    config: &ReportConfig,
    arg: &crate::compare::CompareArg,
    summary: &Summary,
) -> Result<crate::compare::Comparison> {
    let period = crate::compare::period(arg, summary.range)?;
    let mut plan = config.plan.clone();
    plan.range = period.range;
    plan.hash_inputs = false;
    plan.spill_rejects = false;
    plan.bucket = Some(crate::model::Period::Total);
    plan.provisional_from = None;
    let mut scanned = super::scan_inputs(
        &config.inputs,
        &plan,
        config.on_overlap,
        config.rates_path.as_deref(),
        true,
    )?;
    let groups = aggregate::decode_groups(
        std::mem::take(&mut scanned.resolved.groups),
        scanned.plan.keys.len(),
    )?;
    let source_added = summary.key_names.first().is_some_and(|k| k == "source")
        && !config.plan.keys.contains(&crate::model::KeyKind::Source);
    let comparison = crate::compare::compare(summary, &groups, period, source_added)?;
    if comparison.comparison_empty && !config.quiet {
        output::warn(&format!(
            "--compare: the inputs hold no row for {} to {} (after filters); missing data is not \
             a period without spend, so every group shows as new",
            comparison.period.range.from, comparison.period.range.to
        ));
    }
    Ok(comparison)
}

/// `--output FILE`: the bytes written to a temporary file beside it and renamed over it, so
/// that a reader never sees half a file.
fn write_output_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name != "." && name != "..")
        .ok_or_else(|| anyhow::anyhow!("{}: --output must name a file", path.display()))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    output::write_atomic(dir, &name, bytes)
}

/// `report.xlsx`: the summary, daily rows, the inputs with their row accounting, and notes.
fn workbook(
    config: &ReportConfig,
    summary: &Summary,
    scope: &Scope,
    scans: &[crate::ingest::InputScan],
    resolved: &aggregate::Resolved,
    comparison: Option<&crate::compare::Comparison>,
) -> Result<Vec<u8>> {
    let inputs = scans
        .iter()
        .enumerate()
        .map(|(i, scan)| render::xlsx::InputRow {
            path: &scan.file.name,
            kind: &scan.kind,
            size: scan.size,
            sha256: scan.sha256.as_deref(),
            rows: resolved.counts[i],
            duplicate_of: resolved.duplicate_of[i].map(|first| scans[first].file.name.as_str()),
        })
        .collect();
    let plan = &config.plan;
    let name = |value: serde_json::Value| value.as_str().unwrap_or_default().to_string();
    let options = vec![
        ("grouped by".to_string(), summary.key_names.join(", ")),
        ("period".to_string(), name(serde_json::json!(config.period))),
        (
            "cost column".to_string(),
            name(serde_json::json!(plan.cost)),
        ),
        (
            "date basis".to_string(),
            name(serde_json::json!(plan.date_basis)),
        ),
        (
            "spread charges".to_string(),
            plan.spread_charges.to_string(),
        ),
        (
            "on overlap".to_string(),
            name(serde_json::json!(config.on_overlap)),
        ),
        (
            "delay days".to_string(),
            config.delay.delay_days.to_string(),
        ),
        ("final days only".to_string(), config.final_only.to_string()),
    ];
    render::xlsx::render(&render::xlsx::XlsxReport {
        summary,
        scope,
        inputs,
        options,
        comparison,
    })
}

/// Draws the charts (unless `--no-charts`) and writes them and `report.html` into `dir`.
/// Returns the names written.
fn write_charts_and_html(
    dir: &std::path::Path,
    config: &ReportConfig,
    summary: &Summary,
    scope: &Scope,
    scans: &[crate::ingest::InputScan],
    comparison: Option<&crate::compare::Comparison>,
) -> Result<Vec<&'static str>> {
    use render::chart::{
        self,
        usage::{DailyChart, ShareChart},
    };
    let mut written = Vec::new();
    let mut embedded = Vec::new();
    let mut charts_note = None;
    match config.charts {
        None => charts_note = Some("Charts were not drawn (--no-charts).".to_string()),
        Some(options) => {
            let figures = DailyChart::from_summary(summary, options.top).and_then(|daily| {
                ShareChart::from_summary(summary, options.top).map(|share| (daily, share))
            });
            match figures {
                Ok((mut daily, mut share)) => {
                    daily.scope = scope.line();
                    share.scope = scope.line();
                    visible_labels(&mut daily, &mut share);
                    let daily_title = format!(
                        "Daily cost by {}, top {} and other; provisional days are lighter \
                         and hatched.",
                        daily.key_name, options.top
                    );
                    let share_title = format!("Cost by {} over the whole range.", share.key_name);
                    let drawn = [
                        (
                            "chart-daily.svg",
                            "chart-daily.png",
                            chart::render(&daily)?,
                            daily_title,
                        ),
                        (
                            "chart-share.svg",
                            "chart-share.png",
                            chart::render(&share)?,
                            share_title,
                        ),
                    ];
                    for (svg_name, png_name, mut rendered, title) in drawn {
                        rendered.svg = output::visible_svg(rendered.svg);
                        output::write_atomic(dir, svg_name, &rendered.svg)?;
                        output::write_atomic(dir, png_name, &rendered.png)?;
                        written.extend([svg_name, png_name]);
                        embedded.push(render::html::EmbeddedChart {
                            title,
                            svg: String::from_utf8_lossy(&rendered.svg).into_owned(),
                        });
                    }
                }
                Err(why) => {
                    if !config.quiet {
                        output::warn(&format!("no charts: {why}"));
                    }
                    charts_note = Some(format!("No charts: {why}."));
                }
            }
        }
    }
    // `--compare`: its chart goes into the comparison section of the page.
    let mut compare_chart = None;
    if let (Some(options), Some(comparison)) = (config.charts, comparison) {
        match chart::compare::CompareChart::from_comparison(comparison, summary, options.top) {
            Ok(mut figure) => {
                figure.scope = scope.line();
                let fix = |text: &mut String| {
                    if let std::borrow::Cow::Owned(fixed) = output::visible(text) {
                        *text = fixed;
                    }
                };
                fix(&mut figure.key_name);
                fix(&mut figure.scope);
                figure.pairs.iter_mut().for_each(|p| fix(&mut p.label));
                let mut rendered = chart::render(&figure)?;
                rendered.svg = output::visible_svg(rendered.svg);
                output::write_atomic(dir, "chart-compare.svg", &rendered.svg)?;
                output::write_atomic(dir, "chart-compare.png", &rendered.png)?;
                written.extend(["chart-compare.svg", "chart-compare.png"]);
                compare_chart = Some(render::html::EmbeddedChart {
                    title: format!(
                        "Cost by {}: {} (blue) compared with {} (orange), top {} and other.",
                        figure.key_name, figure.current_range, figure.compared_range, options.top
                    ),
                    svg: String::from_utf8_lossy(&rendered.svg).into_owned(),
                });
            }
            Err(why) => {
                if !config.quiet {
                    output::warn(&format!("no comparison chart: {why}"));
                }
            }
        }
    }
    let inputs: Vec<render::html::InputLine> = scans
        .iter()
        .map(|scan| render::html::InputLine {
            name: scan.file.name.clone(),
            kind: scan.kind.clone(),
        })
        .collect();
    let html = render::html::render(&render::html::HtmlReport {
        summary,
        scope,
        inputs: &inputs,
        charts: &embedded,
        charts_note,
        comparison: comparison.map(|c| render::compare::html(c, summary, compare_chart.as_ref())),
    });
    output::write_atomic(dir, "report.html", &html)?;
    written.push("report.html");
    Ok(written)
}

/// Labels from inputs (keys, the scope's filters) with control characters made visible, so
/// that the SVG stays well-formed XML and the PNG shows what was there.
fn visible_labels(
    daily: &mut render::chart::usage::DailyChart,
    share: &mut render::chart::usage::ShareChart,
) {
    let fix = |text: &mut String| {
        if let std::borrow::Cow::Owned(fixed) = output::visible(text) {
            *text = fixed;
        }
    };
    fix(&mut daily.key_name);
    fix(&mut daily.scope);
    daily.series.iter_mut().for_each(|s| fix(&mut s.label));
    fix(&mut share.key_name);
    fix(&mut share.scope);
    share
        .bars
        .iter_mut()
        .chain(share.credits.iter_mut())
        .for_each(|bar| fix(&mut bar.label));
}

/// One line naming the provisional days and when a re-run gives final figures.
/// `--by tag:KEY` for a key that no counted row has (a typo, most often: `tag:tema`) groups
/// every row under an empty value, a plausible table that hides the mistake: say so.
fn absent_tag_warnings(summary: &Summary) -> Vec<String> {
    if summary.rows.is_empty() {
        return Vec::new();
    }
    summary
        .key_names
        .iter()
        .enumerate()
        .filter_map(|(at, name)| {
            let key = name.strip_prefix("tag:")?;
            let absent = summary
                .rows
                .iter()
                .all(|row| row.keys.get(at).is_none_or(|value| value.is_empty()));
            absent.then(|| {
                format!(
                    "--by {name}: no counted row has the tag \"{key}\", so every row is \
                     grouped under an empty value; check the tag key's spelling (tag keys \
                     compare exactly)"
                )
            })
        })
        .collect()
}

fn provisional_warning(summary: &Summary) -> Option<String> {
    let first = summary.provisional_days.first()?;
    let last = summary.provisional_days.last()?;
    let days = if first == last {
        first.to_string()
    } else {
        format!("{first} to {last}")
    };
    Some(format!(
        "costs for {days} are provisional (cost data can arrive up to {} days late); re-run \
         on or after {}T00:00Z for final figures",
        summary.delay.delay_days,
        summary.delay.final_at(*last)
    ))
}

/// The month a report forecasts: its range is one calendar month to date (from the 1st through
/// the as-of day or the month's end, as `--month` gives), and the month is in progress (the
/// as-of day inside it, before its last day; a month already over gets no forecast, only the
/// note on its provisional days) with at least one final day to project from.
fn forecast_month(config: &ReportConfig) -> Option<crate::model::DateRange> {
    let range = config.plan.range;
    let month = crate::model::DateRange::month_of(range.from);
    let delay = config.delay;
    let to_date = month.to.min(delay.as_of.date_naive());
    let as_of_day = delay.as_of.date_naive();
    (range.from == month.from
        && month.from <= as_of_day
        && as_of_day < month.to
        && range.to >= to_date
        && range.to <= month.to
        && delay.status(month.to) == crate::model::Status::Provisional
        && delay.status(month.from) == crate::model::Status::Final)
        .then_some(month)
}

/// The month-end forecast from the report's daily groups (after filters), when they are one
/// source in one currency: a projection never adds an estimate to a bill, or two currencies.
/// With a final day of the month that no input holds a row for, none, and a note that says so.
fn month_forecast(
    month: crate::model::DateRange,
    groups: &[aggregate::DayGroup],
    scanned: &super::Scanned,
    delay: crate::model::Delay,
) -> Result<(Option<crate::forecast::Forecast>, Option<String>)> {
    let kinds: std::collections::BTreeSet<(&str, &str)> = groups
        .iter()
        .map(|g| (g.source.as_str(), g.currency.as_str()))
        .collect();
    if kinds.len() != 1 {
        return Ok((None, None));
    }
    // Days any input holds a valid row for, before filters (as `alerts` judges coverage).
    let covered: std::collections::BTreeSet<crate::model::Day> = scanned
        .scans
        .iter()
        .zip(&scanned.resolved.duplicate_of)
        .filter(|(_, duplicate)| duplicate.is_none())
        .flat_map(|(scan, _)| &scan.tally.days)
        .filter(|(_, rows)| rows.valid > 0)
        .map(|(day, _)| *day)
        .collect();
    let gaps = crate::forecast::gaps(month, &covered, delay);
    if !gaps.is_empty() {
        return Ok((
            None,
            Some(format!(
                "no forecast: the inputs hold no row for {} (missing data is not a day without \
                 spend)",
                crate::alerts::day_list(&gaps)
            )),
        ));
    }
    let mut daily = std::collections::BTreeMap::new();
    for group in groups {
        let entry: &mut rust_decimal::Decimal = daily.entry(group.day).or_default();
        *entry = crate::model::exact_add(*entry, group.sums.cost)?;
    }
    Ok((crate::forecast::project(month, &daily, delay)?, None))
}

/// A JSON document (the `--format json` summary, `manifest.json`) with the month-end forecast
/// added as its last key `forecast`, when there is one.
fn with_forecast(bytes: Vec<u8>, forecast: Option<&crate::forecast::Forecast>) -> Vec<u8> {
    let Some(forecast) = forecast else {
        return bytes;
    };
    let Ok(serde_json::Value::Object(mut document)) = serde_json::from_slice(&bytes) else {
        return bytes;
    };
    document.insert("forecast".into(), render::forecast::json(forecast, &[]));
    match serde_json::to_vec_pretty(&serde_json::Value::Object(document)) {
        Ok(mut pretty) => {
            pretty.push(b'\n');
            pretty
        }
        Err(_) => bytes,
    }
}
