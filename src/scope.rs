//! Honest figures: the scope every report output states (one struct, built once, rendered the
//! same way by the table, JSON, report.html and manifest.json), and what an empty result says
//! instead of a bare 0.00. No I/O.

use crate::aggregate::Summary;
use crate::config::{FilterField, Filters};
use crate::ingest::InputScan;
use crate::ingest::tally::{Exact, FilterProbe, Rejects};
use crate::model::{DateRange, money_text};
use chrono::{DateTime, Timelike, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Whether the figures are what a bill says or what a rate card makes of token records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figures {
    Billed,
    Estimated,
    /// Both, shown apart (never added).
    Mixed,
}

impl Figures {
    pub fn as_str(self) -> &'static str {
        match self {
            Figures::Billed => "billed",
            Figures::Estimated => "estimated",
            Figures::Mixed => "billed and estimated",
        }
    }
}

/// The rows `--skip-bad-rows` left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Skipped {
    pub rows: u64,
    /// The sum of the cost of the skipped rows whose cost (and currency) could be read, in
    /// `currency`: what they would have added, whatever their day or the filters. `None` when
    /// none could, when they are in several currencies, or when the sum would not be exact.
    pub cost: Option<Decimal>,
    /// The currency of that sum.
    pub currency: Option<String>,
    /// The readable costs are in several currencies: no sum.
    pub mixed_currencies: bool,
    /// How many skipped rows that sum covers.
    pub rows_with_cost: u64,
}

impl Skipped {
    /// `2 bad rows skipped (cost 3.50 USD)`, as the scope line shows it; `None` when no row was
    /// skipped.
    pub fn text(&self) -> Option<String> {
        if self.rows == 0 {
            return None;
        }
        let rows = plural(self.rows, "bad row");
        let currency = self.currency.as_deref().unwrap_or("");
        Some(match (self.cost, self.rows_with_cost) {
            _ if self.mixed_currencies => {
                format!("{rows} skipped (costs in several currencies, not summed)")
            }
            (Some(cost), n) if n == self.rows => {
                format!("{rows} skipped (cost {} {currency})", money_text(cost))
            }
            (Some(cost), n) => format!(
                "{rows} skipped (cost {} {currency} in the {} with a readable cost)",
                money_text(cost),
                plural(n, "row")
            ),
            (None, 0) => format!("{rows} skipped (no readable cost)"),
            (None, _) => format!("{rows} skipped (their costs have no exact sum)"),
        })
    }

    pub fn of(rejects: &[&Rejects]) -> Skipped {
        let mut cost = Some(Exact::default());
        let mut rows_with_cost = 0;
        let mut currency: Option<&str> = None;
        let mut mixed = false;
        for input in rejects {
            let (input_cost, rows) = input.cost();
            rows_with_cost += rows;
            cost = match (cost, input_cost) {
                (Some(mut sum), Some(more)) => sum.merge(&more).ok().map(|_| sum),
                _ => None,
            };
            match input.currency() {
                Err(()) => mixed = true,
                Ok(Some(this)) if currency.is_some_and(|seen| seen != this) => mixed = true,
                Ok(Some(this)) => currency = Some(this),
                Ok(None) => {}
            }
        }
        Skipped {
            rows: rejects.iter().map(|r| r.rows()).sum(),
            cost: cost
                .and_then(|sum| sum.value().ok())
                .filter(|_| rows_with_cost > 0 && !mixed),
            currency: currency.filter(|_| !mixed).map(str::to_string),
            mixed_currencies: mixed,
            rows_with_cost,
        }
    }
}

/// What a report's figures cover: stated once here, shown by every output.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The range after every cut (the as-of day, `--final-only`).
    pub range: DateRange,
    pub as_of: DateTime<Utc>,
    pub filters: Filters,
    /// `--final-only`: the range ends on the last final day.
    pub final_only: bool,
    pub skipped: Skipped,
    pub figures: Figures,
}

