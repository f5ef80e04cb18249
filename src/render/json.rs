//! `--format json`: the summary as one JSON document. Money and quantities are strings, so
//! that no JSON reader turns them into binary floats.

use crate::aggregate::Summary;
use crate::model::{money_text, quantity_text};
use crate::scope::Scope;
use serde_json::{Map, Value, json};

/// The summary, its scope (`scope`) and, per group and in total, the provisional part.
pub fn summary(summary: &Summary, scope: &Scope) -> Vec<u8> {
    let groups: Vec<Value> = summary
        .rows
        .iter()
        .map(|row| {
            let mut group = Map::new();
            if let Some(period) = row.period {
                group.insert("period_start".into(), json!(period.from.to_string()));
                group.insert("period_end".into(), json!(period.to.to_string()));
            }
            for (name, value) in summary.key_names.iter().zip(&row.keys) {
                group.insert(name.clone(), json!(value));
            }
            if let (Some(unit), Some(quantity)) = (&row.unit, row.quantity) {
                group.insert("unit".into(), json!(unit));
                group.insert("quantity".into(), json!(quantity_text(quantity)));
            }
            group.insert("cost".into(), json!(money_text(row.cost)));
            group.insert("currency".into(), json!(row.currency));
            group.insert("status".into(), json!(row.status.as_str()));
            group.insert(
                "provisional_cost".into(),
                json!(money_text(row.provisional_cost)),
            );
            Value::Object(group)
        })
        .collect();
    let mut document = json!({
        "from": summary.range.from.to_string(),
        "to": summary.range.to.to_string(),
        "as_of": summary.delay.as_of.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "provisional_days": summary.provisional_days.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "currency": summary.currency,
        "groups": groups,
        "total": summary.total.map(money_text),
    });
    let totals = summary.totals();
    document["final_total"] = json!(totals.first().map(|t| money_text(t.final_cost)));
    document["provisional_total"] = json!(totals.first().map(|t| money_text(t.provisional)));
    document["scope"] = scope.json();
    if totals.len() > 1 {
        // Never one figure that adds an estimate to a bill or one currency to another.
        document["total"] = Value::Null;
        document["final_total"] = Value::Null;
        document["provisional_total"] = Value::Null;
        document["totals"] = totals_json(&totals);
    }
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `[{source, currency, total}]`, for a report with several sources or currencies.
pub fn totals_json(totals: &[crate::aggregate::Total]) -> Value {
    totals
        .iter()
        .map(|total| {
            json!({
                "source": total.source,
                "currency": total.currency,
                "total": money_text(total.cost),
                "final": money_text(total.final_cost),
                "provisional": money_text(total.provisional),
            })
        })
        .collect::<Vec<_>>()
        .into()
}
