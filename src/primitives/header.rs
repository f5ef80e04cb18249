//! Header names as tally matches them. Ground floor: imports nothing of tally.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_normalize_per_design() {
        assert_eq!(normalize_header("Cost (USD)"), "cost");
        assert_eq!(normalize_header(" usage_date "), "usagedate");
        assert_eq!(normalize_header("Project-Name"), "projectname");
        assert_eq!(normalize_header("x_IndexName"), "xindexname");
    }
}
