//! A fast RFC 4180 record splitter for blocks of valid UTF-8. It reads what the csv crate
//! reads (a quote opens a field only at its start, `""` inside quotes is one quote, LF or CRLF
//! ends a record, empty lines are skipped) but jumps from delimiter to delimiter with memchr
//! instead of a byte-at-a-time state machine. Anything it is not sure of (a lone CR, text after
//! a closing quote, an unterminated quote) makes it give up on the block, which then goes to
//! the csv crate: the two paths never disagree on what a record holds.

/// Where a field's text lives: in the block, or unescaped into the scratch buffer.
#[derive(Clone, Copy)]
enum Span {
    Block(usize, usize),
    Scratch(usize, usize),
}

/// One record: its first physical line, its text in the block, and its fields.
pub struct Record<'a> {
    pub line: u64,
    pub text: &'a str,
    data: &'a str,
    scratch: &'a str,
    spans: &'a [Span],
}

impl<'a> Record<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn field(&self, index: usize) -> Option<&'a str> {
        self.spans.get(index).map(|span| match *span {
            Span::Block(a, b) => &self.data[a..b],
            Span::Scratch(a, b) => &self.scratch[a..b],
        })
    }
}

/// The block is not one this splitter reads exactly; use the csv crate.
#[derive(Debug, PartialEq, Eq)]
pub struct GiveUp;

/// Calls `each` for every record of `data` (a block of whole records starting on physical line
/// `first_line`, fields separated by `delimiter`), stopping early when `each` returns true. On `Err(GiveUp)` it may already have
/// called `each` for earlier records: the caller discards what it counted and uses the csv
/// crate for the whole block.
pub fn for_each_record(
    data: &str,
    first_line: u64,
    delimiter: u8,
    mut each: impl FnMut(&Record<'_>) -> bool,
) -> Result<(), GiveUp> {
    let bytes = data.as_bytes();
    if has_lone_cr(bytes) {
        return Err(GiveUp);
    }
    let quote_free = memchr::memchr(b'"', bytes).is_none();
    let mut spans: Vec<Span> = Vec::new();
    let mut scratch = String::new();
    let mut line = first_line;
    let mut pos = 0;
    while pos < bytes.len() {
        // Empty lines are not records.
        if bytes[pos] == b'\n' {
            line += 1;
            pos += 1;
            continue;
        }
        if bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
            line += 1;
            pos += 2;
            continue;
        }
        let start = pos;
        let record_line = line;
        spans.clear();
        scratch.clear();
        pos = if quote_free {
            split_plain(data, pos, delimiter, &mut spans)
        } else {
            split_quoted(data, pos, delimiter, &mut spans, &mut scratch, &mut line)?
        };
        line += 1;
        let record = Record {
            line: record_line,
            text: data[start..pos].trim_end_matches(['\r', '\n']),
            data,
            scratch: &scratch,
            spans: &spans,
        };
        if each(&record) {
            break;
        }
    }
    Ok(())
}

fn has_lone_cr(data: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', data).count() != memchr::memmem::find_iter(data, b"\r\n").count()
}

/// Splits the quote-free record at `pos`: to the next line feed, at every delimiter. Returns
/// the position after the record.
fn split_plain(data: &str, pos: usize, delimiter: u8, spans: &mut Vec<Span>) -> usize {
    let bytes = data.as_bytes();
    let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
    let text_end = if end > pos && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    let mut field_start = pos;
    for comma in memchr::memchr_iter(delimiter, &bytes[pos..text_end]) {
        spans.push(Span::Block(field_start, pos + comma));
        field_start = pos + comma + 1;
    }
    spans.push(Span::Block(field_start, text_end));
    (end + 1).min(bytes.len())
}

