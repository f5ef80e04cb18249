//! Pure aggregation: per-input tallies → resolved duplicates and overlaps → one set of daily
//! groups → the summary a report renders. No I/O.

use crate::config::OnOverlap;
use crate::ingest::InputScan;
use crate::ingest::tally::{FastMap, KEY_SEPARATOR, Sums, Totals, day_from_bytes};
use crate::model::{DateRange, Day, Delay, KeyKind, Period, Status};
use anyhow::{Result, bail};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// How each input's rows were accounted for: read = used + filtered + superseded + rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RowCounts {
    pub read: u64,
    pub used: u64,
    pub filtered: u64,
    pub superseded: u64,
    pub rejected: u64,
}

/// The inputs after duplicates and overlaps are resolved.
#[derive(Debug)]
pub struct Resolved {
    /// Per input (same order as given): its row counts, and the earlier input with the same
    /// content when it was skipped.
    pub counts: Vec<RowCounts>,
    pub duplicate_of: Vec<Option<usize>>,
    /// Warnings for the terminal (duplicates, superseded days).
    pub warnings: Vec<String>,
    /// Group key bytes (day first) → exact sums, over every input.
    pub groups: FastMap<Box<[u8]>, Sums>,
    /// The last day with a counted row (group keys may hold period starts instead of days).
    pub last_day: Option<Day>,
}

/// Resolves same-content inputs and overlapping exports, then merges every input's groups.
/// Takes each input's groups out of its tally (they move into `Resolved::groups`).
pub fn resolve(scans: &mut [InputScan], on_overlap: OnOverlap) -> Result<Resolved> {
    let mut warnings = Vec::new();
    let mut duplicate_of = vec![None; scans.len()];
    for (later, scan) in scans.iter().enumerate() {
        if let Some(first) = scans[..later]
            .iter()
            .position(|earlier| earlier.sha256.is_some() && earlier.sha256 == scan.sha256)
        {
            let first = duplicate_of[first].unwrap_or(first);
            duplicate_of[later] = Some(first);
            warnings.push(format!(
                "{} has the same content as {}; it is read once",
                scan.file.name, scans[first].file.name
            ));
        }
    }
    let live: Vec<usize> = (0..scans.len())
        .filter(|&i| duplicate_of[i].is_none())
        .collect();

    // The first shared (day, identity) key of each overlapping pair: keys are compared as
    // the day, then the bytes of the project, service, sku, region and resource.
    let mut pairs: BTreeMap<(usize, usize), (Day, &[u8])> = BTreeMap::new();
    for (n, &a) in live.iter().enumerate() {
        for &b in &live[n + 1..] {
            let (earlier, later) = (&scans[a].tally, &scans[b].tally);
            // Every key's day is a day with a valid row: inputs with no day in common share
            // no key.
            if !earlier.days.keys().any(|day| later.days.contains_key(day)) {
                continue;
            }
            if let Some(first) = earlier.overlap_keys.shared(&later.overlap_keys).min() {
                pairs.insert((a, b), first);
            }
        }
    }
    let mut superseded: BTreeSet<(usize, Day)> = BTreeSet::new();
    match on_overlap {
        OnOverlap::Error => {
            if let Some(((a, b), (day, combination))) = pairs.iter().next() {
                bail!(
                    "{} and {} overlap: both hold rows for {}; use --on-overlap latest to take \
                     the later input's rows for each day both cover, or --on-overlap sum to keep \
                     both",
                    scans[*a].file.name,
                    scans[*b].file.name,
                    describe_overlap_key(*day, combination)
                );
            }
        }
        OnOverlap::Latest => {
            for &(a, b) in pairs.keys() {
                let later_days = &scans[b].tally.days;
                let mut days: Vec<Day> = scans[a]
                    .tally
                    .days
                    .keys()
                    .filter(|day| later_days.contains_key(day))
                    .copied()
                    .collect();
                days.sort();
                if let (Some(first), Some(last)) = (days.first(), days.last()) {
                    warnings.push(format!(
                        "{} replaces {} for {} day(s), {first} to {last} (--on-overlap latest)",
                        scans[b].file.name,
                        scans[a].file.name,
                        days.len()
                    ));
                }
                if let Some(warning) = replaced_by_nothing(&scans[a], &scans[b], &days) {
                    warnings.push(warning);
                }
                superseded.extend(days.into_iter().map(|day| (a, day)));
            }
        }
        OnOverlap::Sum => {}
    }

    let mut counts = vec![RowCounts::default(); scans.len()];
    // An input read once already: all its rows are superseded by the first copy's.
    for (i, first) in duplicate_of.iter().enumerate() {
        if first.is_some() {
            let read = scans[i].tally.rows_read;
            counts[i] = RowCounts {
                read,
                superseded: read,
                ..RowCounts::default()
            };
        }
    }
    let mut last_day: Option<Day> = None;
    let mut groups: FastMap<Box<[u8]>, Sums> = FastMap::default();
    for &i in &live {
        let tally = &scans[i].tally;
        let count = &mut counts[i];
        count.read = tally.rows_read;
        count.rejected = tally.rows_rejected();
        count.superseded = tally.superseded;
        warnings.extend(tally.warnings.iter().cloned());
        for (day, rows) in &tally.days {
            if superseded.contains(&(i, *day)) {
                count.superseded += rows.valid;
            } else {
                count.used += rows.passing;
                count.filtered += rows.valid - rows.passing;
                if rows.passing > 0 {
                    last_day = last_day.max(Some(*day));
                }
            }
        }
        let input_groups = std::mem::take(&mut scans[i].tally.groups);
        if groups.is_empty() && !superseded.iter().any(|(input, _)| *input == i) {
            // The first input's groups are the start of the merge: moved, not copied.
            groups = input_groups;
            continue;
        }
        for (key, sums) in input_groups {
            if superseded.contains(&(i, key_day(&key))) {
                continue;
            }
            match groups.get_mut(&key) {
                Some(existing) => existing.merge(&sums).map_err(|overflow| {
                    let place = key_place(&key);
                    anyhow::anyhow!("{}: {place}: {overflow}", scans[i].file.name)
                })?,
                None => {
                    groups.insert(key, sums);
                }
            }
        }
        debug_assert_eq!(
            count.read,
            count.used + count.filtered + count.superseded + count.rejected
        );
    }
    Ok(Resolved {
        counts,
        duplicate_of,
        warnings,
        groups,
        last_day,
    })
}

