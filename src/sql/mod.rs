//! `tally sql`: the query that computes `tally report --format csv`'s summary over a FOCUS
//! table, in the SQL of DuckDB, Spark or Trino (Athena). The same semantics as the per-row path
//! (`ingest::row`) and `aggregate::summarize`, written out as text: FOCUS nulls, the fallback
//! chains of `ingest::columns`, the UTC day, exact DECIMAL sums, the delay rule, the row order
//! and the figures' text. Pure: no I/O.

pub use crate::config::Dialect;
use crate::config::{CostColumn, ReportConfig};
use crate::error::UsageError;
use crate::ingest::columns::Schema;
use crate::model::{KeyKind, Period};

/// The widest exact DECIMAL the three engines share.
pub const PRECISION: u32 = 38;

impl Dialect {
    fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    fn text_type(self) -> &'static str {
        match self {
            Dialect::Spark => "STRING",
            _ => "VARCHAR",
        }
    }

    /// Stops the query with `message` (a SQL text expression), as a value of type `ty`.
    fn fail(self, message: &str, ty: &str) -> String {
        let call = match self {
            Dialect::Duckdb => format!("error({message})"),
            Dialect::Spark => format!("raise_error({message})"),
            Dialect::Trino => format!("fail({message})"),
        };
        format!("CAST({call} AS {ty})")
    }

    /// Group `group` of the first match of `pattern` in `text`, NULL when none (DuckDB and
    /// Spark return '' where Trino returns NULL: both become NULL).
    fn extract(self, text: &str, pattern: &str, group: u32) -> String {
        format!(
            "NULLIF(regexp_extract({text}, {}, {group}), '')",
            literal(pattern)
        )
    }

    /// `text` with the match of `pattern` replaced by its first group.
    fn replace_keep_first(self, text: &str, pattern: &str) -> String {
        let group = match self {
            Dialect::Duckdb => "\\1",
            _ => "$1",
        };
        format!(
            "regexp_replace({text}, {}, {})",
            literal(pattern),
            literal(group)
        )
    }

    fn add_days(self, date: &str, days: &str) -> String {
        match self {
            Dialect::Duckdb => format!("({date} + CAST({days} AS INTEGER))"),
            Dialect::Spark => format!("date_add({date}, {days})"),
            Dialect::Trino => format!("date_add('day', {days}, {date})"),
        }
    }

    fn week_start(self, day: &str) -> String {
        match self {
            Dialect::Spark => format!("CAST(date_trunc('WEEK', {day}) AS DATE)"),
            _ => format!("CAST(date_trunc('week', {day}) AS DATE)"),
        }
    }

    fn month_start(self, day: &str) -> String {
        match self {
            Dialect::Spark => format!("CAST(date_trunc('MONTH', {day}) AS DATE)"),
            _ => format!("CAST(date_trunc('month', {day}) AS DATE)"),
        }
    }

    fn month_end(self, day: &str) -> String {
        match self {
            Dialect::Trino => format!("last_day_of_month({day})"),
            _ => format!("last_day({day})"),
        }
    }
}

/// A SQL string literal. No backslashes are written anywhere (Spark would read them as
/// escapes), so doubling quotes is all the escaping needed.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn date(day: crate::model::Day) -> String {
    format!("DATE '{day}'")
}

/// What the query is written for besides the report's options.
pub struct Target<'a> {
    pub dialect: Dialect,
    /// The table, as written in FROM (may be qualified: `db.focus`).
    pub table: &'a str,
    /// The FOCUS columns the table has, mapped as tally maps a file's header.
    pub schema: &'a Schema,
    /// Decimal places of money and quantities: DECIMAL(38, scale).
    pub scale: u32,
}