/// Splits the record at `pos`, quotes and all. Returns the position after the record and
/// counts the line feeds inside quoted fields into `line`.
fn split_quoted(
    data: &str,
    mut pos: usize,
    delimiter: u8,
    spans: &mut Vec<Span>,
    scratch: &mut String,
    line: &mut u64,
) -> Result<usize, GiveUp> {
    let bytes = data.as_bytes();
    let len = bytes.len();
    loop {
        // One field starts at `pos`.
        if bytes.get(pos) == Some(&b'"') {
            let open = pos + 1;
            let mut search = open;
            let mut escaped = false;
            let close = loop {
                let quote = search + memchr::memchr(b'"', &bytes[search..]).ok_or(GiveUp)?;
                if bytes.get(quote + 1) == Some(&b'"') {
                    escaped = true;
                    search = quote + 2;
                } else {
                    break quote;
                }
            };
            *line += memchr::memchr_iter(b'\n', &bytes[open..close]).count() as u64;
            if escaped {
                // Inside a closed quoted field quotes come in pairs: keep one of each.
                let text = &data[open..close];
                let from = scratch.len();
                let mut copied = 0;
                for quote in memchr::memchr_iter(b'"', text.as_bytes()).step_by(2) {
                    scratch.push_str(&text[copied..=quote]);
                    copied = quote + 2;
                }
                scratch.push_str(&text[copied..]);
                spans.push(Span::Scratch(from, scratch.len()));
            } else {
                spans.push(Span::Block(open, close));
            }
            pos = close + 1;
            match bytes.get(pos) {
                Some(&byte) if byte == delimiter => pos += 1,
                Some(b'\n') => return Ok(pos + 1),
                Some(b'\r') if bytes.get(pos + 1) == Some(&b'\n') => return Ok(pos + 2),
                None => return Ok(pos),
                // Text after a closing quote: leave such oddities to the csv crate.
                Some(_) => return Err(GiveUp),
            }
        } else {
            match memchr::memchr3(delimiter, b'\n', b'"', &bytes[pos..]) {
                // A quote inside an unquoted field: the csv crate takes it literally, but it
                // upsets quote parity (blocks::Boundaries::Parity); leave it to the csv crate.
                Some(offset) if bytes[pos + offset] == b'"' => return Err(GiveUp),
                Some(offset) if bytes[pos + offset] == delimiter => {
                    spans.push(Span::Block(pos, pos + offset));
                    pos += offset + 1;
                }
                Some(offset) => {
                    let end = pos + offset;
                    let text_end = if end > pos && bytes[end - 1] == b'\r' {
                        end - 1
                    } else {
                        end
                    };
                    spans.push(Span::Block(pos, text_end));
                    return Ok(end + 1);
                }
                None => {
                    spans.push(Span::Block(pos, len));
                    return Ok(len);
                }
            }
        }
        if pos == len {
            // A record ending in a delimiter at the very end of the data: one empty field more.
            spans.push(Span::Block(len, len));
            return Ok(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the csv crate reads: (line, fields) per record.
    fn reference(data: &str, first_line: u64) -> Vec<(u64, Vec<String>)> {
        reference_with(data, first_line, b',')
    }

    fn reference_with(data: &str, first_line: u64, delimiter: u8) -> Vec<(u64, Vec<String>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(data.as_bytes());
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            let mut offset = record.position().unwrap().byte() as usize;
            while matches!(data.as_bytes().get(offset), Some(b'\r' | b'\n')) {
                offset += 1;
            }
            let line = first_line + data[..offset].matches('\n').count() as u64;
            out.push((line, record.iter().map(str::to_string).collect()));
        }
        out
    }

    fn ours(data: &str, first_line: u64) -> Result<Vec<(u64, Vec<String>)>, GiveUp> {
        ours_with(data, first_line, b',')
    }

    fn ours_with(
        data: &str,
        first_line: u64,
        delimiter: u8,
    ) -> Result<Vec<(u64, Vec<String>)>, GiveUp> {
        let mut out = Vec::new();
        for_each_record(data, first_line, delimiter, |record| {
            let fields = (0..record.len()).filter_map(|i| record.field(i));
            out.push((record.line, fields.map(str::to_string).collect()));
            false
        })?;
        Ok(out)
    }

    #[test]
    fn split_matches_csv_on_quotes_escapes_and_line_ends() {
        let cases = [
            "a,b\nc,d\n",
            "a,b\r\nc,d",
            "\"x,y\",\"say \"\"hi\"\"\",z\r\n\n\r\n1,\"multi\nline\",3\n",
            "a,\n,b\n,\n",
            "\"\",x\n\"\"\n",
            "NULL,0.00000080000,\"{\"\"k\"\": \"\"v\"\"}\"\n",
            "a,b,",
        ];
        for case in cases {
            assert_eq!(ours(case, 7).unwrap(), reference(case, 7), "{case:?}");
        }
    }

    #[test]
    fn split_reads_other_delimiters_as_csv_does() {
        let cases = [
            "a;b\nc;d\n",
            "\"x;y\";\"12,50\";z\r\n1;\"multi\nline\";3\n",
            "a,b;c\n;\n",
        ];
        for case in cases {
            assert_eq!(
                ours_with(case, 3, b';').unwrap(),
                reference_with(case, 3, b';')
            );
            let tabbed = case.replace(';', "\t");
            assert_eq!(
                ours_with(&tabbed, 3, b'\t').unwrap(),
                reference_with(&tabbed, 3, b'\t')
            );
        }
    }

    #[test]
    fn split_gives_up_on_what_it_does_not_read_exactly() {
        assert_eq!(ours("a\rb\n", 1), Err(GiveUp));
        assert_eq!(ours("\"ab\"cd,1\n", 1), Err(GiveUp));
        assert_eq!(ours("\"open,1\n", 1), Err(GiveUp));
        assert_eq!(ours("\"q\",5\" screen\n", 1), Err(GiveUp));
    }

    proptest! {
        #[test]
        fn split_agrees_with_the_csv_crate(
            cells in proptest::collection::vec(
                proptest::collection::vec("[a-z ,\"\r\n]{0,6}", 1..4), 0..6),
            crlf in any::<bool>(),
        ) {
            // Well-formed CSV written by the csv crate from random cells.
            let mut writer = csv::WriterBuilder::new()
                .flexible(true)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            for row in &cells {
                writer.write_record(row).unwrap();
            }
            let data = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            if let Ok(split) = ours(&data, 2) {
                prop_assert_eq!(split, reference(&data, 2));
            }
        }
    }
}