/// How many (project, day) pairs a "replaced by nothing" warning names before "and N more".
pub const REPLACED_LISTED: usize = 10;

/// Under `--on-overlap latest`, the projects `earlier` held on `days` (the days `later`
/// replaces) for which `later` holds no row at all: their spend there is dropped. A warning
/// naming them (project and day, sorted, the first `REPLACED_LISTED`), or `None`.
fn replaced_by_nothing(earlier: &InputScan, later: &InputScan, days: &[Day]) -> Option<String> {
    let days: BTreeSet<Day> = days.iter().copied().collect();
    let projects = |scan: &InputScan| -> BTreeSet<(Vec<u8>, Day)> {
        scan.tally
            .overlap_keys
            .iter()
            .filter(|(day, _)| days.contains(day))
            .map(|(day, combination)| {
                let project = combination
                    .split(|b| *b == KEY_SEPARATOR)
                    .next()
                    .unwrap_or(&[]);
                (project.to_vec(), day)
            })
            .collect()
    };
    let kept = projects(later);
    let dropped: Vec<(Vec<u8>, Day)> = projects(earlier)
        .into_iter()
        .filter(|pair| !kept.contains(pair))
        .collect();
    if dropped.is_empty() {
        return None;
    }
    let names: BTreeSet<&[u8]> = dropped.iter().map(|(p, _)| &p[..]).collect();
    let on_days: BTreeSet<Day> = dropped.iter().map(|(_, d)| *d).collect();
    let mut listed: Vec<String> = dropped
        .iter()
        .take(REPLACED_LISTED)
        .map(|(project, day)| {
            let project = String::from_utf8_lossy(project);
            let project = if project.is_empty() {
                "(no project)".into()
            } else {
                project
            };
            format!("{project} on {day}")
        })
        .collect();
    if dropped.len() > REPLACED_LISTED {
        listed.push(format!("and {} more", dropped.len() - REPLACED_LISTED));
    }
    Some(format!(
        "{} has no rows for {} project(s) that {} had on {} of the days it replaces; their rows \
         there are dropped: {} (--on-overlap latest replaces whole days)",
        later.file.name,
        names.len(),
        earlier.file.name,
        on_days.len(),
        listed.join(", ")
    ))
}

/// Where a sum overflowed, for its error: each key value with its name, then the day or
/// days: `project "p1", sku "s1", 2026-10-01 to 2026-10-31`.
fn sum_place(names: &[String], values: &[String], from: Day, to: Option<Day>) -> String {
    let mut parts: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(name, value)| format!("{name} \"{value}\""))
        .collect();
    parts.push(match to {
        Some(to) if to != from => format!("{from} to {to}"),
        _ => from.to_string(),
    });
    parts.join(", ")
}

/// A group key (`decode_groups`) for an overflow error: its values, then currency, unit and
/// source, then its day: `"p1", "s1" (USD, RU, billed) from 2026-10-02`. "from": the day of a
/// group counted by period (`ScanPlan::bucket`) is its period's first.
fn key_place(key: &[u8]) -> String {
    let mut values = split_values(key);
    let details: Vec<String> = values
        .split_off(values.len().saturating_sub(3))
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    let mut values: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    values.push(format!("({})", details.join(", ")));
    format!("{} from {}", values.join(" "), key_day(key))
}

fn key_day(key: &[u8]) -> Day {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&key[..4]);
    day_from_bytes(bytes)
}

fn split_values(key: &[u8]) -> Vec<String> {
    key[4..]
        .split(|b| *b == KEY_SEPARATOR)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// `day, project "p", service "s", …`: the values of a combination (see `OverlapKeys`)
/// that are not empty.
fn describe_overlap_key(day: Day, combination: &[u8]) -> String {
    let names = ["project", "service", "sku", "region", "resource"];
    let parts: Vec<String> = names
        .iter()
        .zip(combination.split(|b| *b == KEY_SEPARATOR))
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| format!("{n} \"{}\"", String::from_utf8_lossy(v)))
        .collect();
    format!("{day}, {}", parts.join(", "))
}

/// One group on one day, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayGroup {
    pub day: Day,
    pub keys: Vec<String>,
    pub currency: String,
    pub unit: String,
    pub source: String,
    pub sums: Totals,
}

/// Decodes group keys written by the per-row path: `day ++ key values ++ currency ++ unit ++
/// source`, each value followed by the separator except the last. Fails when a group's sum
/// needs more than 28 significant digits (checked here, once, whatever the order of the
/// additions: see `Exact`).
pub fn decode_groups(groups: FastMap<Box<[u8]>, Sums>, key_count: usize) -> Result<Vec<DayGroup>> {
    let mut decoded: Vec<DayGroup> = groups
        .into_iter()
        .map(|(key, sums)| {
            let mut values = split_values(&key);
            // A cost that needs too many digits is named as such; so is a quantity, whose
            // error must not send the user to round costs that are fine.
            let sums = match (sums.quantity.value(), sums.cost.value()) {
                (_, Err(overflow)) => Err(anyhow::anyhow!("{}: {overflow}", key_place(&key))),
                (Err(_), Ok(_)) => Err(anyhow::anyhow!(
                    "{}: the sum of its quantities (not its costs) needs more than the 28 \
                     significant digits tally keeps exactly (quantities far apart in size, such \
                     as 100000000000000000000 and 0.0000000000001); round the quantity column \
                     to fewer decimal places",
                    key_place(&key)
                )),
                (Ok(quantity), Ok(cost)) => Ok(crate::ingest::tally::Totals {
                    quantity,
                    cost,
                    rows: sums.rows,
                }),
            }?;
            let source = values.pop().unwrap_or_default();
            let unit = values.pop().unwrap_or_default();
            let currency = values.pop().unwrap_or_default();
            values.truncate(key_count);
            Ok(DayGroup {
                day: key_day(&key),
                keys: values,
                currency,
                unit,
                source,
                sums,
            })
        })
        .collect::<Result<_>>()?;
    decoded.sort_by(|a, b| {
        (a.day, &a.keys, &a.unit, &a.currency, &a.source).cmp(&(
            b.day,
            &b.keys,
            &b.unit,
            &b.currency,
            &b.source,
        ))
    });
    Ok(decoded)
}

