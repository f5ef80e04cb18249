//! Header matching: which kind of CSV a header belongs to, and where each field lives.
//! Owns the alias table of docs/inputs.md; knows nothing of rows.

use crate::config::CostColumn;
use crate::primitives::decimal::{parse_decimal, parse_focus_decimal};
use crate::primitives::header::normalize_header;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The most columns a header may have. Real exports have tens (FOCUS defines about 60); a
/// header of hundreds of thousands is a damaged or hostile file, refused at line 1.
pub const MAX_COLUMNS: usize = 10_000;

/// The usage-export fields and the header names each is read from (the alias table in docs/inputs.md).
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

/// Where each field of a record lives in one file. Lists are fallback chains: per row, the
/// first column whose value is not null wins.
#[derive(Debug, Clone)]
pub struct Schema {
    pub kind: CsvKind,
    /// The header as written, for error messages and `--by COLUMN`.
    pub headers: Vec<String>,
    pub date: usize,
    /// Where the charge period ends (FOCUS `ChargePeriodEnd`), for `--spread-charges`.
    pub end: Option<usize>,
    pub cost: usize,
    pub sku: Vec<usize>,
    pub project_name: Option<usize>,
    pub project_id: Option<usize>,
    pub service: Vec<usize>,
    pub region: Vec<usize>,
    pub resource: Vec<usize>,
    pub quantity: Option<usize>,
    pub unit: Option<usize>,
    pub currency: Option<usize>,
    /// Tag columns, most specific first (row tags, then index tags, then project tags).
    pub tags: Vec<usize>,
    /// FOCUS rules: `NULL`/`null` (any case) and empty are null in every column, numbers may
    /// carry an exponent, and the currency column must hold a value.
    pub focus: bool,
    /// A currency code written as the cost column's unit (`Cost (EUR)`): the currency of
    /// every row; a currency column must agree with it.
    pub header_currency: Option<String>,
}

/// The ISO 4217-shaped code in a header's trailing parentheses (`Cost (EUR)` → `EUR`).
fn header_currency(header: &str) -> Option<String> {
    let inner = header.trim().strip_suffix(')')?;
    let code = inner[inner.rfind('(')? + 1..].trim();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| code.to_ascii_uppercase())
}

/// The FOCUS columns each field is read from, in fallback order (README, "FOCUS").
const FOCUS_SKU: &[&str] = &["SkuMeter", "SkuId", "ChargeDescription", "ChargeCategory"];
const FOCUS_SERVICE: &[&str] = &["ServiceName", "ServiceCategory"];
const FOCUS_REGION: &[&str] = &["RegionId", "RegionName"];
const FOCUS_RESOURCE: &[&str] = &["ResourceName", "ResourceId"];

