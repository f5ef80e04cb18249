//! Splits a CSV byte stream into large blocks that end on record boundaries, so that blocks
//! can be parsed in parallel. Lines are not counted here: a worker counts its block's lines as
//! it splits the records (the structural index has the line feeds anyway), and the merge in
//! file order turns block-relative lines into physical ones. Only the header's are counted.

use std::io::{self, Read};

/// A run of whole CSV records.
pub struct Block {
    /// The buffer: the records are its first `len` bytes (the rest is stale, kept so that a
    /// recycled buffer need not be zeroed again).
    pub data: Vec<u8>,
    pub len: usize,
}

impl Block {
    pub fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

/// The longest record tally reads, in bytes (its terminator not counted). Memory is bounded by
/// the blocks in flight plus one record; without a limit, a file without line breaks (or with a
/// quote that never closes) would be read into one record until memory ran out.
pub const MAX_RECORD: usize = 1 << 20;

/// RFC 4180 state at a byte, as the csv crate reads it: a quote only opens a field at its
/// start; inside quotes, `""` is an escaped quote; outside quotes a CR or an LF ends a record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// The csv crate's state machine over `data`, read from a record start: calls `end` with the
/// position just after each record terminator (after the LF of a CRLF; a CR that is the last
/// byte of `data` is not judged, as an LF may follow it), stopping when `end` returns true.
/// Returns the state after the last byte and the index of the field it is in.
fn scan(data: &[u8], delimiter: u8, mut end: impl FnMut(usize) -> bool) -> (State, usize) {
    let mut state = State::FieldStart;
    let mut field = 0;
    let mut i = 0;
    while i < data.len() {
        if state == State::Quoted {
            match memchr::memchr(b'"', &data[i..]) {
                Some(offset) => {
                    i += offset + 1;
                    state = State::QuoteInQuoted;
                    continue;
                }
                None => return (State::Quoted, field),
            }
        }
        let byte = data[i];
        if byte == b'\n' || byte == b'\r' {
            let after = match (byte, data.get(i + 1)) {
                (b'\r', Some(b'\n')) => i + 2,
                (b'\r', None) => return (state, field),
                _ => i + 1,
            };
            state = State::FieldStart;
            field = 0;
            if end(after) {
                return (state, field);
            }
            i = after;
            continue;
        }
        state = match (state, byte) {
            (_, byte) if byte == delimiter => {
                field += 1;
                State::FieldStart
            }
            (State::FieldStart | State::QuoteInQuoted, b'"') => State::Quoted,
            _ => State::Unquoted,
        };
        i += 1;
        // Inside an unquoted field only a separator or a line end matters: skip ahead.
        if state == State::Unquoted {
            match memchr::memchr3(delimiter, b'\n', b'\r', &data[i..]) {
                Some(offset) => i += offset,
                None => return (state, field),
            }
        }
    }
    (state, field)
}

/// Where records end in `data` (read from a record start, fields separated by `delimiter`):
/// the position just after the first or the last record terminator, if any.
fn record_ends(data: &[u8], delimiter: u8, stop_at_first: bool) -> Option<usize> {
    // Most exports quote nothing: then every line end ends a record.
    if !stop_at_first && memchr::memchr(b'"', data).is_none() {
        return last_line_end(data, data.len());
    }
    let mut last = None;
    scan(data, delimiter, |end| {
        last = Some(end);
        stop_at_first
    });
    last
}

/// The position after the last line end (LF, CRLF or a lone CR) in `data[..before]`; a CR
/// that is the last byte of `data` is not one yet, as an LF may follow it.
fn last_line_end(data: &[u8], mut before: usize) -> Option<usize> {
    while let Some(i) = memchr::memrchr2(b'\n', b'\r', &data[..before]) {
        if data[i] == b'\n' || (i + 1 < data.len() && data[i + 1] != b'\n') {
            return Some(i + 1);
        }
        before = i;
    }
    None
}

/// The field (by index) that a quote opened in the record `data` holds open at its end:
/// `Some` when `data` ends inside a quoted field.
pub fn open_quote(data: &[u8], delimiter: u8) -> Option<usize> {
    match scan(data, delimiter, |_| true) {
        (State::Quoted, field) => Some(field),
        _ => None,
    }
}

/// A record longer than [`MAX_RECORD`], found while reading blocks.
#[derive(Debug)]
pub struct TooLong {
    /// The physical line the record starts on; `None` for a record after the header, which
    /// starts just after the last block handed out: the caller, who counts the blocks' lines,
    /// knows its line (`BlockSplitter` does not count them).
    pub line: Option<u64>,
    /// The field still inside quotes [`MAX_RECORD`] bytes into the record, if any.
    pub open_field: Option<usize>,
    /// False when blocks were cut by quote parity, which may have run past the record's end:
    /// the input must be read again with exact boundaries before this is an error.
    pub exact: bool,
}

impl TooLong {
    /// The record that starts at `record[0]` on `line` and is longer than [`MAX_RECORD`].
    pub fn at(record: &[u8], line: u64, delimiter: u8) -> TooLong {
        let prefix = &record[..record.len().min(MAX_RECORD + 1)];
        TooLong {
            line: Some(line),
            open_field: open_quote(prefix, delimiter),
            exact: true,
        }
    }