impl Scope {
    /// The scope of `summary`: billed or estimated from its rows (from the inputs' kinds when
    /// it has none).
    pub fn new(
        summary: &Summary,
        filters: &Filters,
        final_only: bool,
        rejects: &[&Rejects],
        scans: &[InputScan],
    ) -> Scope {
        let billed = summary.totals.iter().any(|t| t.source == "billed");
        let estimated = summary.totals.iter().any(|t| t.source == "estimated");
        let figures = match (billed, estimated) {
            (true, true) => Figures::Mixed,
            (false, true) => Figures::Estimated,
            (true, false) => Figures::Billed,
            (false, false) => {
                let tokens = |scan: &InputScan| scan.kind.starts_with("token-records");
                if !scans.is_empty() && scans.iter().all(tokens) {
                    Figures::Estimated
                } else {
                    Figures::Billed
                }
            }
        };
        Scope {
            range: summary.range,
            as_of: summary.delay.as_of,
            filters: filters.clone(),
            final_only,
            skipped: Skipped::of(rejects),
            figures,
        }
    }

    /// "Cost", or "Estimated cost" when every figure is an estimate.
    pub fn title(&self) -> &'static str {
        match self.figures {
            Figures::Estimated => "Estimated cost",
            _ => "Cost",
        }
    }

    /// One line: `2026-10-01 to 2026-10-31 · as of 2026-11-02T10:30Z · project=search-prod ·
    /// billed`, with `final days only` and the skipped rows when they apply.
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} to {}", self.range.from, self.range.to),
            format!("as of {}", as_of_text(self.as_of)),
        ];
        parts.extend(self.filters.texts());
        if self.final_only {
            parts.push("final days only".to_string());
        }
        parts.extend(self.skipped.text());
        parts.push(self.figures.as_str().to_string());
        parts.join(" · ")
    }

    /// `{from, to, as_of, filters, final_only, rows_skipped, source}`.
    pub fn json(&self) -> Value {
        json!({
            "from": self.range.from.to_string(),
            "to": self.range.to.to_string(),
            "as_of": self.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "filters": filters_json(&self.filters),
            "final_only": self.final_only,
            "rows_skipped": {
                "count": self.skipped.rows,
                "cost": self.skipped.cost.map(money_text),
                "currency": self.skipped.currency,
                "mixed_currencies": self.skipped.mixed_currencies,
                "rows_with_cost": self.skipped.rows_with_cost,
            },
            "source": self.figures.as_str(),
        })
    }
}

/// `{sku, project, service, tag}`, each a list (tags as `KEY=VALUE`).
pub fn filters_json(filters: &Filters) -> Value {
    json!({
        "sku": filters.skus,
        "project": filters.projects,
        "service": filters.services,
        "tag": filters.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
    })
}