/// One output row of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// `None` for `--period total`.
    pub period: Option<DateRange>,
    pub keys: Vec<String>,
    /// With `sku` among the keys: the unit and the summed quantity.
    pub unit: Option<String>,
    pub quantity: Option<Decimal>,
    pub cost: Decimal,
    /// The part of `cost` on provisional days (zero for a final row): it may still grow.
    pub provisional_cost: Decimal,
    pub currency: String,
    pub status: Status,
}

impl Summary {
    /// True when the report holds both billed and estimated rows: no single total exists.
    pub fn mixed_sources(&self) -> bool {
        let mut sources = self.totals.iter().map(|total| total.source.as_str());
        sources
            .next()
            .is_some_and(|first| sources.any(|other| other != first))
    }

    /// The report's totals: one, or one per source and currency when a single figure would
    /// add an estimate to a bill or one currency to another.
    pub fn totals(&self) -> Vec<Total> {
        if self.totals.is_empty() {
            // No row in the report: one zero total, in no currency and of no source.
            return vec![Total {
                source: String::new(),
                currency: String::new(),
                cost: Decimal::ZERO,
                final_cost: Decimal::ZERO,
                provisional: Decimal::ZERO,
            }];
        }
        self.totals.clone()
    }
}

/// A total of one source in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub source: String,
    pub currency: String,
    pub cost: Decimal,
    /// The part of `cost` on final days and on provisional days: `final_cost + provisional =
    /// cost`, each summed exactly from the groups.
    pub final_cost: Decimal,
    pub provisional: Decimal,
}

impl Total {
    /// The label of its row: `total`, or `total billed USD` when there are several.
    pub fn label(&self, several: bool, mixed_sources: bool) -> String {
        match (several, mixed_sources) {
            (false, _) => "total".to_string(),
            (true, true) => format!("total {} {}", self.source, self.currency),
            (true, false) => format!("total {}", self.currency),
        }
    }
}

/// One row of `daily.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRow {
    pub day: Day,
    pub keys: Vec<String>,
    pub cost: Decimal,
    pub currency: String,
    pub status: Status,
}

/// What every renderer needs.
#[derive(Debug, Clone)]
pub struct Summary {
    pub key_names: Vec<String>,
    pub with_units: bool,
    pub period: Period,
    pub range: DateRange,
    pub delay: Delay,
    /// Sorted by period, then keys, unit and currency.
    pub rows: Vec<SummaryRow>,
    /// Sorted by day, then keys.
    pub daily: Vec<DailyRow>,
    /// The report's one total: zero without rows; `None` with rows of both sources or in
    /// several currencies, where a single figure would add what must not be added (renderers
    /// then use `totals()`, and such a sum is never computed, so it cannot fail a report).
    pub total: Option<Decimal>,
    /// The total per source and currency, sorted.
    pub totals: Vec<Total>,
    /// The report's currency; `None` when rows in several currencies are grouped by currency,
    /// or when no row is in the report.
    pub currency: Option<String>,
    pub provisional_days: Vec<Day>,
}