    /// Why the record is refused (after `file:line: `), with the open field's name from
    /// `column`.
    pub fn reason(&self, column: impl Fn(usize) -> String) -> String {
        let detail = match self.open_field {
            Some(field) => format!(
                "column \"{}\" opens a quote that is still open {MAX_RECORD} bytes on (an \
                 unterminated quote?)",
                column(field)
            ),
            None => format!("no record end within its first {MAX_RECORD} bytes"),
        };
        format!(
            "a record longer than 1 MiB: {detail}; is this a CSV? (tally reads records of at \
             most 1 MiB)"
        )
    }
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = self.reason(|field| format!("#{}", field + 1));
        match self.line {
            Some(line) => write!(f, "line {line}: {reason}"),
            None => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for TooLong {}

/// How a block's end is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundaries {
    /// The csv crate's own state machine, field by field: right for any input.
    Exact,
    /// The last line feed with an even number of quotes before it: a fraction of the work,
    /// and right whenever every quote is a field's opening or closing quote or half of an
    /// escaped pair. The workers' splitter refuses any other quote, and the scan is then
    /// redone with `Exact`.
    Parity,
}

/// Where the last record of `data` (read from a record start) ends, by quote parity.
fn parity_record_end(data: &[u8]) -> Option<usize> {
    let mut quotes_before = memchr::memchr_iter(b'"', data).count();
    let mut end = data.len();
    while let Some(line_end) = last_line_end(data, end) {
        let terminator = line_end - 1;
        quotes_before -= memchr::memchr_iter(b'"', &data[terminator..end]).count();
        if quotes_before.is_multiple_of(2) {
            return Some(line_end);
        }
        end = terminator;
    }
    None
}

/// Reads a stream in blocks of about `block_size` bytes, each ending after a whole record.
pub struct BlockSplitter<R> {
    reader: R,
    /// Bytes read but not yet handed out are `pending[..filled]`; the rest of `pending` is
    /// initialized scratch, so reading into it needs no zeroing.
    pending: Vec<u8>,
    filled: usize,
    /// The physical line after the header (`first_body_line`).
    body_line: u64,
    block_size: usize,
    eof: bool,
    started: bool,
    boundaries: Boundaries,
    /// The field separator (`,` unless `--delimiter`).
    delimiter: u8,
    /// Buffers handed back by `recycle`, so that steady-state reading allocates nothing and
    /// the kernel need not zero fresh pages for every block.
    free: Vec<Vec<u8>>,
}

impl<R: Read> BlockSplitter<R> {
    pub fn new(reader: R, block_size: usize, boundaries: Boundaries, delimiter: u8) -> Self {
        BlockSplitter {
            boundaries,
            delimiter,
            reader,
            pending: Vec::new(),
            filled: 0,
            body_line: 1,
            block_size: block_size.max(1),
            eof: false,
            started: false,
            free: Vec::new(),
        }
    }