/// `2026-11-02T10:30Z`, with seconds only when there are some.
fn as_of_text(as_of: DateTime<Utc>) -> String {
    if as_of.second() == 0 && as_of.nanosecond() == 0 {
        as_of.format("%Y-%m-%dT%H:%MZ").to_string()
    } else {
        as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What an empty result was asked of.
pub struct EmptyQuestion<'a> {
    /// `the range 2026-11-01 to 2026-11-20`, `the month 2026-11 (2026-11-01 to 2026-11-20)`.
    pub what: String,
    pub range: DateRange,
    pub filters: &'a Filters,
    /// `reconcile`: the service filter is its own (assistants), not the user's.
    pub implicit_service: bool,
}

/// Why no row was counted, for stderr: the range holds no row of the inputs (and which days
/// they do hold), or the filters matched nothing there (which filter, and the closest values
/// the rows in range hold). Duplicate inputs (`Some` in `duplicate_of`) are left out.
/// `superseded` counts the rows `--on-overlap latest` replaced: rows a filter matched may be
/// among them, which the filter probe (taken as rows are read) cannot tell.
pub fn explain_empty(
    question: &EmptyQuestion<'_>,
    scans: &[InputScan],
    duplicate_of: &[Option<usize>],
    superseded: u64,
) -> String {
    let live: Vec<&InputScan> = scans
        .iter()
        .zip(duplicate_of.iter().chain(std::iter::repeat(&None)))
        .filter(|(_, duplicate)| duplicate.is_none())
        .map(|(scan, _)| scan)
        .collect();
    let coverage: Vec<String> = live
        .iter()
        .map(|scan| {
            let days = scan
                .tally
                .days
                .iter()
                .filter(|(_, rows)| rows.valid > 0)
                .map(|(day, _)| *day);
            match (days.clone().min(), days.max()) {
                (Some(first), Some(last)) if first == last => {
                    format!("{}: {first}", scan.file.name)
                }
                (Some(first), Some(last)) => format!("{}: {first} to {last}", scan.file.name),
                _ => format!("{}: no valid row", scan.file.name),
            }
        })
        .collect();
    let coverage = if coverage.is_empty() {
        "no input holds a row".to_string()
    } else {
        format!("the inputs hold rows for {}", coverage.join(", "))
    };
    let in_range: u64 = live
        .iter()
        .flat_map(|scan| &scan.tally.days)
        .filter(|(day, _)| question.range.contains(**day))
        .map(|(_, rows)| rows.valid)
        .sum();
    let what = &question.what;
    if in_range == 0 || question.filters.is_empty() {
        return format!("{what} has no data: no row of the inputs falls in it; {coverage}");
    }
    let mut probe = FilterProbe::default();
    for scan in &live {
        probe.merge(&scan.tally.probe);
    }
    let fields = question.filters.fields();
    let mut problems = Vec::new();
    for (item, (field, wanted)) in question.filters.items().into_iter().enumerate() {
        if probe.matched.get(item).copied().unwrap_or(false) {
            continue;
        }
        let at = fields.iter().position(|f| *f == field).unwrap_or(0);
        let values: Vec<&str> = probe
            .values
            .get(at)
            .map(|set| set.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let truncated = probe.truncated.get(at).copied().unwrap_or(false);
        if question.implicit_service && field == FilterField::Service {
            problems.push(format!(
                "no row there is of the {wanted} service, the only one reconcile reads"
            ));
            continue;
        }
        problems.push(filter_hint(&field, wanted, &values, truncated));
    }
    if problems.is_empty() {
        // Every filter met rows in range. With rows superseded by a later input, those rows
        // may be among them (a single filter can only be empty that way); otherwise the
        // filters exclude each other.
        let superseded_text = format!(
            "{} replaced by a later input (--on-overlap latest)",
            plural(superseded, "row")
        );
        let items = question.filters.items();
        problems.push(match (superseded > 0, items.as_slice()) {
            (true, [(field, wanted)]) => format!(
                "{} matches rows there, but none of them is counted: {superseded_text} \
                 held them",
                filter_flag(field, wanted)
            ),
            (true, _) => format!(
                "each filter matches rows there, but no counted row matches all of them \
                 together: {superseded_text} may have held the ones that did"
            ),
            (false, _) => "each filter matches rows there, but no row matches all of them \
                           together"
                .to_string(),
        });
    }
    format!(
        "no row of {what} passes the filters: {} ({coverage})",
        problems.join("; ")
    )
}

/// `--project search-prod`, `--tag team=search`: a filter as it was given.
fn filter_flag(field: &FilterField, wanted: &str) -> String {
    // Values from inputs (and the option's own text) with line breaks and other control
    // characters made visible: a quoted "A\nB" must not break the warning's line.
    let visible = |text: &str| crate::output::visible(text).into_owned();
    let quote = |text: &str| {
        if text.contains(char::is_whitespace) || text.is_empty() {
            format!("\"{}\"", visible(text))
        } else {
            visible(text)
        }
    };
    match field {
        FilterField::Tag(key) => format!("--tag {}", quote(&format!("{key}={wanted}"))),
        FilterField::Sku => format!("--sku {}", quote(wanted)),
        FilterField::Project => format!("--project {}", quote(wanted)),
        FilterField::Service => format!("--service {}", quote(wanted)),
    }
}

/// `--project search-prd matches no row there; did you mean "search-prod"?`.
fn filter_hint(field: &FilterField, wanted: &str, values: &[&str], truncated: bool) -> String {
    // Values from inputs (and the option's own text) with line breaks and other control
    // characters made visible: a quoted "A\nB" must not break the warning's line.
    let visible = |text: &str| crate::output::visible(text).into_owned();
    let quote = |text: &str| {
        if text.contains(char::is_whitespace) || text.is_empty() {
            format!("\"{}\"", visible(text))
        } else {
            visible(text)
        }
    };
    let (flag, noun) = match field {
        FilterField::Tag(key) => (
            format!("--tag {}", quote(&format!("{key}={wanted}"))),
            format!("values of the tag {key}"),
        ),
        FilterField::Sku => (format!("--sku {}", quote(wanted)), "SKUs".to_string()),
        FilterField::Project => (
            format!("--project {}", quote(wanted)),
            "projects (names and IDs)".to_string(),
        ),
        FilterField::Service => (
            format!("--service {}", quote(wanted)),
            "services".to_string(),
        ),
    };
    let shown = |value: &str| match field {
        FilterField::Tag(key) => format!("\"{}\"", visible(&format!("{key}={value}"))),
        _ => format!("\"{}\"", visible(value)),
    };
    let head = format!("{flag} matches no row there");
    if values.is_empty() {
        return match field {
            FilterField::Tag(key) => format!("{head}: no row there has the tag {key}"),
            _ => format!("{head}: the rows there have no {noun}"),
        };
    }
    let lower = wanted.to_ascii_lowercase();
    let closest = values
        .iter()
        .map(|value| {
            let distance = strsim::levenshtein(&lower, &value.to_ascii_lowercase());
            (distance, *value)
        })
        .filter(|(distance, _)| *distance <= (lower.chars().count() / 3).max(2))
        .min();
    if let Some((_, value)) = closest {
        return format!("{head}; did you mean {}?", shown(value));
    }
    let containing: Vec<&str> = values
        .iter()
        .copied()
        .filter(|value| {
            let value = value.to_ascii_lowercase();
            !lower.is_empty() && (value.contains(&lower) || lower.contains(&value))
        })
        .collect();
    let list = |values: &[&str]| {
        const SHOWN: usize = 5;
        let mut text = values
            .iter()
            .take(SHOWN)
            .map(|v| shown(v))
            .collect::<Vec<_>>()
            .join(", ");
        if values.len() > SHOWN {
            text.push_str(&format!(" and {} more", values.len() - SHOWN));
        }
        text
    };
    if !containing.is_empty() {
        return format!(
            "{head} (a filter matches a whole value, ignoring ASCII case); did you mean {}{}?",
            if containing.len() > 1 { "one of " } else { "" },
            list(&containing)
        );
    }
    format!(
        "{head}; the {noun} there are {}{}",
        list(values),
        if truncated {
            format!(" (the first {} kept)", crate::ingest::tally::PROBE_VALUES)
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_closest_value_or_the_values_containing_it() {
        let projects = ["search-prod", "support-bot", "analytics, EMEA"];
        assert_eq!(
            filter_hint(&FilterField::Project, "search-prd", &projects, false),
            "--project search-prd matches no row there; did you mean \"search-prod\"?"
        );
        let skus = [
            "Serverless Read Units (aws us-east-1)",
            "Backup Storage (aws us-east-1)",
        ];
        assert_eq!(
            filter_hint(&FilterField::Sku, "serverless read units", &skus, false),
            "--sku \"serverless read units\" matches no row there (a filter matches a whole \
             value, ignoring ASCII case); did you mean \"Serverless Read Units (aws \
             us-east-1)\"?"
        );
        assert_eq!(
            filter_hint(&FilterField::Service, "zzzzzzzz", &["database"], false),
            "--service zzzzzzzz matches no row there; the services there are \"database\""
        );
        assert_eq!(
            filter_hint(&FilterField::Tag("env".into()), "prd", &["prod"], false),
            "--tag env=prd matches no row there; did you mean \"env=prod\"?"
        );
        assert_eq!(
            filter_hint(&FilterField::Tag("team".into()), "x", &[], false),
            "--tag team=x matches no row there: no row there has the tag team"
        );
    }

    #[test]
    fn the_as_of_shows_seconds_only_when_there_are_some() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert_eq!(as_of_text(at("2026-11-02T10:30:00Z")), "2026-11-02T10:30Z");
        assert_eq!(
            as_of_text(at("2026-11-02T10:30:05Z")),
            "2026-11-02T10:30:05Z"
        );
    }
}
