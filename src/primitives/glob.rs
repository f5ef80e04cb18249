//! `--exclude` globs, compiled once (globset, ripgrep's matcher).

use std::path::Path;

/// `--exclude GLOB` (repeatable), compiled. A file or folder met while walking a folder given
/// on the command line is left out when a glob matches its path relative to that folder
/// (`2026-09/usage.csv`) or its name (`usage.csv`). `*` and `?` do not cross `/`; `**` does
/// (`old/**`). Files named on the command line are always read.
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    set: Option<globset::GlobSet>,
    patterns: Vec<String>,
}

impl Excludes {
    pub fn new(patterns: &[String]) -> Result<Excludes, String> {
        if patterns.is_empty() {
            return Ok(Excludes::default());
        }
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| format!("--exclude \"{pattern}\": not a glob: {}", e.kind()))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| format!("--exclude: {e}"))?;
        Ok(Excludes {
            set: Some(set),
            patterns: patterns.to_vec(),
        })
    }

    /// The first glob that matches `relative` (to the folder given) or its last component.
    pub fn matching(&self, relative: &Path) -> Option<&str> {
        let set = self.set.as_ref()?;
        let mut hits = set.matches(relative);
        if let Some(name) = relative.file_name() {
            hits.extend(set.matches(Path::new(name)));
        }
        hits.into_iter()
            .min()
            .map(|index| self.patterns[index].as_str())
    }
}