    /// Reads the header record (line 1), dropping a UTF-8 byte-order mark. `None` when the
    /// stream holds nothing but white space. When line 1 is blank but something follows, that
    /// blank line is the header returned: the caller refuses it by name (`BLANK_FIRST_LINE`)
    /// rather than call the file empty.
    pub fn header(&mut self) -> io::Result<Option<Vec<u8>>> {
        debug_assert!(!self.started, "header() must come first");
        self.started = true;
        let mut want = self.block_size.min(1 << 16);
        let mut bom_checked = false;
        loop {
            self.fill(want)?;
            if !bom_checked && (self.filled >= 3 || self.eof) {
                bom_checked = true;
                if self.pending[..self.filled].starts_with(b"\xEF\xBB\xBF") {
                    self.consume(3);
                }
            }
            let data = &self.pending[..self.filled];
            let end = match record_ends(data, self.delimiter, true) {
                Some(end) => end,
                None if self.eof => data.len(),
                None => {
                    self.check_length(Boundaries::Exact, true)?;
                    want += self.filled;
                    continue;
                }
            };
            if data[..end].trim_ascii_end().len() > MAX_RECORD {
                return Err(too_long(TooLong::at(data, 1, self.delimiter)));
            }
            if data[..end].iter().all(u8::is_ascii_whitespace) {
                return self.blank_first_line(end, want);
            }
            let header = data[..end].to_vec();
            self.consume(end);
            self.body_line += count_lines(&header);
            return Ok(Some(header));
        }
    }

    /// Line 1, `pending[..end]`, is blank: `None` if nothing but white space follows, else the
    /// blank line. What follows is read in chunks of `want` and dropped while it is white
    /// space, so a huge blank file takes no memory.
    fn blank_first_line(&mut self, end: usize, want: usize) -> io::Result<Option<Vec<u8>>> {
        let blank = self.pending[..end].to_vec();
        self.consume(end);
        loop {
            if self.pending[..self.filled]
                .iter()
                .any(|b| !b.is_ascii_whitespace())
            {
                self.body_line += count_lines(&blank);
                return Ok(Some(blank));
            }
            if self.eof {
                return Ok(None);
            }
            self.filled = 0;
            self.fill(want)?;
        }
    }

    /// The physical line the first block starts on (after `header`).
    pub fn first_body_line(&self) -> u64 {
        self.body_line
    }

    /// Drops the first `n` pending bytes.
    fn consume(&mut self, n: usize) {
        self.pending.copy_within(n..self.filled, 0);
        self.filled -= n;
    }

    /// The next block of whole records, or `None` at the end of the stream.
    pub fn next_block(&mut self) -> io::Result<Option<Block>> {
        let mut want = self.block_size;
        loop {
            self.fill(want)?;
            if self.filled == 0 {
                return Ok(None);
            }
            let data = &self.pending[..self.filled];
            let end = if self.eof {
                data.len()
            } else {
                let end = match self.boundaries {
                    Boundaries::Exact => record_ends(data, self.delimiter, false),
                    Boundaries::Parity => parity_record_end(data),
                };
                match end {
                    Some(end) => end,
                    // One record longer than a block: read on until it ends.
                    None => {
                        self.check_length(self.boundaries, false)?;
                        // Geometric growth: each try rescans what is pending.
                        want = self.filled + self.block_size.max(self.filled);
                        continue;
                    }
                }
            };
            let carry = self.filled - end;
            let mut next = self.free.pop().unwrap_or_default();
            if next.len() < carry {
                next.resize(carry, 0);
            }
            next[..carry].copy_from_slice(&self.pending[end..self.filled]);
            let data = std::mem::replace(&mut self.pending, next);
            self.filled = carry;
            return Ok(Some(Block { data, len: end }));
        }
    }

