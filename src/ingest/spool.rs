//! A zip export or a Parquet file read from a pipe (`-`, `/dev/stdin`, `<(…)`, a FIFO): both
//! are read by seeking (a zip's directory and a Parquet footer are at the end), which a pipe
//! cannot do. The stream is copied once into a temporary file, bounded, and read from there.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::path::PathBuf;

/// The most a pipe may hold to be spooled: 4 GiB (`TALLY_SPOOL_LIMIT`, in bytes, changes it).
pub const DEFAULT_LIMIT: u64 = 4 << 30;

/// The stream, in a temporary file that is gone once this is dropped.
pub struct Spool {
    /// A path that opens the temporary file (read-only use).
    pub path: PathBuf,
    _anonymous: Option<std::fs::File>,
    _named: Option<tempfile::TempPath>,
}

/// `TALLY_SPOOL_LIMIT`, or 4 GiB when it is not set. A value that is not a whole number of
/// bytes is an error rather than the default: a typo must not go unnoticed.
pub fn limit() -> Result<u64> {
    match std::env::var_os("TALLY_SPOOL_LIMIT") {
        None => Ok(DEFAULT_LIMIT),
        Some(value) => match value.to_str().map(|v| v.trim().parse::<u64>()) {
            Some(Ok(limit)) => Ok(limit),
            _ => bail!(
                "TALLY_SPOOL_LIMIT={}: expected a whole number of bytes such as 8589934592 \
                 (8 GiB); unset it for the default of 4 GiB",
                value.to_string_lossy()
            ),
        },
    }
}

/// Copies `head` (the bytes already read to tell the kind) and the rest of `source` into a
/// temporary file in the system's temporary folder (`TMPDIR`): an anonymous file where the
/// system lets it be reopened through `/proc/self/fd` (nothing is left behind even if the run
/// is killed), else a named one removed when the run ends. Fails, naming the input and the
/// limit, when the stream holds more than `limit` bytes.
pub fn spool(name: &str, what: &str, head: &[u8], source: impl Read, limit: u64) -> Result<Spool> {
    let dir = std::env::temp_dir();
    let cannot = || {
        format!(
            "{name}: cannot spool the {what} to a temporary file in {} (set TMPDIR to a \
             folder with room, or save the input to a file and give the file)",
            dir.display()
        )
    };
    let anonymous = tempfile::tempfile_in(&dir).with_context(cannot)?;
    #[cfg(unix)]
    let reopened = {
        use std::os::fd::AsRawFd;
        let path = PathBuf::from(format!("/proc/self/fd/{}", anonymous.as_raw_fd()));
        path.exists().then_some(path)
    };
    #[cfg(not(unix))]
    let reopened: Option<PathBuf> = None;
    let (mut file, spool) = match reopened {
        Some(path) => (
            anonymous.try_clone().with_context(cannot)?,
            Spool {
                path,
                _anonymous: Some(anonymous),
                _named: None,
            },
        ),
        None => {
            drop(anonymous);
            let named = tempfile::NamedTempFile::new_in(&dir).with_context(cannot)?;
            let (file, path) = named.into_parts();
            (
                file,
                Spool {
                    path: path.to_path_buf(),
                    _anonymous: None,
                    _named: Some(path),
                },
            )
        }
    };
    file.write_all(head).with_context(cannot)?;
    // One byte past the limit tells "larger" from "exactly the limit".
    let room = limit.saturating_sub(head.len() as u64).saturating_add(1);
    let copied = std::io::copy(&mut source.take(room), &mut file)
        .with_context(|| format!("{name}: cannot read"))?;
    if head.len() as u64 + copied > limit {
        bail!(
            "{name}: a {what} from a pipe is copied to a temporary file to be read (it needs \
             seeking), up to {limit} bytes{}; this one is larger: save it to a file and give \
             the file (or raise TALLY_SPOOL_LIMIT)",
            if limit == DEFAULT_LIMIT {
                " (4 GiB)"
            } else {
                ""
            }
        );
    }
    file.flush().with_context(cannot)?;
    Ok(spool)
}
