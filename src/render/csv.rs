//! `summary.csv`, `daily.csv` and `rejects.csv`: exact figures in plain notation, rows in a
//! stable order so that re-runs are byte-identical.

use crate::aggregate::Summary;
use crate::ingest::tally::Rejects;
use crate::model::{money_text, quantity_text};
use anyhow::Result;

fn writer() -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(writer: ::csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot render CSV: {}", e.error()))
}

/// `[period_start,period_end,]<keys…>,[unit,quantity,]cost,currency,status,provisional_cost`:
/// `provisional_cost` is the part of `cost` on provisional days (0.00 on a final row), last so
/// that the columns before it keep their places.
pub fn summary(summary: &Summary) -> Result<Vec<u8>> {
    let mut out = writer();
    let mut header: Vec<String> = Vec::new();
    let periodic = summary.period != crate::model::Period::Total;
    if periodic {
        header.extend(["period_start".into(), "period_end".into()]);
    }
    header.extend(summary.key_names.iter().cloned());
    if summary.with_units {
        header.extend(["unit".into(), "quantity".into()]);
    }
    // With `--by currency` the currency is a key column already: not written twice.
    let currency_column = !summary.key_names.iter().any(|k| k == "currency");
    header.push("cost".into());
    if currency_column {
        header.push("currency".into());
    }
    header.push("status".into());
    header.push("provisional_cost".into());
    out.write_record(&header)?;
    for row in &summary.rows {
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        if let Some(period) = row.period {
            record.push(period.from.to_string());
            record.push(period.to.to_string());
        }
        record.extend(row.keys.iter().cloned());
        if let (Some(unit), Some(quantity)) = (&row.unit, row.quantity) {
            record.push(unit.clone());
            record.push(quantity_text(quantity));
        }
        record.push(money_text(row.cost));
        if currency_column {
            record.push(row.currency.clone());
        }
        record.push(row.status.as_str().to_string());
        record.push(money_text(row.provisional_cost));
        out.write_record(&record)?;
    }
    finish(out)
}

/// `date,<keys…>,cost,currency,status` for every day with data.
pub fn daily(summary: &Summary) -> Result<Vec<u8>> {
    let mut out = writer();
    let mut header = vec!["date".to_string()];
    header.extend(summary.key_names.iter().cloned());
    // With `--by currency` the currency is a key column already: not written twice.
    let currency_column = !summary.key_names.iter().any(|k| k == "currency");
    header.push("cost".into());
    if currency_column {
        header.push("currency".into());
    }
    header.push("status".into());
    out.write_record(&header)?;
    for row in &summary.daily {
        let mut record = vec![row.day.to_string()];
        record.extend(row.keys.iter().cloned());
        record.push(money_text(row.cost));
        if currency_column {
            record.push(row.currency.clone());
        }
        record.push(row.status.as_str().to_string());
        out.write_record(&record)?;
    }
    finish(out)
}

/// `file,line,column,value,reason,record` for every skipped row, input by input in row order,
/// streamed to `out` from the inputs' temporary files.
pub fn rejects(rejects: &[&Rejects], out: &mut dyn std::io::Write) -> Result<()> {
    out.write_all(&finish({
        let mut header = writer();
        header.write_record(["file", "line", "column", "value", "reason", "record"])?;
        header
    })?)?;
    for input in rejects {
        input.copy_rows(out)?;
    }
    Ok(())
}