    /// The pending record has no end yet: an error once it is longer than [`MAX_RECORD`]
    /// (a CR as the last byte may still be its terminator). With `Boundaries::Parity` and a
    /// quote in it, parity may be what hides its end: `TooLong::exact` is then false. The
    /// header is on line 1; a later record's line is left to the caller (`TooLong::line`).
    fn check_length(&self, boundaries: Boundaries, header: bool) -> io::Result<()> {
        if self.filled <= MAX_RECORD + 1 {
            return Ok(());
        }
        let data = &self.pending[..self.filled];
        let mut error = TooLong::at(data, 1, self.delimiter);
        if !header {
            error.line = None;
        }
        error.exact = boundaries == Boundaries::Exact || memchr::memchr(b'"', data).is_none();
        Err(too_long(error))
    }

    /// Returns a block's buffer for reuse.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.free.push(buffer);
    }

    /// Reads until at least `want` bytes are pending or the stream ends.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        while !self.eof && self.filled < want {
            if self.pending.len() == self.filled {
                // Grow geometrically from 64 KiB up to `want`, zeroing only memory the buffer
                // has never had: a small file never pays for a whole block (thousands of
                // one-row files took 6 ms each to zero 4 MiB buffers).
                let grown = (self.pending.len() * 2).clamp(1 << 16, want.max(1 << 16));
                self.pending.resize(grown.min(want.max(self.filled + 1)), 0);
            }
            let end = self.pending.len().min(want);
            match self.reader.read(&mut self.pending[self.filled..end]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn too_long(error: TooLong) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

/// Physical lines in `data`: line feeds, CRLF pairs and lone CRs (a CR-only file, as Excel for
/// Mac saves "CSV (Macintosh)", has one per line), each ending one line, as the csv crate
/// ends records. `data` must not end between the CR and the LF of a pair.
pub fn count_lines(data: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', data).count();
    let cr = memchr::memchr_iter(b'\r', data).count();
    if cr == 0 {
        return lf as u64;
    }
    let crlf = memchr::memmem::find_iter(data, b"\r\n").count();
    (lf + cr - crlf) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8], block_size: usize) -> (Vec<u8>, Vec<(String, u64)>) {
        split_with(input, block_size, Boundaries::Exact)
    }

    fn split_with(
        input: &[u8],
        block_size: usize,
        boundaries: Boundaries,
    ) -> (Vec<u8>, Vec<(String, u64)>) {
        let mut splitter = BlockSplitter::new(input, block_size, boundaries, b',');
        let header = splitter.header().unwrap().unwrap();
        // Each block's first line, as the merge in file order finds it: the line after the
        // header plus the lines of the blocks before.
        let mut line = splitter.first_body_line();
        let mut blocks = Vec::new();
        while let Some(block) = splitter.next_block().unwrap() {
            blocks.push((String::from_utf8(block.bytes().to_vec()).unwrap(), line));
            line += count_lines(block.bytes());
        }
        (header, blocks)
    }