impl Schema {
    /// Detects the kind of a CSV from its header and maps its columns. The error says what
    /// was expected.
    pub fn detect(headers: &[String], cost: CostColumn) -> Result<Schema, String> {
        // Refused before any work per column: no export tally reads has near this many (FOCUS
        // defines about 60), and every later step stays linear in the header anyway.
        if headers.len() > MAX_COLUMNS {
            return Err(format!(
                "the header has {} columns; tally reads at most {MAX_COLUMNS} (is this a \
                 usage or FOCUS export?)",
                headers.len()
            ));
        }
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        // Each normalized name and the first column that has it: one pass, not a pass per
        // column (a quadratic check took a minute on a 200,000-column header).
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(normalized.len());
        for (i, name) in normalized.iter().enumerate() {
            // Two columns that could both be read as one field: refuse rather than pick one.
            if let Some(&j) = first.get(name.as_str()) {
                return Err(format!(
                    "columns \"{}\" and \"{}\" have the same name; keep one",
                    headers[j], headers[i]
                ));
            }
            first.insert(name, i);
        }
        let find = |names: &[&str]| -> Option<usize> {
            names
                .iter()
                .find_map(|name| first.get(normalize_header(name).as_str()).copied())
        };
        if find(&["billedcost"]).is_some() && find(&["chargeperiodstart"]).is_some() {
            return Self::focus(headers, &find, cost);
        }
        for (field, aliases) in USAGE_FIELDS {
            let mut hits: Vec<(usize, &str)> = aliases
                .iter()
                .filter_map(|alias| find(&[alias]))
                .map(|i| (i, headers[i].as_str()))
                .collect();
            // In header order, as the columns are written.
            hits.sort_unstable();
            let hits: Vec<&str> = hits.into_iter().map(|(_, h)| h).collect();
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
            format!(
                "FOCUS file has no {cost_name} column (needed by --cost {}); pick a cost \
                 column the file has",
                format!("{cost:?}").to_lowercase()
            )
        })?;
        let all =
            |names: &[&str]| -> Vec<usize> { names.iter().filter_map(|n| find(&[n])).collect() };
        let sku = all(FOCUS_SKU);
        let currency = find(&["billingcurrency"]);
        let mut missing = Vec::new();
        if sku.is_empty() {
            missing.push(format!("one of {} (for the SKU)", FOCUS_SKU.join(", ")));
        }
        if currency.is_none() {
            missing.push("BillingCurrency".to_string());
        }
        if !missing.is_empty() {
            return Err(format!(
                "FOCUS file lacks the column {}; FOCUS requires it",
                missing.join(" and ")
            ));
        }
        // Quantity and unit come as a pair: Pricing* only when the file has no Consumed*.
        let (quantity, unit) = match find(&["consumedquantity"]) {
            Some(quantity) => (Some(quantity), find(&["consumedunit"])),
            None => (find(&["pricingquantity"]), find(&["pricingunit"])),
        };
        Ok(Schema {
            kind: CsvKind::Focus,
            headers: headers.to_vec(),
            date: find(&["chargeperiodstart"]).unwrap_or_default(),
            end: find(&["chargeperiodend"]),
            cost: cost_index,
            sku,
            project_name: find(&["subaccountname"]),
            project_id: find(&["subaccountid"]),
            service: all(FOCUS_SERVICE),
            region: all(FOCUS_REGION),
            resource: all(FOCUS_RESOURCE),
            quantity,
            unit,
            currency,
            tags: all(&["tags"]),
            focus: true,
            header_currency: header_currency(&headers[cost_index]),
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
            end: None,
            cost: cost_index,
            sku: vec![sku],
            project_name: find(&["projectname", "project"]),
            project_id: find(&["projectid"]),
            service: find(&["service"]).into_iter().collect(),
            region: find(&["region", "cloudregion"]).into_iter().collect(),
            resource: find(&["resource", "index", "indexname", "assistant"])
                .into_iter()
                .collect(),
            quantity: find(&["quantity", "usage", "usagequantity"]),
            unit: find(&["unit"]),
            currency: find(&["currency"]),
            tags: all(&["tags", "indextags", "projecttags"]),
            focus: false,
            header_currency: header_currency(&headers[cost_index]),
        })
    }

    /// Reads a number of this file: the FOCUS numeric format (exponent allowed) for FOCUS, the
    /// console's strict format otherwise.
    pub fn number(&self, text: &str) -> Result<Decimal, String> {
        if self.focus {
            parse_focus_decimal(text)
        } else {
            parse_decimal(text)
        }
    }

    /// Applies `--date-basis billing`: the day comes from `BillingPeriodStart`, the invoice a
    /// row is on, instead of `ChargePeriodStart`.
    pub fn use_billing_period(&mut self) -> Result<(), String> {
        if !self.focus {
            return Err(
                "--date-basis billing applies to FOCUS files; a usage CSV has one date column"
                    .to_string(),
            );
        }
        self.date = self.column("BillingPeriodStart").ok_or_else(|| {
            "FOCUS file has no BillingPeriodStart column (needed by --date-basis billing)"
                .to_string()
        })?;
        self.end = self.column("BillingPeriodEnd");
        Ok(())
    }

    /// Each field and the columns it is read from, in fallback order, as written in the
    /// header: for the manifest and `tally inspect`. Fields no column gives are left out.
    pub fn sources(&self) -> Vec<(&'static str, Vec<&str>)> {
        let names = |indexes: &[usize]| -> Vec<&str> {
            indexes.iter().map(|&i| self.headers[i].as_str()).collect()
        };
        let one = |index: Option<usize>| names(&index.into_iter().collect::<Vec<_>>());
        let project: Vec<usize> = self
            .project_name
            .into_iter()
            .chain(self.project_id)
            .collect();
        let fields = [
            ("date", names(&[self.date])),
            ("date_end", one(self.end)),
            ("cost", names(&[self.cost])),
            ("sku", names(&self.sku)),
            ("project", names(&project)),
            ("service", names(&self.service)),
            ("region", names(&self.region)),
            ("resource", names(&self.resource)),
            ("quantity", one(self.quantity)),
            ("unit", one(self.unit)),
            ("currency", one(self.currency)),
            ("tags", names(&self.tags)),
        ];
        fields
            .into_iter()
            .filter(|(_, columns)| !columns.is_empty())
            .collect()
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
        assert!(schema.service.is_empty());
    }

    #[test]
    fn currency_written_as_the_cost_unit() {
        assert_eq!(header_currency("Cost (EUR)"), Some("EUR".to_string()));
        assert_eq!(header_currency(" amount (usd) "), Some("USD".to_string()));
        assert_eq!(header_currency("Cost"), None);
        assert_eq!(header_currency("Cost (US$)"), None);
        assert_eq!(header_currency("Quantity (tokens)"), None);
        let schema =
            Schema::detect(&headers(&["Date", "SKU", "Cost (EUR)"]), CostColumn::Billed).unwrap();
        assert_eq!(schema.header_currency.as_deref(), Some("EUR"));
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
        let names = headers(&[
            "BilledCost",
            "ChargePeriodStart",
            "EffectiveCost",
            "SkuId",
            "BillingCurrency",
        ]);
        let schema = Schema::detect(&names, CostColumn::Effective).unwrap();
        assert_eq!(
            (schema.kind, schema.cost, schema.date),
            (CsvKind::Focus, 2, 1)
        );
        let err = Schema::detect(&names, CostColumn::List).unwrap_err();
        assert_eq!(
            err,
            "FOCUS file has no ListCost column (needed by --cost list); pick a cost column \
             the file has"
        );
    }

    #[test]
    fn focus_fallback_chains_follow_the_header_order_of_the_rules() {
        // Columns in an order unlike the chains, so that the chain order is what is tested.
        let names = headers(&[
            "ChargeCategory",
            "ResourceId",
            "RegionName",
            "ChargeDescription",
            "ServiceCategory",
            "SkuId",
            "BilledCost",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "BillingCurrency",
            "ResourceName",
            "PricingQuantity",
            "PricingUnit",
            "SubAccountId",
        ]);
        let schema = Schema::detect(&names, CostColumn::Billed).unwrap();
        assert_eq!(schema.sku, vec![5, 3, 0]);
        assert_eq!(schema.service, vec![4]);
        assert_eq!(schema.region, vec![2]);
        assert_eq!(schema.resource, vec![10, 1]);
        assert_eq!((schema.quantity, schema.unit), (Some(11), Some(12)));
        assert_eq!((schema.project_name, schema.project_id), (None, Some(13)));
        assert_eq!(schema.end, Some(8));
        let sources = schema.sources();
        let get = |field: &str| {
            sources
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, c)| c.join(" > "))
        };
        assert_eq!(
            get("sku").as_deref(),
            Some("SkuId > ChargeDescription > ChargeCategory")
        );
        assert_eq!(
            get("resource").as_deref(),
            Some("ResourceName > ResourceId")
        );
        assert_eq!(get("quantity").as_deref(), Some("PricingQuantity"));
        assert_eq!(get("tags"), None);
    }

    #[test]
    fn consumed_quantity_wins_over_pricing_quantity_as_a_pair() {
        let names = headers(&[
            "BilledCost",
            "ChargePeriodStart",
            "BillingCurrency",
            "SkuId",
            "PricingQuantity",
            "PricingUnit",
            "ConsumedQuantity",
            "ConsumedUnit",
        ]);
        let schema = Schema::detect(&names, CostColumn::Billed).unwrap();
        assert_eq!((schema.quantity, schema.unit), (Some(6), Some(7)));
    }

    #[test]
    fn focus_header_without_sku_columns_or_currency_is_refused() {
        let err = Schema::detect(
            &headers(&["BilledCost", "ChargePeriodStart", "ServiceName"]),
            CostColumn::Billed,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "FOCUS file lacks the column one of SkuMeter, SkuId, ChargeDescription, \
             ChargeCategory (for the SKU) and BillingCurrency; FOCUS requires it"
        );
    }
}