/// Refuses what the query cannot express, naming the option (exit 2).
pub fn check_expressible(config: &ReportConfig) -> Result<(), UsageError> {
    let plan = &config.plan;
    if plan.keys.iter().any(|k| matches!(k, KeyKind::Tag(_))) || !plan.filters.tags.is_empty() {
        return Err(UsageError(
            "tally sql cannot express tags yet (--by tag:KEY, --tag): tally reads them from \
             k=v;k=v lists or JSON objects, which the engines do not parse alike; group by a \
             column instead (--by COLUMN)"
                .to_string(),
        ));
    }
    if plan.spread_charges {
        return Err(UsageError(
            "tally sql cannot express --spread-charges: its exact split of a charge over days \
             (the first day takes the remainder) needs a row per day; run tally report for it"
                .to_string(),
        ));
    }
    if plan.date_format.is_some() {
        return Err(UsageError(
            "tally sql reads ChargePeriodStart as YYYY-MM-DD or an ISO 8601 timestamp; \
             --date-format is not supported"
                .to_string(),
        ));
    }
    Ok(())
}

/// The query. `config` comes from the report's own parsing (`ReportConfig::from_args`), so
/// the range, as-of day and keys are exactly the report's.
pub fn query(config: &ReportConfig, target: &Target) -> Result<String, UsageError> {
    check_expressible(config)?;
    let d = target.dialect;
    let schema = target.schema;
    let plan = &config.plan;
    let s = target.scale;
    if !(2..=PRECISION - 1).contains(&s) {
        return Err(UsageError(format!(
            "--scale {s}: expected 2 to {}: money keeps at least two decimals, and a \
             DECIMAL({PRECISION}, s) needs one integer digit",
            PRECISION - 1
        )));
    }
    let money = format!("DECIMAL({PRECISION}, {s})");
    let text_type = d.text_type();
    let name = |index: usize| schema.headers[index].as_str();
    // A FOCUS value: trimmed text, NULL for empty and `NULL` in any case.
    let value = |index: usize| {
        let t = format!("TRIM(CAST({} AS {text_type}))", d.ident(name(index)));
        format!("CASE WHEN {t} = '' OR UPPER({t}) = 'NULL' THEN NULL ELSE {t} END")
    };
    let chain = |indexes: &[usize]| -> String {
        match indexes {
            [] => "CAST(NULL AS ".to_string() + text_type + ")",
            [one] => format!("f_{one}"),
            many => format!(
                "COALESCE({})",
                many.iter()
                    .map(|i| format!("f_{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };

    // Every column the query reads, each once.
    let mut used: Vec<usize> = vec![schema.date, schema.cost];
    used.extend(&schema.sku);
    used.extend(schema.project_name);
    used.extend(schema.project_id);
    used.extend(&schema.service);
    used.extend(&schema.region);
    used.extend(&schema.resource);
    used.extend(schema.quantity);
    used.extend(schema.unit);
    used.extend(schema.currency);
    // Each key: the expression `counted` selects, and for a column key the column's value,
    // which `focus_rows` carries to it as `c_N`.
    let mut key_exprs: Vec<(String, Option<String>)> = Vec::new();
    for (n, key) in plan.keys.iter().enumerate() {
        let expr = match key {
            KeyKind::Sku => "sku".to_string(),
            KeyKind::Project => "project".to_string(),
            KeyKind::Service => "service".to_string(),
            KeyKind::Region => "region".to_string(),
            KeyKind::Resource => "resource".to_string(),
            KeyKind::Currency => "currency".to_string(),
            KeyKind::Source => "'billed'".to_string(),
            KeyKind::Assistant | KeyKind::Model | KeyKind::Endpoint => "''".to_string(),
            KeyKind::Column(column) => {
                let index = schema.column(column).ok_or_else(|| {
                    UsageError(format!(
                        "--by \"{column}\": the table has no such column, and it is not a \
                         grouping key (the columns are those of --header, or FOCUS 1.2's)"
                    ))
                })?;
                used.push(index);
                key_exprs.push((format!("c_{n}"), Some(format!("COALESCE(f_{index}, '')"))));
                continue;
            }
            KeyKind::Tag(_) => {
                return Err(UsageError(
                    "tally sql cannot express tags yet (--by tag:KEY)".to_string(),
                ));
            }
        };
        key_exprs.push((expr, None));
    }
    used.sort_unstable();
    used.dedup();
    let currency_index = schema.currency.ok_or_else(|| {
        UsageError("the FOCUS columns lack BillingCurrency, which FOCUS requires".to_string())
    })?;

    let mut sql = String::new();
    let line = |sql: &mut String, text: &str| {
        sql.push_str(text);
        sql.push('\n');
    };
    // The header comment: what the query computes, as the report would state it.
    let cost = format!(", --cost {}", format!("{:?}", plan.cost).to_lowercase());
    header(&mut sql, config, d, "a FOCUS table", &cost, "");
    line(
        &mut sql,
        &format!(
            "-- money and quantities as {money}: a value with more than {s} decimals (or a sum \
             beyond {} integer digits) stops the query instead of being rounded",
            PRECISION - s
        ),
    );

    // 1. The FOCUS values, nulls made NULL.
    line(&mut sql, "WITH focus_values AS (");
    line(&mut sql, "  SELECT");
    let fields: Vec<String> = used
        .iter()
        .map(|&i| format!("    {} AS f_{i}", value(i)))
        .collect();
    line(&mut sql, &fields.join(",\n"));
    line(&mut sql, &format!("  FROM {}", target.table));
    line(&mut sql, "),");

    // 2. The fields of a row, by tally's fallback chains, and the UTC day.
    let t = format!("f_{}", schema.date);
    const STAMP: &str = "^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}):([0-9]{2})(:[0-9]{2}([.][0-9]+)?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?$";
    // The parts of a timestamp, each matched once per row.
    line(&mut sql, "stamps AS (");
    line(&mut sql, "  SELECT focus_values.*,");
    line(
        &mut sql,
        &format!("    {} AS s_date,", d.extract(&t, STAMP, 1)),
    );
    line(
        &mut sql,
        &format!(
            "    CAST({} AS INTEGER) AS s_hour,",
            d.extract(&t, STAMP, 2)
        ),
    );
    line(
        &mut sql,
        &format!(
            "    CAST({} AS INTEGER) AS s_minute,",
            d.extract(&t, STAMP, 3)
        ),
    );
    line(
        &mut sql,
        &format!("    {} AS s_zone", d.extract(&t, STAMP, 6)),
    );
    line(&mut sql, "  FROM focus_values");
    line(&mut sql, "),");
    let offset_minutes = "CASE WHEN s_zone IS NULL OR UPPER(s_zone) = 'Z' THEN 0 ELSE \
         (CASE WHEN SUBSTR(s_zone, 1, 1) = '-' THEN -1 ELSE 1 END) * \
         (CAST(SUBSTR(s_zone, 2, 2) AS INTEGER) * 60 + \
         COALESCE(CAST(NULLIF(SUBSTR(REPLACE(s_zone, ':', ''), 4, 2), '') AS INTEGER), 0)) END";
    let minutes = format!("(s_hour * 60 + s_minute - ({offset_minutes}))");
    let local_day = "TRY_CAST(s_date AS DATE)";
    let shift = format!("CASE WHEN {minutes} < 0 THEN -1 WHEN {minutes} >= 1440 THEN 1 ELSE 0 END");
    let whole_day = format!(
        "TRY_CAST({} AS DATE)",
        d.extract(&t, "^([0-9]{4}-[0-9]{2}-[0-9]{2})$", 1)
    );
    // An hour or minute out of range is no time (chrono refuses it): NULL, so a bad row.
    let day = format!(
        "CASE WHEN LENGTH({t}) = 10 THEN {whole_day} \
         WHEN {local_day} IS NULL OR s_hour > 23 OR s_minute > 59 THEN NULL ELSE {} END",
        d.add_days(local_day, &shift)
    );
    let project = match (schema.project_name, schema.project_id) {
        (Some(n), Some(i)) => format!("COALESCE(f_{n}, f_{i})"),
        (Some(one), None) | (None, Some(one)) => format!("f_{one}"),
        (None, None) => format!("CAST(NULL AS {text_type})"),
    };
    line(&mut sql, "focus_rows AS (");
    line(&mut sql, "  SELECT");
    line(&mut sql, &format!("    {day} AS day,"));
    line(&mut sql, &format!("    f_{} AS cost_text,", schema.cost));
    line(
        &mut sql,
        &format!(
            "    {} AS quantity_text,",
            schema
                .quantity
                .map_or(format!("CAST(NULL AS {text_type})"), |q| format!("f_{q}"))
        ),
    );
    line(&mut sql, &format!("    {} AS sku,", chain(&schema.sku)));
    line(
        &mut sql,
        &format!("    COALESCE({project}, '') AS project,"),
    );
    let project_pair = [schema.project_name, schema.project_id];
    for (n, index) in project_pair.iter().enumerate() {
        let expr = index.map_or(format!("CAST(NULL AS {text_type})"), |i| format!("f_{i}"));
        line(&mut sql, &format!("    {expr} AS project_{n},"));
    }
    line(
        &mut sql,
        &format!("    COALESCE({}, '') AS service,", chain(&schema.service)),
    );
    line(
        &mut sql,
        &format!("    COALESCE({}, '') AS region,", chain(&schema.region)),
    );
    line(
        &mut sql,
        &format!("    COALESCE({}, '') AS resource,", chain(&schema.resource)),
    );
    line(
        &mut sql,
        &format!(
            "    COALESCE({}, '') AS unit,",
            schema
                .unit
                .map_or(format!("CAST(NULL AS {text_type})"), |u| format!("f_{u}"))
        ),
    );
    line(&mut sql, &format!("    f_{currency_index} AS currency,"));
    line(&mut sql, &format!("    {t} AS date_text,"));
    for (n, (_, column)) in key_exprs.iter().enumerate() {
        if let Some(value) = column {
            line(&mut sql, &format!("    {value} AS c_{n},"));
        }
    }
    line(&mut sql, "    1 AS one");
    line(&mut sql, "  FROM stamps");
    line(&mut sql, "),");

    // 3. The rows tally would refuse stop the query, as they stop a report.
    let date_name = name(schema.date);
    let cost_name = name(schema.cost);
    let digits = |text: &str| {
        // Decimal places of a number's text: fraction digits without trailing zeros, less
        // the exponent.
        format!(
            "(LENGTH(regexp_replace(COALESCE({}, ''), '0+$', '')) - COALESCE(CAST({} AS INTEGER), 0))",
            d.extract(text, "^[^eE]*[.]([0-9]*)", 1),
            d.extract(text, "[eE]([+-]?[0-9]+)$", 1)
        )
    };
    let quote = |column: &str, text: &str| format!("'{column} \"' || {text} || '\"'");
    let mut problems = vec![
        (
            "day IS NULL".to_string(),
            format!(
                "CASE WHEN date_text IS NULL THEN '{} is null; expected the day the cost was \
                 incurred' ELSE {} || ' is not a date; expected YYYY-MM-DD or an ISO 8601 \
                 timestamp' END",
                date_name.replace('\'', "''"),
                quote(&date_name.replace('\'', "''"), "date_text")
            ),
        ),
        (
            "cost_text IS NULL".to_string(),
            literal(&format!(
                "{cost_name} is null; the cost column the report uses must hold a number on \
                 every row"
            )),
        ),
        (
            format!("TRY_CAST(cost_text AS {money}) IS NULL"),
            format!(
                "{} || ' is not a number that DECIMAL({PRECISION}, {s}) holds'",
                quote(&cost_name.replace('\'', "''"), "cost_text")
            ),
        ),
        (
            format!("{} > {s}", digits("cost_text")),
            format!(
                "{} || ' has more than {s} decimals: pass a larger --scale'",
                quote(&cost_name.replace('\'', "''"), "cost_text")
            ),
        ),
    ];
    if let Some(q) = schema.quantity {
        let q_name = name(q).replace('\'', "''");
        problems.push((
            format!("quantity_text IS NOT NULL AND TRY_CAST(quantity_text AS {money}) IS NULL"),
            format!(
                "{} || ' is not a number that DECIMAL({PRECISION}, {s}) holds'",
                quote(&q_name, "quantity_text")
            ),
        ));
        problems.push((
            format!(
                "quantity_text IS NOT NULL AND {} > {s}",
                digits("quantity_text")
            ),
            format!(
                "{} || ' has more than {s} decimals: pass a larger --scale'",
                quote(&q_name, "quantity_text")
            ),
        ));
    }
    let sku_names: Vec<&str> = schema.sku.iter().map(|&i| name(i)).collect();
    problems.push((
        "sku IS NULL".to_string(),
        literal(&format!(
            "{} are all null; expected a SKU",
            sku_names.join(", ")
        )),
    ));
    problems.push((
        "currency IS NULL".to_string(),
        literal(&format!(
            "{} is null; FOCUS requires the billing currency on every row",
            name(currency_index)
        )),
    ));
    let problem = format!(
        "CASE {} END",
        problems
            .iter()
            .map(|(when, message)| format!("WHEN {when} THEN {message}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    line(&mut sql, "checked AS (");
    line(
        &mut sql,
        &format!("  SELECT focus_rows.*, {problem} AS problem"),
    );
    line(&mut sql, "  FROM focus_rows");
    line(&mut sql, "),");
    let stop = d.fail("'bad row: ' || problem", "BOOLEAN");

    // 4. The rows counted: in the range and passing the filters, amounts as exact decimals.
    let mut conditions = vec![format!(
        "day BETWEEN {} AND {}",
        date(plan.range.from),
        date(plan.range.to)
    )];
    let any_of = |values: &[String], columns: &[&str]| -> String {
        let list = values
            .iter()
            .map(|v| literal(&v.to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ");
        let tests: Vec<String> = columns
            .iter()
            .map(|c| format!("LOWER(NULLIF({c}, '')) IN ({list})"))
            .collect();
        format!("({})", tests.join(" OR "))
    };
    let filters = &plan.filters;
    if !filters.skus.is_empty() {
        conditions.push(any_of(&filters.skus, &["sku"]));
    }
    if !filters.projects.is_empty() {
        conditions.push(any_of(&filters.projects, &["project_0", "project_1"]));
    }
    if !filters.services.is_empty() {
        conditions.push(any_of(&filters.services, &["service"]));
    }
    line(&mut sql, "counted AS (");
    line(&mut sql, "  SELECT");
    line(&mut sql, "    day,");
    for (n, (e, _)) in key_exprs.iter().enumerate() {
        line(&mut sql, &format!("    {e} AS k_{n},"));
    }
    let with_units = plan.keys.contains(&KeyKind::Sku);
    line(
        &mut sql,
        &format!("    {} AS unit,", if with_units { "unit" } else { "''" }),
    );
    line(&mut sql, "    currency,");
    line(
        &mut sql,
        &format!("    COALESCE(CAST(quantity_text AS {money}), CAST(0 AS {money})) AS quantity,"),
    );
    line(&mut sql, &format!("    CAST(cost_text AS {money}) AS cost"));
    line(&mut sql, "  FROM checked");
    line(
        &mut sql,
        // One CASE, so that no engine can test the range before the check: a row that tally
        // refuses stops the query wherever its day is (or whether it has one).
        &format!(
            "  WHERE CASE WHEN problem IS NOT NULL THEN {stop}\n    ELSE {} END",
            conditions.join("\n      AND ")
        ),
    );
    line(&mut sql, "),");

    summary_tail(&mut sql, config, d, &money);
    Ok(sql)
}

/// Where a query over `tally export`'s dataset reads it.
pub struct DatasetTarget<'a> {
    pub dialect: Dialect,
    /// What FROM names: `read_parquet(…)`, parquet.`DIR` or a table over the dataset.
    pub from: &'a str,
    /// Decimal places of the sums: DECIMAL(38, scale), at least the dataset's scale.
    pub scale: u32,
}

/// FROM for the dataset in folder `dir`, read directly: DuckDB's `read_parquet` over the
/// month folders (hive partitions), Spark's parquet.`DIR`. Trino reads tables only: `None`.
pub fn dataset_from(dialect: Dialect, dir: &str) -> Option<String> {
    let dir = dir.trim_end_matches('/');
    match dialect {
        Dialect::Duckdb => Some(format!(
            "read_parquet({}, hive_partitioning = true)",
            literal(&format!("{dir}/month=*/*.parquet"))
        )),
        Dialect::Spark => Some(format!("parquet.`{}`", dir.replace('`', "``"))),
        Dialect::Trino => None,
    }
}

/// The query over `tally export`'s dataset: its rows are tally's normalized rows (checked when
/// exported), so only the range, the filters, the keys, the periods and the status remain.
pub fn dataset_query(config: &ReportConfig, target: &DatasetTarget) -> Result<String, UsageError> {
    check_expressible(config)?;
    let d = target.dialect;
    let plan = &config.plan;
    let s = target.scale;
    if !(2..=PRECISION - 1).contains(&s) {
        return Err(UsageError(format!(
            "--scale {s}: expected 2 to {}",
            PRECISION - 1
        )));
    }
    let money = format!("DECIMAL({PRECISION}, {s})");
    let column = |name: &str| d.ident(name);
    let text_or_empty = |name: &str| format!("COALESCE({}, '')", column(name));
    let mut keys = Vec::new();
    for key in &plan.keys {
        keys.push(match key {
            KeyKind::Sku => column("sku"),
            KeyKind::Project => text_or_empty("project"),
            KeyKind::Service => text_or_empty("service"),
            KeyKind::Region => text_or_empty("region"),
            KeyKind::Resource => text_or_empty("resource"),
            KeyKind::Currency => column("currency"),
            KeyKind::Source => column("source"),
            KeyKind::Assistant | KeyKind::Model | KeyKind::Endpoint => "''".to_string(),
            KeyKind::Column(name) => {
                return Err(UsageError(format!(
                    "--by \"{name}\": the dataset holds tally's fields (sku, project, service, \
                     region, resource, currency, source), not the inputs' other columns; \
                     query the FOCUS table for it (--table without --dataset)"
                )));
            }
            KeyKind::Tag(_) => {
                return Err(UsageError(
                    "tally sql cannot express tags yet (--by tag:KEY)".to_string(),
                ));
            }
        });
    }
    let mut sql = String::new();
    let line = |sql: &mut String, text: &str| {
        sql.push_str(text);
        sql.push('\n');
    };
    header(
        &mut sql,
        config,
        d,
        "the dataset of `tally export`",
        "",
        &format!("; sums as {money}"),
    );
    let mut conditions = vec![format!(
        "{} BETWEEN {} AND {}",
        column("day"),
        date(plan.range.from),
        date(plan.range.to)
    )];
    let any_of = |values: &[String], columns: &[&str]| -> String {
        let list = values
            .iter()
            .map(|v| literal(&v.to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ");
        let tests: Vec<String> = columns
            .iter()
            .map(|c| format!("LOWER(NULLIF({}, '')) IN ({list})", column(c)))
            .collect();
        format!("({})", tests.join(" OR "))
    };
    let filters = &plan.filters;
    if !filters.skus.is_empty() {
        conditions.push(any_of(&filters.skus, &["sku"]));
    }
    if !filters.projects.is_empty() {
        conditions.push(any_of(&filters.projects, &["project", "project_id"]));
    }
    if !filters.services.is_empty() {
        conditions.push(any_of(&filters.services, &["service"]));
    }
    line(&mut sql, "WITH counted AS (");
    line(&mut sql, "  SELECT");
    line(&mut sql, &format!("    {} AS day,", column("day")));
    for (n, key) in keys.iter().enumerate() {
        line(&mut sql, &format!("    {key} AS k_{n},"));
    }
    let unit = if plan.keys.contains(&KeyKind::Sku) {
        text_or_empty("unit")
    } else {
        "''".to_string()
    };
    line(&mut sql, &format!("    {unit} AS unit,"));
    line(
        &mut sql,
        &format!("    {} AS currency,", column("currency")),
    );
    line(
        &mut sql,
        &format!(
            "    CAST(COALESCE({}, 0) AS {money}) AS quantity,",
            column("quantity")
        ),
    );
    line(
        &mut sql,
        &format!("    CAST({} AS {money}) AS cost", column("cost")),
    );
    line(&mut sql, &format!("  FROM {}", target.from));
    line(
        &mut sql,
        &format!("  WHERE {}", conditions.join("\n    AND ")),
    );
    line(&mut sql, "),");
    summary_tail(&mut sql, config, d, &money);
    Ok(sql)
}

/// The query's first comment lines, as the report would state them: the dialect and what the
/// query reads (`over`), the range, keys, period (and `options`, such as the cost column) and
/// filters, and the as-of time with the first provisional day (then `tail`).
fn header(
    sql: &mut String,
    config: &ReportConfig,
    d: Dialect,
    over: &str,
    options: &str,
    tail: &str,
) {
    let plan = &config.plan;
    let dialect = match d {
        Dialect::Duckdb => "DuckDB",
        Dialect::Spark => "Spark SQL",
        Dialect::Trino => "Trino / Athena",
    };
    let filters = if plan.filters.is_empty() {
        String::new()
    } else {
        format!(", filters {}", plan.filters.texts().join(" "))
    };
    let keys: Vec<String> = plan.keys.iter().map(KeyKind::name).collect();
    sql.push_str(&format!(
        "-- tally sql ({dialect}): the summary of `tally report --format csv` over {over}\n\
         -- range {} to {}, --by {}, --period {}{options}{filters}\n\
         -- as of {}, delay {} days: days from {} on are provisional{tail}\n",
        plan.range.from,
        plan.range.to,
        keys.join(","),
        format!("{:?}", config.period).to_lowercase(),
        config.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ"),
        config.delay.delay_days,
        config.delay.first_provisional_day(),
    ));
}

/// Stages 5 and 6, shared by both sources: from `counted` (day, `k_N` keys, unit, currency,
/// quantity and cost as exact decimals), the periods, the sums and the rows as
/// `render::csv::summary` writes them, in its order.
fn summary_tail(sql: &mut String, config: &ReportConfig, d: Dialect, money: &str) {
    let plan = &config.plan;
    let text_type = d.text_type();
    let first_provisional = config.delay.first_provisional_day();
    let line = |sql: &mut String, text: &str| {
        sql.push_str(text);
        sql.push('\n');
    };
    let key_count = plan.keys.len();
    // 5. Periods (clipped to the range, as `Period::bucket` does) and sums.
    let (period_start, period_end) = match config.period {
        Period::Total => (date(plan.range.from), date(plan.range.to)),
        Period::Day => ("day".to_string(), "day".to_string()),
        Period::Week => {
            let start = d.week_start("day");
            (start.clone(), d.add_days(&start, "6"))
        }
        Period::Month => (d.month_start("day"), d.month_end("day")),
    };
    let clip_start = format!("GREATEST({period_start}, {})", date(plan.range.from));
    let clip_end = format!("LEAST({period_end}, {})", date(plan.range.to));
    let keys: Vec<String> = (0..key_count).map(|n| format!("k_{n}")).collect();
    let mut group_by = vec!["period_start".to_string(), "period_end".to_string()];
    group_by.extend(keys.iter().cloned());
    group_by.extend(["unit".to_string(), "currency".to_string()]);
    line(sql, "periods AS (");
    line(
        sql,
        &format!("  SELECT {clip_start} AS period_start, {clip_end} AS period_end, counted.*"),
    );
    line(sql, "  FROM counted");
    line(sql, "),");
    line(sql, "sums AS (");
    line(sql, &format!("  SELECT {},", group_by.join(", ")));
    line(sql, "    SUM(quantity) AS quantity,");
    line(sql, "    SUM(cost) AS cost,");
    line(
        sql,
        &format!(
            "    SUM(CASE WHEN day >= {} THEN cost ELSE CAST(0 AS {money}) END) AS provisional_cost",
            date(first_provisional)
        ),
    );
    line(sql, "  FROM periods");
    line(sql, &format!("  GROUP BY {}", group_by.join(", ")));
    line(sql, "),");
    line(sql, "currencies AS (");
    line(sql, "  SELECT COUNT(DISTINCT currency) AS n FROM counted");
    line(sql, ")");

    // 6. The rows as `render::csv::summary` writes them. Empty texts are written as NULL, which
    // every engine's CSV writer leaves empty (an empty string some quote as "").
    let text = |expr: &str| format!("CAST({expr} AS {text_type})");
    // money_text: trailing zeros dropped, at least two decimals kept.
    let money_text = |expr: &str| d.replace_keep_first(&text(expr), "([.][0-9][0-9][0-9]*?)0+$");
    // quantity_text: trailing zeros and a bare point dropped.
    let quantity_text = |expr: &str| {
        format!(
            "regexp_replace(regexp_replace({}, '0+$', ''), '[.]$', '')",
            text(expr)
        )
    };
    let with_units = plan.keys.contains(&KeyKind::Sku);
    let by_currency = plan.keys.contains(&KeyKind::Currency);
    let mut columns: Vec<(String, String)> = Vec::new();
    if config.period != Period::Total {
        columns.push((text("period_start"), "period_start".into()));
        columns.push((text("period_end"), "period_end".into()));
    }
    for (n, key) in plan.keys.iter().enumerate() {
        columns.push((format!("NULLIF(k_{n}, '')"), key.name()));
    }
    if with_units {
        columns.push(("NULLIF(unit, '')".into(), "unit".into()));
        columns.push((quantity_text("quantity"), "quantity".into()));
    }
    let cost = if by_currency {
        money_text("cost")
    } else {
        let currencies = d.fail(
            &literal(
                "the rows in range are in several currencies; a report sums one currency: \
                 add --by currency, or keep one currency's rows (--project, --service, --sku or --tag)",
            ),
            text_type,
        );
        format!(
            "CASE WHEN currencies.n > 1 THEN {currencies} ELSE {} END",
            money_text("cost")
        )
    };
    columns.push((cost, "cost".into()));
    if !by_currency {
        columns.push(("currency".into(), "currency".into()));
    }
    let status = format!(
        "CASE WHEN period_end >= {} THEN 'provisional' ELSE 'final' END",
        date(first_provisional)
    );
    columns.push((status, "status".into()));
    columns.push((money_text("provisional_cost"), "provisional_cost".into()));
    line(sql, "SELECT");
    let select: Vec<String> = columns
        .iter()
        .map(|(expr, alias)| format!("  {expr} AS {}", d.ident(alias)))
        .collect();
    line(sql, &select.join(",\n"));
    line(sql, "FROM sums CROSS JOIN currencies");
    // `aggregate::summarize` orders by (period, keys, unit, currency), comparing text by bytes.
    // Qualified: the output's own `unit` (NULL for an empty unit) must not be the one sorted.
    let order: Vec<String> = group_by.iter().map(|c| format!("sums.{c}")).collect();
    line(sql, &format!("ORDER BY {};", order.join(", ")));
}

/// The FOCUS 1.2 columns tally reads, for a table described by no `--header`.
pub const FOCUS_COLUMNS: &[&str] = &[
    "BilledCost",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargeCategory",
    "ChargeDescription",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "EffectiveCost",
    "ListCost",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuMeter",
    "SubAccountId",
    "SubAccountName",
    "Tags",
];

/// The schema of a table with these columns, under `--cost` and `--date-basis`.
pub fn schema_of(
    headers: &[String],
    cost: CostColumn,
    billing: bool,
) -> Result<Schema, UsageError> {
    let mut schema = Schema::detect(headers, cost).map_err(UsageError)?;
    if schema.kind != crate::ingest::columns::CsvKind::Focus {
        return Err(UsageError(
            "the table's columns are not FOCUS (BilledCost and ChargePeriodStart); tally sql \
             writes queries over FOCUS tables"
                .to_string(),
        ));
    }
    if billing {
        schema.use_billing_period().map_err(UsageError)?;
    }
    Ok(schema)
}