    #[test]
    fn blocks_end_on_record_boundaries_outside_quotes() {
        let input = b"\xEF\xBB\xBFa,b\r\n1,\"x\ny\"\r\n2,\"q\"\"\n\"\n3,z\n";
        let (header, blocks) = split(input, 4);
        assert_eq!(header, b"a,b\r\n");
        let texts: Vec<&str> = blocks.iter().map(|(t, _)| t.as_str()).collect();
        // A record longer than a block makes the next block grow geometrically.
        assert_eq!(texts, ["1,\"x\ny\"\r\n", "2,\"q\"\"\n\"\n3,z\n"]);
        let lines: Vec<u64> = blocks.iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn a_cr_ends_a_record_but_never_splits_a_crlf() {
        for boundaries in [Boundaries::Exact, Boundaries::Parity] {
            let (header, blocks) = split_with(b"h\r1\r2\r\n\"a\rb\"\r3", 1, boundaries);
            assert_eq!(header, b"h\r");
            let texts: Vec<&str> = blocks.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(texts, ["1\r", "2\r\n", "\"a\rb\"\r3"], "{boundaries:?}");
            let lines: Vec<u64> = blocks.iter().map(|(_, l)| *l).collect();
            assert_eq!(lines, [2, 3, 4], "{boundaries:?}");
        }
        // After a closing quote a CR ends the record: the quote that follows opens a field.
        assert_eq!(record_ends(b"\"x\"\r\"y\nz\"\n", b',', false), Some(10));
        assert_eq!(open_quote(b"a,\"b\nc", b','), Some(1));
        assert_eq!(open_quote(b"a,\"b\"\"\"", b','), None);
        assert_eq!(count_lines(b"a\rb\r\nc\n\r"), 4);
    }

    #[test]
    fn quotes_open_fields_after_the_given_delimiter() {
        // With ';' a quote after ';' opens a field, so its line feed is inside the record.
        let input = b"a;b\n1;\"x\ny\"\n2;z\n";
        let mut splitter = BlockSplitter::new(&input[..], 4, Boundaries::Exact, b';');
        assert_eq!(splitter.header().unwrap().unwrap(), b"a;b\n");
        let mut line = splitter.first_body_line();
        let mut blocks = Vec::new();
        while let Some(block) = splitter.next_block().unwrap() {
            blocks.push((block.bytes().to_vec(), line));
            line += count_lines(block.bytes());
        }
        assert_eq!(
            blocks,
            [(b"1;\"x\ny\"\n".to_vec(), 2), (b"2;z\n".to_vec(), 4)]
        );
    }

    #[test]
    fn a_stray_quote_inside_an_unquoted_field_is_literal() {
        let (_, blocks) = split(b"h\n5\" screen,1\nnext,2\n", 3);
        let texts: Vec<&str> = blocks.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["5\" screen,1\n", "next,2\n"]);
    }

    #[test]
    fn last_record_without_newline_and_empty_inputs() {
        let (_, blocks) = split(b"h\n1\n2", 1 << 20);
        assert_eq!(blocks, [("1\n2".to_string(), 2)]);
        let mut empty = BlockSplitter::new(&b"\xEF\xBB\xBF \n"[..], 16, Boundaries::Exact, b',');
        assert!(empty.header().unwrap().is_none());
        for size in [1, 2, 16] {
            let mut blank = BlockSplitter::new(&b"\n \r\n\n"[..], size, Boundaries::Exact, b',');
            assert!(blank.header().unwrap().is_none(), "block size {size}");
            // A blank line 1 before a header is handed out as the header, for the caller to
            // refuse by name.
            let mut late =
                BlockSplitter::new(&b"\n\n  \nh\n1\n"[..], size, Boundaries::Exact, b',');
            assert_eq!(late.header().unwrap().unwrap(), b"\n", "block size {size}");
        }
    }

    #[test]
    fn any_block_size_gives_the_same_records() {
        let input = b"h,i\n\"a,\"\"b\",1\n\"multi\nline\",2\nplain,3\n";
        let (_, reference) = split(input, 1 << 20);
        let joined: String = reference.iter().map(|(t, _)| t.as_str()).collect();
        for size in 1..input.len() {
            for boundaries in [Boundaries::Exact, Boundaries::Parity] {
                let (_, blocks) = split_with(input, size, boundaries);
                let again: String = blocks.iter().map(|(t, _)| t.as_str()).collect();
                assert_eq!(again, joined, "block size {size}");
                // Every block ends where a record ends.
                for (text, _) in &blocks {
                    assert_eq!(text.matches('"').count() % 2, 0, "{text:?}");
                }
            }
        }
    }
}
