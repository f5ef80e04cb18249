//! Header matching: which kind of CSV a header belongs to, and where each field lives.
//! Owns the alias table of DESIGN.md; knows nothing of rows.

use crate::config::CostColumn;

/// Normalizes a header for matching: lower case, without spaces, `_`, `-` and a trailing unit
/// in parentheses (`Cost (USD)` → `cost`).
pub fn normalize_header(header: &str) -> String {
    let mut text = header.trim();
    if text.ends_with(')')
        && let Some(open) = text.rfind('(')
    {
        text = text[..open].trim_end();
    }
    text.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The usage-export fields and the header names each is read from (DESIGN.md's alias table).
const USAGE_FIELDS: &[(&str, &[&str])] = &[
    ("date", &["date", "usage_date", "day", "start_date"]),
    ("sku", &["sku", "product", "line_item"]),
    ("cost", &["cost", "amount", "cost_usd"]),
    ("project name", &["project_name", "project"]),
    ("region", &["region", "cloud_region"]),
    (
        "resource",
        &["resource", "index", "index_name", "assistant"],
    ),
    ("quantity", &["quantity", "usage", "usage_quantity"]),
];

/// The kind of a CSV input, detected from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// The console's *Settings > Usage* download.
    Usage,
    /// A FOCUS 1.0–1.4 cost and usage file.
    Focus,
}

impl CsvKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvKind::Usage => "usage-csv",
            CsvKind::Focus => "focus-csv",
        }
    }
}

/// Where each field of a record lives in one file. Lists are fallbacks: the first non-empty
/// field wins.
#[derive(Debug, Clone)]
pub struct Schema {
    pub kind: CsvKind,
    /// The header as written, for error messages and `--by COLUMN`.
    pub headers: Vec<String>,
    pub date: usize,
    pub cost: usize,
    pub sku: Vec<usize>,
    pub project_name: Option<usize>,
    pub project_id: Option<usize>,
    pub service: Option<usize>,
    pub region: Option<usize>,
    pub resource: Vec<usize>,
    pub quantity: Option<usize>,
    pub unit: Option<usize>,
    pub currency: Option<usize>,
    /// Tag columns, most specific first (row tags, then index tags, then project tags).
    pub tags: Vec<usize>,
    /// FOCUS writes a missing value as a bare `NULL`.
    pub null_is_empty: bool,
}

