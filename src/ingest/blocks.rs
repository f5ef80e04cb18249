//! Splits a CSV byte stream into large blocks that end on record boundaries, so that blocks
//! can be parsed in parallel. Tracks physical line numbers so errors can name the line.

use std::io::{self, Read};

/// A run of whole CSV records and the physical line its first byte is on.
pub struct Block {
    /// The buffer: the records are its first `len` bytes (the rest is stale, kept so that a
    /// recycled buffer need not be zeroed again).
    pub data: Vec<u8>,
    pub len: usize,
    pub first_line: u64,
}

impl Block {
    pub fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

/// RFC 4180 state at a byte, as the csv crate reads it: a quote only opens a field at its
/// start; inside quotes, `""` is an escaped quote.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Where records end in `data` (read from a record start, fields separated by `delimiter`):
/// the position just after the first or the last line feed that ends a record, if any.
fn record_ends(data: &[u8], delimiter: u8, stop_at_first: bool) -> Option<usize> {
    // Most exports quote nothing: then every line feed ends a record.
    if !stop_at_first && memchr::memchr(b'"', data).is_none() {
        return memchr::memrchr(b'\n', data).map(|i| i + 1);
    }
    let mut state = State::FieldStart;
    let mut last = None;
    let mut i = 0;
    while i < data.len() {
        match state {
            State::Quoted => match memchr::memchr(b'"', &data[i..]) {
                Some(offset) => {
                    i += offset;
                    state = State::QuoteInQuoted;
                }
                None => break,
            },
            _ => {
                let byte = data[i];
                state = match (state, byte) {
                    (_, b'\n') => {
                        last = Some(i + 1);
                        if stop_at_first {
                            break;
                        }
                        State::FieldStart
                    }
                    (_, byte) if byte == delimiter => State::FieldStart,
                    (State::FieldStart, b'"') => State::Quoted,
                    (State::QuoteInQuoted, b'"') => State::Quoted,
                    (State::FieldStart | State::QuoteInQuoted, b'\r') => state,
                    _ => State::Unquoted,
                };
                // Inside an unquoted field only a separator or a line feed matters: skip ahead.
                if state == State::Unquoted {
                    match memchr::memchr2(delimiter, b'\n', &data[i + 1..]) {
                        Some(offset) => i += offset,
                        None => break,
                    }
                }
            }
        }
        i += 1;
    }
    last
}

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
    while let Some(newline) = memchr::memrchr(b'\n', &data[..end]) {
        quotes_before -= memchr::memchr_iter(b'"', &data[newline..end]).count();
        if quotes_before.is_multiple_of(2) {
            return Some(newline + 1);
        }
        end = newline;
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
    next_line: u64,
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
            next_line: 1,
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
                    want += self.filled;
                    continue;
                }
            };
            if data[..end].iter().all(u8::is_ascii_whitespace) {
                return self.blank_first_line(end, want);
            }
            let header = data[..end].to_vec();
            self.consume(end);
            self.next_line += count_lines(&header);
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
                self.next_line += count_lines(&blank);
                return Ok(Some(blank));
            }
            if self.eof {
                return Ok(None);
            }
            self.filled = 0;
            self.fill(want)?;
        }
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
                        want = self.filled + self.block_size;
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
            let first_line = self.next_line;
            self.next_line += count_lines(&data[..end]);
            return Ok(Some(Block {
                data,
                len: end,
                first_line,
            }));
        }
    }

    /// Returns a block's buffer for reuse.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.free.push(buffer);
    }

    /// Reads until at least `want` bytes are pending or the stream ends.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.pending.len() < want {
            // Zeroes only memory the buffer has never had.
            self.pending.resize(want, 0);
        }
        while !self.eof && self.filled < want {
            match self.reader.read(&mut self.pending[self.filled..want]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn count_lines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
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
        let mut blocks = Vec::new();
        while let Some(block) = splitter.next_block().unwrap() {
            blocks.push((
                String::from_utf8(block.bytes().to_vec()).unwrap(),
                block.first_line,
            ));
        }
        (header, blocks)
    }

    #[test]
    fn blocks_end_on_record_boundaries_outside_quotes() {
        let input = b"\xEF\xBB\xBFa,b\r\n1,\"x\ny\"\r\n2,\"q\"\"\n\"\n3,z\n";
        let (header, blocks) = split(input, 4);
        assert_eq!(header, b"a,b\r\n");
        let texts: Vec<&str> = blocks.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["1,\"x\ny\"\r\n", "2,\"q\"\"\n\"\n", "3,z\n"]);
        let lines: Vec<u64> = blocks.iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, [2, 4, 6]);
    }

    #[test]
    fn quotes_open_fields_after_the_given_delimiter() {
        // With ';' a quote after ';' opens a field, so its line feed is inside the record.
        let input = b"a;b\n1;\"x\ny\"\n2;z\n";
        let mut splitter = BlockSplitter::new(&input[..], 4, Boundaries::Exact, b';');
        assert_eq!(splitter.header().unwrap().unwrap(), b"a;b\n");
        let mut blocks = Vec::new();
        while let Some(block) = splitter.next_block().unwrap() {
            blocks.push((block.bytes().to_vec(), block.first_line));
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
