//! Which FOCUS version a header is at least, judged only by the columns it has.
//!
//! Each version added columns (the "Introduced (version)" section of every column page in the
//! FOCUS specification, FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec). A header holding a
//! column introduced in version V was written for V or later. Most new columns are optional
//! (conditional or recommended), so a header without them says nothing: the answer is always
//! a lower bound, "1.2 or later", never "exactly 1.2".

use crate::primitives::header::normalize_header;

/// Columns first defined in each version after 1.0, newest version first.
const INTRODUCED: &[(&str, &[&str])] = &[
    (
        "1.4",
        &[
            "CommitmentProgramEligibilityDetails",
            "InvoiceDetailId",
            "TagDetails",
        ],
    ),
    (
        "1.3",
        &[
            "AllocatedMethodDetails",
            "AllocatedMethodId",
            "AllocatedResourceId",
            "AllocatedResourceName",
            "AllocatedTags",
            "ContractApplied",
            "HostProviderName",
            "ServiceProviderName",
        ],
    ),
    (
        "1.2",
        &[
            "BillingAccountType",
            "InvoiceId",
            "PricingCurrency",
            "PricingCurrencyContractedUnitPrice",
            "PricingCurrencyEffectiveCost",
            "PricingCurrencyListUnitPrice",
            "SubAccountType",
        ],
    ),
    (
        "1.1",
        &[
            "CapacityReservationId",
            "CapacityReservationStatus",
            "CommitmentDiscountQuantity",
            "CommitmentDiscountUnit",
            "ServiceSubcategory",
            "SkuMeter",
            "SkuPriceDetails",
        ],
    ),
];

/// The lowest FOCUS version a header can be, and the columns that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusVersion {
    /// `1.0` … `1.4`.
    pub at_least: &'static str,
    /// The header's columns introduced in `at_least` (empty for 1.0: nothing newer was seen).
    pub evidence: Vec<String>,
}

impl FocusVersion {
    /// `1.2 or later`.
    pub fn text(&self) -> String {
        format!("{} or later", self.at_least)
    }

    /// The later of two lower bounds: parts of one export are one dataset, so a column seen
    /// in any part dates the whole.
    pub fn max(self, other: FocusVersion) -> FocusVersion {
        match self.at_least.cmp(other.at_least) {
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal => {
                let mut evidence = self.evidence;
                for column in other.evidence {
                    if !evidence.contains(&column) {
                        evidence.push(column);
                    }
                }
                FocusVersion {
                    at_least: self.at_least,
                    evidence,
                }
            }
        }
    }
}

/// The version a FOCUS header is at least, from the newest version whose columns it holds.
pub fn focus_version(headers: &[String]) -> FocusVersion {
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    for (version, columns) in INTRODUCED {
        let evidence: Vec<String> = headers
            .iter()
            .zip(&normalized)
            .filter(|(_, n)| columns.iter().any(|c| normalize_header(c) == **n))
            .map(|(h, _)| h.clone())
            .collect();
        if !evidence.is_empty() {
            return FocusVersion {
                at_least: version,
                evidence,
            };
        }
    }
    FocusVersion {
        at_least: "1.0",
        evidence: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn newest_marker_column_decides() {
        let base = ["BilledCost", "ChargePeriodStart", "BillingCurrency"];
        assert_eq!(focus_version(&headers(&base)).text(), "1.0 or later");
        let v = focus_version(&headers(&[&base[..], &["SkuMeter", "InvoiceId"]].concat()));
        assert_eq!(
            (v.at_least, v.evidence),
            ("1.2", vec!["InvoiceId".to_string()])
        );
        let v = focus_version(&headers(
            &[&base[..], &["AllocatedTags", "SkuMeter"]].concat(),
        ));
        assert_eq!(v.text(), "1.3 or later");
        let v = focus_version(&headers(&[&base[..], &["TagDetails"]].concat()));
        assert_eq!(v.text(), "1.4 or later");
    }

    #[test]
    fn parts_of_one_export_take_the_later_bound() {
        let a = focus_version(&headers(&["SkuMeter"]));
        let b = focus_version(&headers(&["InvoiceId"]));
        assert_eq!(a.clone().max(b.clone()), b);
        assert_eq!(b.clone().max(a), b);
    }
}