impl Schema {
    /// Detects the kind of a CSV from its header and maps its columns. The error says what
    /// was expected.
    pub fn detect(headers: &[String], cost: CostColumn) -> Result<Schema, String> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        let find = |names: &[&str]| -> Option<usize> {
            names.iter().find_map(|name| {
                let name = normalize_header(name);
                normalized.iter().position(|h| *h == name)
            })
        };
        // Two columns that could both be read as one field: refuse rather than pick one.
        for (i, name) in normalized.iter().enumerate() {
            if let Some(j) = normalized[..i].iter().position(|earlier| earlier == name) {
                return Err(format!(
                    "columns \"{}\" and \"{}\" have the same name; keep one",
                    headers[j], headers[i]
                ));
            }
        }
        if find(&["billedcost"]).is_some() && find(&["chargeperiodstart"]).is_some() {
            return Self::focus(headers, &find, cost);
        }
        for (field, aliases) in USAGE_FIELDS {
            let hits: Vec<&str> = headers
                .iter()
                .zip(&normalized)
                .filter(|(_, n)| aliases.iter().any(|a| normalize_header(a) == **n))
                .map(|(h, _)| h.as_str())
                .collect();
            if hits.len() > 1 {
                return Err(format!(
                    "columns \"{}\" all give the {field}; keep one",
                    hits.join("\", \"")
                ));
            }
        }
        Self::usage(headers, &find, cost)
    }

    fn focus(
        headers: &[String],
        find: &dyn Fn(&[&str]) -> Option<usize>,
        cost: CostColumn,
    ) -> Result<Schema, String> {
        let cost_name = match cost {
            CostColumn::Billed => "BilledCost",
            CostColumn::Effective => "EffectiveCost",
            CostColumn::List => "ListCost",
            CostColumn::Contracted => "ContractedCost",
        };
        let cost_index = find(&[cost_name]).ok_or_else(|| {
            format!("FOCUS file has no {cost_name} column (needed by --cost {cost:?})")
        })?;
        let all = |names: &[&str]| names.iter().filter_map(|n| find(&[n])).collect();
        Ok(Schema {
            kind: CsvKind::Focus,
            headers: headers.to_vec(),
            date: find(&["chargeperiodstart"]).unwrap_or_default(),
            cost: cost_index,
            sku: all(&["skumeter", "skuid", "chargedescription"]),
            project_name: find(&["subaccountname"]),
            project_id: find(&["subaccountid"]),
            service: find(&["servicename"]),
            region: find(&["regionid"]),
            resource: all(&["resourcename", "resourceid"]),
            quantity: find(&["consumedquantity"]),
            unit: find(&["consumedunit"]),
            currency: find(&["billingcurrency"]),
            tags: all(&["tags"]),
            null_is_empty: true,
        })
    }

    fn usage(
        headers: &[String],
        find: &dyn Fn(&[&str]) -> Option<usize>,
        cost: CostColumn,
    ) -> Result<Schema, String> {
        const DATE: &[&str] = &["date", "usage_date", "day", "start_date"];
        const SKU: &[&str] = &["sku", "product", "line_item"];
        const COST: &[&str] = &["cost", "amount", "cost_usd"];
        let (date, sku, cost_index) = (find(DATE), find(SKU), find(COST));
        let missing: Vec<String> = [
            ("date", DATE, date),
            ("sku", SKU, sku),
            ("cost", COST, cost_index),
        ]
        .iter()
        .filter(|(_, _, found)| found.is_none())
        .map(|(name, aliases, _)| format!("\"{name}\" (or {})", aliases[1..].join(", ")))
        .collect();
        if !missing.is_empty() {
            if missing.len() == 3 {
                return Err(
                    "unknown kind of CSV: the header has neither the FOCUS columns (BilledCost, \
                     ChargePeriodStart) nor the usage-export columns (date, sku, cost)"
                        .to_string(),
                );
            }
            return Err(format!(
                "usage CSV header lacks the required column {}",
                missing.join(" and ")
            ));
        }
        if cost != CostColumn::Billed {
            return Err(format!(
                "--cost {cost:?} applies to FOCUS files; a usage CSV has one cost column"
            )
            .to_lowercase());
        }
        let (Some(date), Some(sku), Some(cost_index)) = (date, sku, cost_index) else {
            unreachable!("checked above");
        };
        let all = |names: &[&str]| names.iter().filter_map(|n| find(&[n])).collect();
        Ok(Schema {
            kind: CsvKind::Usage,
            headers: headers.to_vec(),
            date,
            cost: cost_index,
            sku: vec![sku],
            project_name: find(&["projectname", "project"]),
            project_id: find(&["projectid"]),
            service: find(&["service"]),
            region: find(&["region", "cloudregion"]),
            resource: find(&["resource", "index", "indexname", "assistant"])
                .into_iter()
                .collect(),
            quantity: find(&["quantity", "usage", "usagequantity"]),
            unit: find(&["unit"]),
            currency: find(&["currency"]),
            tags: all(&["tags", "indextags", "projecttags"]),
            null_is_empty: false,
        })
    }

    /// The index of a column named on the command line (`--by ChargeCategory`), matched like
    /// headers are.
    pub fn column(&self, name: &str) -> Option<usize> {
        let wanted = normalize_header(name);
        self.headers
            .iter()
            .position(|h| normalize_header(h) == wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_normalize_per_design() {
        assert_eq!(normalize_header("Cost (USD)"), "cost");
        assert_eq!(normalize_header(" usage_date "), "usagedate");
        assert_eq!(normalize_header("Project-Name"), "projectname");
        assert_eq!(normalize_header("x_IndexName"), "xindexname");
    }

    #[test]
    fn usage_header_maps_aliases() {
        let schema = Schema::detect(
            &headers(&["Usage Date", "Project", "Product", "Index", "Amount (USD)"]),
            CostColumn::Billed,
        )
        .unwrap();
        assert_eq!(schema.kind, CsvKind::Usage);
        assert_eq!(
            (schema.date, schema.sku.clone(), schema.cost),
            (0, vec![2], 4)
        );
        assert_eq!(schema.project_name, Some(1));
        assert_eq!(schema.resource, vec![3]);
        assert_eq!(schema.service, None);
    }

    #[test]
    fn ambiguous_columns_are_refused() {
        let err = Schema::detect(
            &headers(&["date", "sku", "amount", "cost_usd"]),
            CostColumn::Billed,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "columns \"amount\", \"cost_usd\" all give the cost; keep one"
        );
        let err = Schema::detect(
            &headers(&["date", "sku", "cost", "Cost"]),
            CostColumn::Billed,
        )
        .unwrap_err();
        assert!(
            err.contains("\"cost\" and \"Cost\" have the same name"),
            "{err}"
        );
    }

    #[test]
    fn missing_required_column_is_named() {
        let err =
            Schema::detect(&headers(&["date", "sku", "quantity"]), CostColumn::Billed).unwrap_err();
        assert!(err.contains("\"cost\" (or amount, cost_usd)"), "{err}");
        let err = Schema::detect(&headers(&["a", "b"]), CostColumn::Billed).unwrap_err();
        assert!(err.starts_with("unknown kind of CSV"), "{err}");
    }

    #[test]
    fn focus_detected_and_cost_column_selectable() {
        let names = headers(&["BilledCost", "ChargePeriodStart", "EffectiveCost", "SkuId"]);
        let schema = Schema::detect(&names, CostColumn::Effective).unwrap();
        assert_eq!(
            (schema.kind, schema.cost, schema.date),
            (CsvKind::Focus, 2, 1)
        );
        assert!(Schema::detect(&names, CostColumn::List).is_err());
    }
}
