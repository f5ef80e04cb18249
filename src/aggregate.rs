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
                Some(existing) => existing
                    .merge(&sums)
                    .map_err(|overflow| anyhow::anyhow!("{}: {overflow}", scans[i].file.name))?,
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
            let sums = sums
                .totals()
                .map_err(|overflow| anyhow::anyhow!("{overflow}"))?;
            let mut values = split_values(&key);
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
        if self.totals.len() > 1 {
            self.totals.clone()
        } else {
            vec![Total {
                source: self
                    .totals
                    .first()
                    .map(|t| t.source.clone())
                    .unwrap_or_default(),
                currency: self.currency.clone().unwrap_or_default(),
                cost: self.total,
                final_cost: self.totals.first().map_or(self.total, |t| t.final_cost),
                provisional: self.totals.first().map_or(Decimal::ZERO, |t| t.provisional),
            }]
        }
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
    /// The sum of every group. With rows of both sources, or in several currencies, it adds
    /// what must not be added: renderers then use `totals()`.
    pub total: Decimal,
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
    let overflow = |o: crate::model::Overflow| anyhow::anyhow!("{o}");
    let currencies: BTreeSet<&str> = groups.iter().map(|g| g.currency.as_str()).collect();
    let by_currency = keys.contains(&KeyKind::Currency);
    if currencies.len() > 1 && !by_currency {
        bail!(
            "the rows in range are in several currencies ({}); a report sums one currency: add \
             --by currency, or filter to one",
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
    let mut total = Decimal::ZERO;
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
        let entry = rows
            .entry((bucket, keys_of(group), unit, group.currency.clone()))
            .or_default();
        entry.0 = crate::model::exact_add(entry.0, group.sums.quantity).map_err(overflow)?;
        entry.1 = crate::model::exact_add(entry.1, group.sums.cost).map_err(overflow)?;
        entry.2 = crate::model::exact_add(entry.2, provisional(group)).map_err(overflow)?;
        if with_daily {
            let day_entry = daily
                .entry((group.day, keys_of(group), group.currency.clone()))
                .or_default();
            *day_entry = crate::model::exact_add(*day_entry, group.sums.cost).map_err(overflow)?;
        }
        total = crate::model::exact_add(total, group.sums.cost).map_err(overflow)?;
        let split = split_totals
            .entry((group.source.clone(), group.currency.clone()))
            .or_default();
        let part = usize::from(group.day >= first_provisional) + 1;
        split[0] = crate::model::exact_add(split[0], group.sums.cost).map_err(overflow)?;
        split[part] = crate::model::exact_add(split[part], group.sums.cost).map_err(overflow)?;
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
    // No row in range: no currency either. Naming one (it used to be USD) would put a currency
    // the inputs may not hold next to the 0.00.
    let currency = match currencies.len() {
        0 => None,
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
        total,
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