/// Builds the summary from decoded daily groups. Fails on mixed currencies unless `currency`
/// is a grouping key, and when a sum overflows.
/// `last_day` is the last day with data, when known (see `Resolved::last_day`).
/// The daily rows are built only `with_daily` (they are needed for `daily.csv`, the charts and
/// the HTML; a terminal query over many days and keys need not hold them).
pub fn summarize(
    groups: &[DayGroup],
    keys: &[KeyKind],
    period: Period,
    range: DateRange,
    delay: Delay,
    with_daily: bool,
    last_day: Option<Day>,
) -> Result<Summary> {
    // An overflow error names the sum: a row's keys and period, a day, or a total.
    let overflow = |place: String| move |o: crate::model::Overflow| anyhow::anyhow!("{place}: {o}");
    let currencies: BTreeSet<&str> = groups.iter().map(|g| g.currency.as_str()).collect();
    let by_currency = keys.contains(&KeyKind::Currency);
    if currencies.len() > 1 && !by_currency {
        bail!(
            "the rows in range are in several currencies ({}); a report sums one currency: add \
             --by currency, or keep one currency's rows (its inputs only, or --project, \
             --service, --sku or --tag)",
            currencies.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    let sources: BTreeSet<&str> = groups.iter().map(|g| g.source.as_str()).collect();
    // Never add an estimate to a bill: with both sources, `source` becomes the first key.
    let add_source = sources.len() > 1 && !keys.contains(&KeyKind::Source);
    let mut key_names: Vec<String> = keys.iter().map(KeyKind::name).collect();
    if add_source {
        key_names.insert(0, "source".to_string());
    }
    let with_units = keys.contains(&KeyKind::Sku);
    let keys_of = |group: &DayGroup| -> Vec<String> {
        let mut values = group.keys.clone();
        if add_source {
            values.insert(0, group.source.clone());
        }
        values
    };

    type RowKey = (Option<(Day, Day)>, Vec<String>, String, String);
    let first_provisional = delay.first_provisional_day();
    // A group's day is its day, or the start of its period's final or provisional part
    // (`ScanPlan::key_day`): either way on or after the first provisional day iff provisional.
    let provisional = |group: &DayGroup| {
        if group.day >= first_provisional {
            group.sums.cost
        } else {
            Decimal::ZERO
        }
    };
    let mut rows: BTreeMap<RowKey, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    let mut daily: BTreeMap<(Day, Vec<String>, String), Decimal> = BTreeMap::new();
    let mut split_totals: BTreeMap<(String, String), [Decimal; 3]> = BTreeMap::new();
    for group in groups {
        let bucket = match period {
            Period::Total => None,
            _ => {
                let b = period.bucket(group.day, range);
                Some((b.from, b.to))
            }
        };
        let unit = if with_units {
            group.unit.clone()
        } else {
            String::new()
        };
        // Error texts are built only on an error (keys_of allocates).
        let row_error = |o| {
            let (from, to) = bucket.unwrap_or((range.from, range.to));
            overflow(sum_place(&key_names, &keys_of(group), from, Some(to)))(o)
        };
        let entry = rows
            .entry((bucket, keys_of(group), unit, group.currency.clone()))
            .or_default();
        entry.0 = crate::model::exact_add(entry.0, group.sums.quantity).map_err(row_error)?;
        entry.1 = crate::model::exact_add(entry.1, group.sums.cost).map_err(row_error)?;
        entry.2 = crate::model::exact_add(entry.2, provisional(group)).map_err(row_error)?;
        if with_daily {
            let day_entry = daily
                .entry((group.day, keys_of(group), group.currency.clone()))
                .or_default();
            *day_entry = crate::model::exact_add(*day_entry, group.sums.cost).map_err(|o| {
                overflow(sum_place(&key_names, &keys_of(group), group.day, None))(o)
            })?;
        }
        let split = split_totals
            .entry((group.source.clone(), group.currency.clone()))
            .or_default();
        let part = usize::from(group.day >= first_provisional) + 1;
        let split_error =
            |o| overflow(format!("the {} total in {}", group.source, group.currency))(o);
        split[0] = crate::model::exact_add(split[0], group.sums.cost).map_err(split_error)?;
        split[part] = crate::model::exact_add(split[part], group.sums.cost).map_err(split_error)?;
    }
    let status_until = |last: Day| {
        if last >= first_provisional {
            Status::Provisional
        } else {
            Status::Final
        }
    };
    let rows = rows
        .into_iter()
        .map(
            |((bucket, keys, unit, currency), (quantity, cost, provisional_cost))| SummaryRow {
                period: bucket.map(|(from, to)| DateRange { from, to }),
                status: status_until(bucket.map_or(range.to, |(_, to)| to)),
                keys,
                unit: with_units.then_some(unit),
                quantity: with_units.then_some(quantity),
                cost,
                provisional_cost,
                currency,
            },
        )
        .collect();
    let daily = daily
        .into_iter()
        .map(|((day, keys, currency), cost)| DailyRow {
            day,
            keys,
            cost,
            currency,
            status: delay.status(day),
        })
        .collect();
    // The groups' days may be period starts (ScanPlan::bucket): the last day with data is
    // given when it is known.
    let as_of_day = delay.as_of.date_naive();
    let last_day_shown = last_day
        .or_else(|| groups.iter().map(|g| g.day).max())
        .map_or(as_of_day, |day| day.max(as_of_day))
        .min(range.to);
    let provisional_days = range
        .from
        .max(first_provisional)
        .iter_days()
        .take_while(|day| *day <= last_day_shown)
        .collect();
    // One currency, or none: with several (grouped by currency) no single one; with no row in
    // range none either, since naming one (it used to be USD) would put a currency the inputs
    // may not hold next to the 0.00.
    let currency = match currencies.len() {
        1 => currencies.first().map(|c| c.to_string()),
        _ => None,
    };
    Ok(Summary {
        key_names,
        with_units,
        period,
        range,
        delay,
        rows,
        daily,
        total: match split_totals.len() {
            0 => Some(Decimal::ZERO),
            1 => split_totals.values().next().map(|[cost, _, _]| *cost),
            _ => None,
        },
        totals: split_totals
            .into_iter()
            .map(
                |((source, currency), [cost, final_cost, provisional])| Total {
                    source,
                    currency,
                    cost,
                    final_cost,
                    provisional,
                },
            )
            .collect(),
        currency,
        provisional_days,
    })
}

#[cfg(test)]
mod tests {
    //! Inputs are real CSV files read by the real scanner (in a temporary folder), so that the
    //! keys `resolve` and `decode_groups` see are the ones the per-row path writes.
    use super::*;
    use crate::config::{CostColumn, DateBasis, Filters, ScanPlan};
    use crate::ingest::{InputFile, NoProgress, scan_input, tokens::SeenIds};
    use crate::rates::RateCard;
    use std::str::FromStr;

    const HEADER: &str = "Date,Project Name,Service,SKU,Region,Index,Quantity,Unit,Cost,Currency\n";

    fn day(s: &str) -> Day {
        Day::from_str(s).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn october() -> DateRange {
        DateRange {
            from: day("2026-10-01"),
            to: day("2026-10-31"),
        }
    }

    fn plan(keys: Vec<KeyKind>) -> ScanPlan {
        ScanPlan {
            range: october(),
            keys,
            filters: Filters::default(),
            skip_bad_rows: false,
            spill_rejects: false,
            cost: CostColumn::Billed,
            track_overlap: true,
            block_size: 1 << 20,
            hash_inputs: true,
            bucket: None,
            provisional_from: None,
            rates: std::sync::Arc::new(RateCard::built_in()),
            tz: chrono_tz::Tz::UTC,
            spread_charges: false,
            date_basis: DateBasis::Charge,
            date_format: None,
            delimiter: b',',
            exclude: Default::default(),
            export: false,
        }
    }

    /// A console CSV: one row per (day, project, cost), service `database`, SKU `Read Units`,
    /// region `aws us-east-1`, index `products`, 1 RU, USD.
    fn csv(rows: &[(&str, &str, &str)]) -> String {
        let mut text = HEADER.to_string();
        for (day, project, cost) in rows {
            text.push_str(&format!(
                "{day},{project},database,Read Units,aws us-east-1,products,1,RU,{cost},USD\n"
            ));
        }
        text
    }

    fn scan_all(inputs: &[(&str, String)], plan: &ScanPlan) -> Vec<InputScan> {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = SeenIds::new();
        inputs
            .iter()
            .map(|(name, text)| {
                let path = dir.path().join(name);
                std::fs::write(&path, text).unwrap();
                let file = InputFile {
                    path,
                    name: name.to_string(),
                };
                scan_input(&file, plan, &mut seen, &NoProgress).unwrap()
            })
            .collect()
    }

    fn delay(as_of: &str) -> Delay {
        Delay {
            as_of: chrono::DateTime::parse_from_rfc3339(as_of)
                .unwrap()
                .with_timezone(&chrono::Utc),
            delay_days: 3,
        }
    }

    /// resolve → decode → summarize by project over October, as of 2026-11-10 (all final).
    fn total_by_project(resolved: Resolved) -> (Decimal, Vec<(String, Decimal)>) {
        let groups = decode_groups(resolved.groups, 1).unwrap();
        let summary = summarize(
            &groups,
            &[KeyKind::Project],
            Period::Total,
            october(),
            delay("2026-11-10T00:00:00Z"),
            false,
            resolved.last_day,
        )
        .unwrap();
        let rows = summary
            .rows
            .iter()
            .map(|row| (row.keys[0].clone(), row.cost))
            .collect();
        (summary.total.unwrap(), rows)
    }

    #[test]
    fn inputs_with_the_same_content_are_read_once() {
        let text = csv(&[("2026-10-02", "p1", "1.25"), ("2026-10-03", "p1", "2.50")]);
        let inputs = [
            ("a.csv", text.clone()),
            ("b.csv", text.clone()),
            ("c.csv", text.clone()),
        ];
        let mut scans = scan_all(&inputs, &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Error).unwrap();
        assert_eq!(resolved.duplicate_of, vec![None, Some(0), Some(0)]);
        assert_eq!(
            resolved.warnings,
            vec![
                "b.csv has the same content as a.csv; it is read once".to_string(),
                "c.csv has the same content as a.csv; it is read once".to_string(),
            ]
        );
        let used = RowCounts {
            read: 2,
            used: 2,
            ..RowCounts::default()
        };
        let superseded = RowCounts {
            read: 2,
            superseded: 2,
            ..RowCounts::default()
        };
        assert_eq!(resolved.counts, vec![used, superseded, superseded]);
        assert_eq!(resolved.last_day, Some(day("2026-10-03")));
        assert_eq!(total_by_project(resolved).0, d("3.75"));

        // Without hashes nothing is known to be the same: summed, both counted.
        let mut unhashed = plan(vec![KeyKind::Project]);
        unhashed.hash_inputs = false;
        let mut scans = scan_all(&inputs[..2], &unhashed);
        let resolved = resolve(&mut scans, OnOverlap::Sum).unwrap();
        assert_eq!(resolved.duplicate_of, vec![None, None]);
        assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
        assert_eq!(resolved.counts, vec![used, used]);
        assert_eq!(total_by_project(resolved).0, d("7.50"));
    }

    #[test]
    fn an_overlap_names_both_inputs_the_first_shared_day_and_its_key() {
        let a = csv(&[
            ("2026-10-02", "p1", "1"),
            ("2026-10-04", "p1", "1"),
            ("2026-10-03", "p1", "1"),
        ]);
        let b = csv(&[("2026-10-04", "p1", "2"), ("2026-10-03", "p1", "2")]);
        let c = csv(&[("2026-10-03", "p1", "3")]);
        let inputs = [("a.csv", a), ("b.csv", b), ("c.csv", c)];
        let mut scans = scan_all(&inputs, &plan(vec![KeyKind::Project]));
        let error = resolve(&mut scans, OnOverlap::Error)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "a.csv and b.csv overlap: both hold rows for 2026-10-03, project \"p1\", service \
             \"database\", sku \"Read Units\", region \"aws us-east-1\", resource \"products\"; \
             use --on-overlap latest to take the later input's rows for each day both cover, or \
             --on-overlap sum to keep both"
        );
        // Empty values are left out of the key.
        let a = format!("{HEADER}2026-10-05,,database,Read Units,,products,1,RU,1,USD\n");
        let b = format!("{HEADER}2026-10-05,,database,Read Units,,products,1,RU,2,USD\n");
        let mut scans = scan_all(&[("a.csv", a), ("b.csv", b)], &plan(vec![]));
        let error = resolve(&mut scans, OnOverlap::Error)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "a.csv and b.csv overlap: both hold rows for 2026-10-05, service \"database\", \
                 sku \"Read Units\", resource \"products\"; use"
            ),
            "{error}"
        );
    }

    #[test]
    fn inputs_without_a_shared_day_and_key_do_not_overlap() {
        // Same key on other days; same day with another project.
        let a = csv(&[("2026-10-02", "p1", "1"), ("2026-10-03", "p1", "2")]);
        let b = csv(&[("2026-10-04", "p1", "4"), ("2026-10-03", "p2", "8")]);
        let mut scans = scan_all(&[("a.csv", a), ("b.csv", b)], &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Error).unwrap();
        assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
        let (total, rows) = total_by_project(resolved);
        assert_eq!(total, d("15"));
        assert_eq!(
            rows,
            vec![("p1".to_string(), d("7")), ("p2".to_string(), d("8"))]
        );
    }

    fn restated() -> [(&'static str, String); 2] {
        let a = csv(&[
            ("2026-10-02", "p1", "1.00"),
            ("2026-10-03", "p1", "2.00"),
            ("2026-10-03", "p2", "4.00"),
            ("2026-10-04", "p1", "8.00"),
        ]);
        let b = csv(&[
            ("2026-10-03", "p1", "16.00"),
            ("2026-10-04", "p1", "32.00"),
            ("2026-10-05", "p1", "64.00"),
        ]);
        [("a.csv", a), ("b.csv", b)]
    }

    #[test]
    fn latest_replaces_whole_days_and_says_which_projects_it_dropped() {
        let mut scans = scan_all(&restated(), &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Latest).unwrap();
        assert_eq!(
            resolved.warnings,
            vec![
                "b.csv replaces a.csv for 2 day(s), 2026-10-03 to 2026-10-04 (--on-overlap \
                 latest)"
                    .to_string(),
                "b.csv has no rows for 1 project(s) that a.csv had on 1 of the days it \
                 replaces; their rows there are dropped: p2 on 2026-10-03 (--on-overlap latest \
                 replaces whole days)"
                    .to_string(),
            ]
        );
        assert_eq!(
            resolved.counts,
            vec![
                RowCounts {
                    read: 4,
                    used: 1,
                    superseded: 3,
                    ..RowCounts::default()
                },
                RowCounts {
                    read: 3,
                    used: 3,
                    ..RowCounts::default()
                },
            ]
        );
        assert_eq!(resolved.last_day, Some(day("2026-10-05")));
        // a.csv keeps only 2026-10-02: 1 + 16 + 32 + 64.
        let (total, rows) = total_by_project(resolved);
        assert_eq!(total, d("113.00"));
        assert_eq!(rows, vec![("p1".to_string(), d("113.00"))]);
    }

    #[test]
    fn sum_keeps_every_row_of_overlapping_inputs() {
        let mut scans = scan_all(&restated(), &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Sum).unwrap();
        assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
        let (total, rows) = total_by_project(resolved);
        assert_eq!(total, d("127.00"));
        assert_eq!(
            rows,
            vec![
                ("p1".to_string(), d("123.00")),
                ("p2".to_string(), d("4.00"))
            ]
        );
    }

    #[test]
    fn latest_lists_ten_dropped_projects_and_counts_the_rest() {
        // Twelve projects on 2026-10-03 in a.csv (one of them without a name); b.csv holds
        // only p00 that day.
        let names: Vec<String> = (0..12).map(|n| format!("p{n:02}")).collect();
        let mut a = HEADER.to_string();
        a.push_str("2026-10-03,,database,Read Units,aws us-east-1,products,1,RU,1,USD\n");
        for name in &names[1..] {
            a.push_str(&format!(
                "2026-10-03,{name},database,Read Units,aws us-east-1,products,1,RU,1,USD\n"
            ));
        }
        let b = csv(&[("2026-10-03", "p01", "5")]);
        let mut scans = scan_all(&[("a.csv", a), ("b.csv", b)], &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Latest).unwrap();
        let listed: Vec<String> = std::iter::once("(no project) on 2026-10-03".to_string())
            .chain((2..11).map(|n| format!("p{n:02} on 2026-10-03")))
            .collect();
        assert_eq!(
            resolved.warnings[1],
            format!(
                "b.csv has no rows for 11 project(s) that a.csv had on 1 of the days it replaces; \
                 their rows there are dropped: {}, and 1 more (--on-overlap latest replaces \
                 whole days)",
                listed.join(", ")
            )
        );
        assert_eq!(total_by_project(resolved).0, d("5"));
    }

    #[test]
    fn latest_lists_exactly_ten_dropped_projects_without_a_remainder() {
        let mut a = HEADER.to_string();
        for n in 0..11 {
            a.push_str(&format!(
                "2026-10-03,p{n:02},database,Read Units,aws us-east-1,products,1,RU,1,USD\n"
            ));
        }
        let b = csv(&[("2026-10-03", "p00", "5")]);
        let mut scans = scan_all(&[("a.csv", a), ("b.csv", b)], &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Latest).unwrap();
        let listed: Vec<String> = (1..11).map(|n| format!("p{n:02} on 2026-10-03")).collect();
        assert_eq!(
            resolved.warnings[1],
            format!(
                "b.csv has no rows for 10 project(s) that a.csv had on 1 of the days it replaces; \
                 their rows there are dropped: {} (--on-overlap latest replaces whole days)",
                listed.join(", ")
            )
        );
    }

    #[test]
    fn rows_read_are_used_filtered_or_rejected_and_the_last_day_has_a_used_row() {
        let mut text = csv(&[
            ("2026-10-02", "p1", "1.50"),
            ("2026-10-05", "p2", "2.00"),
            ("2026-11-01", "p1", "4.00"),
        ]);
        text.push_str("not-a-day,p1,database,Read Units,aws us-east-1,products,1,RU,8,USD\n");
        let mut plan = plan(vec![KeyKind::Project]);
        plan.filters.projects = vec!["p1".to_string()];
        plan.skip_bad_rows = true;
        let mut scans = scan_all(&[("a.csv", text)], &plan);
        let resolved = resolve(&mut scans, OnOverlap::Error).unwrap();
        assert_eq!(
            resolved.counts,
            vec![RowCounts {
                read: 4,
                used: 1,
                filtered: 2,
                superseded: 0,
                rejected: 1,
            }]
        );
        // 2026-10-05 holds only a filtered row; 2026-11-01 is out of range.
        assert_eq!(resolved.last_day, Some(day("2026-10-02")));
        assert_eq!(total_by_project(resolved).0, d("1.50"));
    }

    #[test]
    fn a_merged_sum_too_wide_to_keep_exactly_names_the_input_that_overflowed_it() {
        let a = csv(&[("2026-10-02", "p1", "79228162514264337593543950335")]);
        let b = csv(&[("2026-10-02", "p1", "0.0000000000000000000000000001")]);
        let mut scans = scan_all(&[("a.csv", a), ("b.csv", b)], &plan(vec![KeyKind::Project]));
        let error = resolve(&mut scans, OnOverlap::Sum).unwrap_err().to_string();
        assert!(
            error.starts_with(
                "b.csv: \"p1\" (USD, billed) from 2026-10-02: a sum exceeds the 28 significant \
                 digits"
            ),
            "{error}"
        );
        // In one input: the sum is checked when the groups are decoded.
        let big = "79228162514264337593543950335";
        let text = csv(&[("2026-10-02", "p1", big), ("2026-10-03", "p1", "1")]);
        let mut scans = scan_all(&[("a.csv", text)], &plan(vec![KeyKind::Project]));
        let resolved = resolve(&mut scans, OnOverlap::Error).unwrap();
        let groups = decode_groups(resolved.groups, 1).unwrap();
        let error = summarize(
            &groups,
            &[KeyKind::Project],
            Period::Total,
            october(),
            delay("2026-11-10T00:00:00Z"),
            false,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("project \"p1\", 2026-10-01 to 2026-10-31: a sum exceeds the 28"),
            "{error}"
        );
        let text = csv(&[("2026-10-02", "p1", big), ("2026-10-02", "p1", big)]);
        let mut scans = scan_all(&[("a.csv", text)], &plan(vec![]));
        let resolved = resolve(&mut scans, OnOverlap::Error).unwrap();
        let error = decode_groups(resolved.groups, 0).unwrap_err().to_string();
        assert!(
            error.starts_with("(USD, billed) from 2026-10-02: a sum exceeds the 28"),
            "{error}"
        );
    }

    #[test]
    fn decoded_groups_hold_their_day_keys_currency_unit_and_source_in_order() {
        let mut text = HEADER.to_string();
        for row in [
            "2026-10-03,p2,database,Write Units,r,i,3,WU,0.30,USD",
            "2026-10-02,p2,database,Read Units,r,i,2,RU,0.20,USD",
            "2026-10-02,p1,database,Read Units,r,i,5,RU,0.50,USD",
            "2026-10-02,p1,database,Read Units,r,i,1,RU,0.10,USD",
        ] {
            text.push_str(row);
            text.push('\n');
        }
        let keys = vec![KeyKind::Project, KeyKind::Sku];
        let mut scans = scan_all(&[("a.csv", text)], &plan(keys));
        let resolved = resolve(&mut scans, OnOverlap::Error).unwrap();
        let groups = decode_groups(resolved.groups, 2).unwrap();
        let group =
            |day: &str, project: &str, sku: &str, unit: &str, q: &str, cost: &str| DayGroup {
                day: self::day(day),
                keys: vec![project.to_string(), sku.to_string()],
                currency: "USD".to_string(),
                unit: unit.to_string(),
                source: "billed".to_string(),
                sums: Totals {
                    quantity: d(q),
                    cost: d(cost),
                    rows: if q == "6" { 2 } else { 1 },
                },
            };
        assert_eq!(
            groups,
            vec![
                group("2026-10-02", "p1", "Read Units", "RU", "6", "0.60"),
                group("2026-10-02", "p2", "Read Units", "RU", "2", "0.20"),
                group("2026-10-03", "p2", "Write Units", "WU", "3", "0.30"),
            ]
        );
    }

    fn group(day_: &str, key: &str, currency: &str, source: &str, cost: &str) -> DayGroup {
        DayGroup {
            day: day(day_),
            keys: vec![key.to_string()],
            currency: currency.to_string(),
            unit: "RU".to_string(),
            source: source.to_string(),
            sums: Totals {
                quantity: d("1"),
                cost: d(cost),
                rows: 1,
            },
        }
    }

    #[test]
    fn several_currencies_need_currency_as_a_key_and_then_have_a_total_each() {
        let groups = [
            group("2026-10-02", "p1", "USD", "billed", "1.00"),
            group("2026-10-02", "p1", "EUR", "billed", "2.00"),
            group("2026-10-03", "p1", "GBP", "billed", "4.00"),
        ];
        let as_of = delay("2026-11-10T00:00:00Z");
        let keys = [KeyKind::Project];
        let error = summarize(&groups, &keys, Period::Total, october(), as_of, false, None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "the rows in range are in several currencies (EUR, GBP, USD); a report sums one \
             currency: add --by currency, or keep one currency's rows (its inputs only, or \
             --project, --service, --sku or --tag)"
        );
        let keys = [KeyKind::Project, KeyKind::Currency];
        let summary =
            summarize(&groups, &keys, Period::Total, october(), as_of, false, None).unwrap();
        assert_eq!(summary.currency, None);
        assert_eq!(summary.total, None);
        assert!(!summary.mixed_sources());
        let totals = summary.totals();
        let labels: Vec<(String, Decimal)> = totals
            .iter()
            .map(|t| (t.label(totals.len() > 1, summary.mixed_sources()), t.cost))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("total EUR".to_string(), d("2.00")),
                ("total GBP".to_string(), d("4.00")),
                ("total USD".to_string(), d("1.00")),
            ]
        );
    }

    #[test]
    fn amounts_too_far_apart_to_add_are_fine_in_totals_never_added() {
        // 1000 USD and 0.0000000000000000000000000001 EUR need 32 digits together: a single
        // total (which the report never shows for two currencies) used to fail the report.
        let groups = [
            group("2026-10-02", "p1", "USD", "billed", "1000"),
            group(
                "2026-10-02",
                "p1",
                "EUR",
                "billed",
                "0.0000000000000000000000000001",
            ),
        ];
        let keys = [KeyKind::Currency];
        let as_of = delay("2026-11-10T00:00:00Z");
        let summary =
            summarize(&groups, &keys, Period::Total, october(), as_of, true, None).unwrap();
        assert_eq!(summary.total, None);
        let totals: Vec<(String, Decimal)> = summary
            .totals()
            .into_iter()
            .map(|t| (t.currency, t.cost))
            .collect();
        assert_eq!(
            totals,
            vec![
                ("EUR".to_string(), Decimal::new(1, 28)),
                ("USD".to_string(), d("1000")),
            ]
        );
        // Within one currency the same amounts cannot be kept exactly: the error says where.
        let same = [
            group("2026-10-02", "p1", "USD", "billed", "1000"),
            group(
                "2026-10-03",
                "p1",
                "USD",
                "billed",
                "0.0000000000000000000000000001",
            ),
        ];
        let error = |groups: &[DayGroup], period: Period| {
            summarize(
                groups,
                &[KeyKind::Project],
                period,
                october(),
                as_of,
                false,
                None,
            )
            .map(|_| ())
            .unwrap_err()
            .to_string()
        };
        // A week clipped to the range: the row's keys and days.
        let week = error(&same, Period::Week);
        assert!(
            week.starts_with("project \"p1\", 2026-10-01 to 2026-10-04: a sum exceeds"),
            "{week}"
        );
        // Two days, two rows: the source's total in its currency.
        let days = error(&same, Period::Day);
        assert!(
            days.starts_with("the billed total in USD: a sum exceeds"),
            "{days}"
        );
        // Two units of one day in one row (no sku key): the row is that day's.
        let mut other_unit = same[1].clone();
        other_unit.day = day("2026-10-02");
        other_unit.unit = "WU".to_string();
        let one_day = error(&[same[0].clone(), other_unit], Period::Day);
        assert!(
            one_day.starts_with("project \"p1\", 2026-10-02: a sum exceeds"),
            "{one_day}"
        );
    }

    #[test]
    fn estimates_are_never_added_to_bills() {
        let groups = [
            group("2026-10-02", "p1", "USD", "billed", "1.00"),
            group("2026-10-02", "p1", "USD", "estimated", "0.25"),
            group("2026-10-03", "p2", "USD", "estimated", "0.50"),
        ];
        let as_of = delay("2026-11-10T00:00:00Z");
        let summary = summarize(
            &groups,
            &[KeyKind::Project],
            Period::Total,
            october(),
            as_of,
            true,
            None,
        )
        .unwrap();
        assert_eq!(summary.key_names, vec!["source", "project"]);
        let rows: Vec<(Vec<String>, Decimal)> = summary
            .rows
            .iter()
            .map(|r| (r.keys.clone(), r.cost))
            .collect();
        let keys = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
        assert_eq!(
            rows,
            vec![
                (keys("billed", "p1"), d("1.00")),
                (keys("estimated", "p1"), d("0.25")),
                (keys("estimated", "p2"), d("0.50")),
            ]
        );
        assert_eq!(summary.daily[0].keys, keys("billed", "p1"));
        assert!(summary.mixed_sources());
        assert_eq!(summary.currency.as_deref(), Some("USD"));
        assert_eq!(summary.total, None);
        let totals = summary.totals();
        let labels: Vec<(String, Decimal)> = totals
            .iter()
            .map(|t| (t.label(true, summary.mixed_sources()), t.cost))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("total billed USD".to_string(), d("1.00")),
                ("total estimated USD".to_string(), d("0.75")),
            ]
        );
        // `--by source` given: not added a second time.
        let summary = summarize(
            &groups,
            &[KeyKind::Source, KeyKind::Project],
            Period::Total,
            october(),
            as_of,
            false,
            None,
        )
        .unwrap();
        assert_eq!(summary.key_names, vec!["source", "project"]);
        assert_eq!(summary.rows[0].keys, vec!["p1".to_string()]);
        // One source: no source key, one total labelled `total`.
        let summary = summarize(
            &groups[1..],
            &[KeyKind::Project],
            Period::Total,
            october(),
            as_of,
            false,
            None,
        )
        .unwrap();
        assert_eq!(summary.key_names, vec!["project"]);
        assert!(!summary.mixed_sources());
        let totals = summary.totals();
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0].label(false, false), "total");
        assert_eq!(
            (
                totals[0].source.as_str(),
                totals[0].currency.as_str(),
                totals[0].cost
            ),
            ("estimated", "USD", d("0.75"))
        );
    }

    #[test]
    fn provisional_days_are_split_out_of_costs_statuses_and_totals() {
        // As of 2026-10-05 10:00 with the 3-day delay, 2026-10-02 is the first provisional day.
        let as_of = delay("2026-10-05T10:00:00Z");
        let groups = [
            group("2026-10-01", "p1", "USD", "billed", "1.00"),
            group("2026-10-02", "p1", "USD", "billed", "2.00"),
            group("2026-10-03", "p1", "USD", "billed", "4.00"),
        ];
        let keys = [KeyKind::Project];
        let total = summarize(&groups, &keys, Period::Total, october(), as_of, true, None).unwrap();
        assert_eq!(total.rows.len(), 1);
        let row = &total.rows[0];
        assert_eq!(
            (row.period, row.cost, row.provisional_cost, row.status),
            (None, d("7.00"), d("6.00"), Status::Provisional)
        );
        assert_eq!((row.unit.clone(), row.quantity), (None, None));
        let statuses: Vec<Status> = total.daily.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![Status::Final, Status::Provisional, Status::Provisional]
        );
        let totals = total.totals();
        assert_eq!(
            (totals[0].cost, totals[0].final_cost, totals[0].provisional),
            (d("7.00"), d("1.00"), d("6.00"))
        );
        // The last day shown is the later of the last day with data and the as-of day.
        let days = |s: &Summary| -> Vec<String> {
            s.provisional_days.iter().map(|d| d.to_string()).collect()
        };
        assert_eq!(
            days(&total),
            ["2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05"]
        );
        let later = summarize(
            &groups,
            &keys,
            Period::Total,
            october(),
            as_of,
            false,
            Some(day("2026-10-07")),
        )
        .unwrap();
        assert_eq!(later.provisional_days.len(), 6);
        assert!(later.daily.is_empty());
        let short = DateRange {
            from: day("2026-10-03"),
            to: day("2026-10-04"),
        };
        let clipped = summarize(&groups, &keys, Period::Total, short, as_of, false, None).unwrap();
        assert_eq!(days(&clipped), ["2026-10-03", "2026-10-04"]);

        let by_day = summarize(&groups, &keys, Period::Day, october(), as_of, false, None).unwrap();
        let rows: Vec<(String, Decimal, Decimal, Status)> = by_day
            .rows
            .iter()
            .map(|r| {
                (
                    r.period.unwrap().from.to_string(),
                    r.cost,
                    r.provisional_cost,
                    r.status,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("2026-10-01".to_string(), d("1.00"), d("0"), Status::Final),
                (
                    "2026-10-02".to_string(),
                    d("2.00"),
                    d("2.00"),
                    Status::Provisional
                ),
                (
                    "2026-10-03".to_string(),
                    d("4.00"),
                    d("4.00"),
                    Status::Provisional
                ),
            ]
        );
        // A week that ends before the first provisional day is final.
        let september = DateRange {
            from: day("2026-09-01"),
            to: day("2026-10-31"),
        };
        let weeks = [
            group("2026-09-23", "p1", "USD", "billed", "1.00"),
            group("2026-10-02", "p1", "USD", "billed", "2.00"),
        ];
        let by_week =
            summarize(&weeks, &keys, Period::Week, september, as_of, false, None).unwrap();
        let statuses: Vec<(String, Status)> = by_week
            .rows
            .iter()
            .map(|r| (r.period.unwrap().to.to_string(), r.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("2026-09-27".to_string(), Status::Final),
                ("2026-10-04".to_string(), Status::Provisional),
            ]
        );
    }

    #[test]
    fn units_and_quantities_only_with_sku_and_an_empty_report_names_no_currency() {
        let mut a = group("2026-10-02", "Read Units", "USD", "billed", "1.00");
        a.sums.quantity = d("10");
        let mut b = group("2026-10-03", "Read Units", "USD", "billed", "2.00");
        b.sums.quantity = d("5.5");
        let mut c = group("2026-10-03", "Read Units", "USD", "billed", "4.00");
        c.unit = "WU".to_string();
        let groups = [a, b, c];
        let as_of = delay("2026-11-10T00:00:00Z");
        let by_sku = summarize(
            &groups,
            &[KeyKind::Sku],
            Period::Total,
            october(),
            as_of,
            false,
            None,
        )
        .unwrap();
        assert!(by_sku.with_units);
        let rows: Vec<(Option<String>, Option<Decimal>, Decimal)> = by_sku
            .rows
            .iter()
            .map(|r| (r.unit.clone(), r.quantity, r.cost))
            .collect();
        assert_eq!(
            rows,
            vec![
                (Some("RU".to_string()), Some(d("15.5")), d("3.00")),
                (Some("WU".to_string()), Some(d("1")), d("4.00")),
            ]
        );
        let by_project = summarize(
            &groups,
            &[KeyKind::Project],
            Period::Total,
            october(),
            as_of,
            false,
            None,
        )
        .unwrap();
        assert!(!by_project.with_units);
        assert_eq!(by_project.total, Some(d("7.00")));
        assert_eq!(by_project.rows.len(), 1);
        assert_eq!(
            (by_project.rows[0].unit.clone(), by_project.rows[0].cost),
            (None, d("7.00"))
        );

        let empty = summarize(
            &[],
            &[KeyKind::Project],
            Period::Total,
            october(),
            as_of,
            true,
            None,
        )
        .unwrap();
        assert_eq!(empty.currency, None);
        assert_eq!(empty.total, Some(Decimal::ZERO));
        assert!(empty.rows.is_empty() && empty.daily.is_empty());
        assert!(!empty.mixed_sources());
        let totals = empty.totals();
        assert_eq!(totals.len(), 1);
        assert_eq!(
            (totals[0].source.as_str(), totals[0].currency.as_str()),
            ("", "")
        );
        assert_eq!(
            (totals[0].cost, totals[0].final_cost, totals[0].provisional),
            (d("0"), d("0"), d("0"))
        );
    }
}
