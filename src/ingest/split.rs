//! A fast RFC 4180 record splitter for blocks of valid UTF-8. It reads what the csv crate
//! reads (a quote opens a field only at its start, `""` inside quotes is one quote, LF or CRLF
//! ends a record, empty lines are skipped) but finds field and record ends through a
//! structural index of 64-byte chunks instead of a byte-at-a-time state machine. Anything it is not sure of (a lone CR, text after
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

    #[inline]
    pub fn field(&self, index: usize) -> Option<&'a str> {
        let (text, a, b) = match *self.spans.get(index)? {
            Span::Block(a, b) => (self.data, a, b),
            Span::Scratch(a, b) => (self.scratch, a, b),
        };
        debug_assert!(text.is_char_boundary(a) && text.is_char_boundary(b) && a <= b);
        // SAFETY: a span's ends are positions of ASCII bytes (quotes, delimiters, CR, LF) or
        // the end of the text, in the block, or the ends of whole pieces of such slices pushed
        // into the scratch text: always character boundaries, and within the text.
        Some(unsafe { text.get_unchecked(a..b) })
    }
}

/// The block is not one this splitter reads exactly; use the csv crate.
#[derive(Debug, PartialEq, Eq)]
pub struct GiveUp;

/// Calls `each` for every record of `data` (a block of whole records starting on physical line
/// `first_line`, fields separated by `delimiter`), stopping early when `each` returns true.
/// Returns how many physical lines the block holds (its line feeds, which the index finds
/// anyway: no CR stands alone in a block read here), counted up to where `each` stopped. On
/// `Err(GiveUp)` it may already have called `each` for earlier records: the caller discards
/// what it counted and uses the csv crate for the whole block.
///
/// The block is read through a structural index, 64 bytes at a time: bitmaps of its quotes,
/// delimiters, line feeds and carriage returns, and (by a prefix XOR of the quote bitmap) of the
/// bytes inside quotes. Delimiters and line feeds outside quotes are the field and record ends;
/// the fields between them are sliced without looking at their bytes again. The same bitmaps
/// check that every quote is one the csv crate reads as this splitter does (a field's opening
/// or closing quote, or half of an escaped pair) and that no CR stands alone.
pub fn for_each_record(
    data: &str,
    first_line: u64,
    delimiter: u8,
    mut each: impl FnMut(&Record<'_>) -> bool,
) -> Result<u64, GiveUp> {
    let bytes = data.as_bytes();
    // Spans end at delimiters: an ASCII one keeps them on character boundaries.
    if matches!(delimiter, b'"' | b'\n' | b'\r') || !delimiter.is_ascii() {
        return Err(GiveUp);
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut scratch = String::new();
    // Escaped pairs (`""` inside quotes), by the position of their first quote: rare, so
    // found as the index goes and checked only for quoted fields.
    let mut pairs: Vec<usize> = Vec::new();
    let mut next_pair = 0;
    let mut carry = Carry::default();
    let mut lines_before_chunk = 0u64;
    let (mut record_start, mut field_start) = (0usize, 0usize);
    let mut record_line = first_line;
    let mut chunk = [0u8; 64];
    let mut base = 0;
    while base < bytes.len() {
        let bits = if base + 64 <= bytes.len() {
            Masks::of(&bytes[base..base + 64], delimiter)
        } else {
            // The last, partial chunk: padded, and its padding masked off.
            let tail = bytes.len() - base;
            chunk.fill(0);
            chunk[..tail].copy_from_slice(&bytes[base..]);
            Masks::of(&chunk, delimiter).keep(tail)
        };
        let structure = carry.advance(&bits).ok_or(GiveUp)?;
        if structure.pair_before {
            pairs.push(base - 1);
        }
        let mut pair_bits = structure.pairs;
        while pair_bits != 0 {
            pairs.push(base + pair_bits.trailing_zeros() as usize);
            pair_bits &= pair_bits - 1;
        }
        let mut ends = structure.delimiters | structure.line_feeds;
        while ends != 0 {
            let bit = ends.trailing_zeros();
            ends &= ends - 1;
            let at = base + bit as usize;
            if structure.line_feeds & (1 << bit) == 0 {
                push_field(
                    data,
                    field_start,
                    at,
                    &pairs,
                    &mut next_pair,
                    &mut spans,
                    &mut scratch,
                );
                field_start = at + 1;
                continue;
            }
            // A record ends at `at`; an empty line is no record.
            let text_end = if at > field_start && bytes[at - 1] == b'\r' {
                at - 1
            } else {
                at
            };
            if !(spans.is_empty() && text_end == record_start) {
                push_field(
                    data,
                    field_start,
                    text_end,
                    &pairs,
                    &mut next_pair,
                    &mut spans,
                    &mut scratch,
                );
                let record = Record {
                    line: record_line,
                    text: &data[record_start..text_end],
                    data,
                    scratch: &scratch,
                    spans: &spans,
                };
                if each(&record) {
                    return Ok(lines_before_chunk);
                }
                spans.clear();
                scratch.clear();
            }
            record_start = at + 1;
            field_start = at + 1;
            let below = if bit == 63 { !0 } else { (2u64 << bit) - 1 };
            record_line =
                first_line + lines_before_chunk + u64::from((bits.line_feeds & below).count_ones());
        }
        lines_before_chunk += u64::from(bits.line_feeds.count_ones());
        base += 64;
    }
    if !carry.finished() {
        return Err(GiveUp);
    }
    if record_start < bytes.len() {
        // The last record, without a line end.
        push_field(
            data,
            field_start,
            bytes.len(),
            &pairs,
            &mut next_pair,
            &mut spans,
            &mut scratch,
        );
        let record = Record {
            line: record_line,
            text: &data[record_start..],
            data,
            scratch: &scratch,
            spans: &spans,
        };
        each(&record);
    }
    Ok(lines_before_chunk)
}

/// Adds the field `data[start..end]` (quotes and all) to `spans`: a quoted field without its
/// quotes, unescaped into `scratch` when an escaped pair lies inside it. The index has checked
/// that a field either holds no quote or opens with one and closes with one at `end - 1`.
#[inline(always)]
fn push_field(
    data: &str,
    start: usize,
    end: usize,
    pairs: &[usize],
    next_pair: &mut usize,
    spans: &mut Vec<Span>,
    scratch: &mut String,
) {
    let bytes = data.as_bytes();
    if start == end || bytes[start] != b'"' {
        spans.push(Span::Block(start, end));
        return;
    }
    let (open, close) = (start + 1, end - 1);
    if pairs.get(*next_pair).is_none_or(|&pair| pair >= close) {
        spans.push(Span::Block(open, close));
        return;
    }
    unescape(data, open, close, pairs, next_pair, spans, scratch);
}

/// Adds the quoted field `data[open..close]`, which holds escaped pairs, keeping one quote of
/// each pair.
#[inline(never)]
fn unescape(
    data: &str,
    open: usize,
    close: usize,
    pairs: &[usize],
    next_pair: &mut usize,
    spans: &mut Vec<Span>,
    scratch: &mut String,
) {
    let from = scratch.len();
    let mut copied = open;
    while let Some(&pair) = pairs.get(*next_pair).filter(|&&pair| pair < close) {
        scratch.push_str(&data[copied..=pair]);
        copied = pair + 2;
        *next_pair += 1;
    }
    scratch.push_str(&data[copied..close]);
    spans.push(Span::Scratch(from, scratch.len()));
}

/// Bitmaps of one 64-byte chunk: bit i stands for byte i.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Masks {
    quotes: u64,
    delimiters: u64,
    line_feeds: u64,
    returns: u64,
}

impl Masks {
    /// The bitmaps of `chunk` (64 bytes).
    fn of(chunk: &[u8], delimiter: u8) -> Masks {
        #[cfg(target_arch = "x86_64")]
        {
            // SSE2 is part of x86_64: no run-time detection needed.
            sse2::masks(chunk, delimiter)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Masks::portable(chunk, delimiter)
        }
    }

    /// The same bitmaps with plain u64 arithmetic, eight bytes at a time (SWAR).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn portable(chunk: &[u8], delimiter: u8) -> Masks {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const ONES: u64 = 0x0101_0101_0101_0101;
        /// The high bit of each byte of `word` that equals the byte in `splat`, gathered into
        /// the low eight bits (byte 0 to bit 0).
        fn equal(word: u64, splat: u64) -> u64 {
            let x = word ^ splat;
            // The high bit of a byte is set when the byte is zero, exactly (no borrow between
            // bytes, unlike the subtraction trick).
            let zero = !(((x & LOW7) + LOW7) | x | LOW7);
            // Gather the eight high bits into one byte.
            (zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
        }
        let mut masks = Masks::default();
        for (i, word) in chunk.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            let shift = 8 * i;
            masks.quotes |= equal(word, ONES * u64::from(b'"')) << shift;
            masks.delimiters |= equal(word, ONES * u64::from(delimiter)) << shift;
            masks.line_feeds |= equal(word, ONES * u64::from(b'\n')) << shift;
            masks.returns |= equal(word, ONES * u64::from(b'\r')) << shift;
        }
        masks
    }

    /// Only the first `len` bytes (of a padded last chunk).
    fn keep(self, len: usize) -> Masks {
        let keep = if len >= 64 { !0 } else { (1u64 << len) - 1 };
        Masks {
            quotes: self.quotes & keep,
            delimiters: self.delimiters & keep,
            line_feeds: self.line_feeds & keep,
            returns: self.returns & keep,
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::Masks;
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };

    pub(super) fn masks(chunk: &[u8], delimiter: u8) -> Masks {
        assert!(chunk.len() >= 64);
        // SAFETY: SSE2 is always available on x86_64; the four unaligned 16-byte loads read
        // `chunk[0..64]`, which the assertion above keeps in bounds.
        unsafe {
            let ptr = chunk.as_ptr().cast::<__m128i>();
            let lanes = [
                _mm_loadu_si128(ptr),
                _mm_loadu_si128(ptr.add(1)),
                _mm_loadu_si128(ptr.add(2)),
                _mm_loadu_si128(ptr.add(3)),
            ];
            let find = |byte: u8| {
                let splat = _mm_set1_epi8(byte as i8);
                let mut bits = 0u64;
                for (i, lane) in lanes.iter().enumerate() {
                    let equal = _mm_movemask_epi8(_mm_cmpeq_epi8(*lane, splat)) as u32 as u64;
                    bits |= (equal & 0xffff) << (16 * i);
                }
                bits
            };
            Masks {
                quotes: find(b'"'),
                delimiters: find(delimiter),
                line_feeds: find(b'\n'),
                returns: find(b'\r'),
            }
        }
    }
}

/// The structure of one chunk: delimiters and line feeds outside quotes, and escaped pairs.
struct Structure {
    delimiters: u64,
    line_feeds: u64,
    /// The first quote of each `""` inside a quoted field.
    pairs: u64,
    /// The last byte of the previous chunk is the first quote of such a pair.
    pair_before: bool,
}

/// What one chunk hands the next.
#[derive(Default)]
struct Carry {
    /// The last byte of the previous chunk is inside quotes (or is an opening quote).
    inside: bool,
    /// The last byte of the previous chunk is a closing quote, whose follower is not yet known.
    closing: bool,
    /// The last byte of the previous chunk is a CR, which needs an LF next.
    cr: bool,
    /// The last byte of the previous chunk may precede an opening quote (a structural
    /// delimiter or line feed, or a quote); true at the start of the block.
    may_open: bool,
    /// At least one chunk was read.
    started: bool,
}

/// Bit i set when an odd number of bits at or below i are set in `x`.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

impl Carry {
    /// The structure of the next chunk, or `None` when a quote or a CR is one that the csv
    /// crate reads otherwise than this splitter.
    fn advance(&mut self, bits: &Masks) -> Option<Structure> {
        if !self.started {
            self.started = true;
            self.may_open = true;
        }
        let inside = prefix_xor(bits.quotes) ^ if self.inside { !0 } else { 0 };
        let opening = bits.quotes & inside;
        let closing = bits.quotes & !inside;
        let delimiters = bits.delimiters & !inside;
        let line_feeds = bits.line_feeds & !inside;
        // A CR must be followed by an LF (inside quotes too: a lone CR makes the csv crate's
        // line count differ).
        let lone_cr = bits.returns & !(bits.line_feeds >> 1) & !(1 << 63);
        if lone_cr != 0 || (self.cr && bits.line_feeds & 1 == 0) {
            return None;
        }
        // An opening quote starts a field or is the second half of an escaped pair.
        let before_open = ((delimiters | line_feeds | bits.quotes) << 1) | u64::from(self.may_open);
        if opening & !before_open != 0 {
            return None;
        }
        // A closing quote ends a field or is the first half of an escaped pair.
        let after_close = delimiters | line_feeds | bits.returns | bits.quotes;
        if self.closing && after_close & 1 == 0 {
            return None;
        }
        if closing & !(after_close >> 1) & !(1 << 63) != 0 {
            return None;
        }
        // Escaped pairs: a closing quote followed by an opening one, maybe across chunks.
        let pair_before = self.closing && opening & 1 == 1;
        self.inside = inside >> 63 == 1;
        self.closing = closing >> 63 == 1;
        self.cr = bits.returns >> 63 == 1;
        self.may_open = (delimiters | line_feeds | bits.quotes) >> 63 == 1;
        Some(Structure {
            delimiters,
            line_feeds,
            pairs: closing & (opening >> 1),
            pair_before,
        })
    }

    /// The block ended outside quotes and without a lone CR.
    fn finished(&self) -> bool {
        !self.inside && !self.cr
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
        let lines = for_each_record(data, first_line, delimiter, |record| {
            let fields = (0..record.len()).filter_map(|i| record.field(i));
            out.push((record.line, fields.map(str::to_string).collect()));
            false
        })?;
        // The block's lines, as the reading thread used to count them for every block.
        assert_eq!(
            lines,
            crate::ingest::blocks::count_lines(data.as_bytes()),
            "{data:?}"
        );
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

    #[test]
    fn quotes_pairs_and_line_ends_across_chunk_boundaries() {
        // Each case after fillers of every length, so that each of its bytes meets a 64-byte
        // chunk boundary: a quote, an escaped pair, a CRLF or a delimiter split across chunks.
        let cases = [
            "\"a\"\"b\",\"\"\"\"\r\n\"x\ny\",2\n",
            "\"\",\"\"\"\",z\r\n\r\n,\n",
            "plain,\"quoted, with comma\",\"esc \"\"q\"\"\"\r\n",
        ];
        for case in cases {
            for fill in 0..140 {
                let data = format!("{},{}\n{case}", "f".repeat(fill), "g".repeat(fill % 7));
                assert_eq!(ours(&data, 3).unwrap(), reference(&data, 3), "{data:?}");
            }
        }
        for bad in [
            "\"ab\"cd,1\n",
            "x,5\" screen\n",
            "a\rb\n",
            "\"open,1\n",
            "a,b\r",
        ] {
            for fill in 0..140 {
                let data = format!("{}\n{bad}", "f".repeat(fill));
                assert_eq!(ours(&data, 1), Err(GiveUp), "{data:?}");
            }
        }
    }

    #[test]
    fn portable_masks_agree_with_sse2() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"\",;\r\n\tab\x00\xff\x7f\x80";
        for _ in 0..2000 {
            let chunk: Vec<u8> = (0..64)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for delimiter in [b',', b';', b'\t', 0] {
                let portable = Masks::portable(&chunk, delimiter);
                let bit = |byte: u8| -> u64 {
                    (0..64)
                        .filter(|&i| chunk[i] == byte)
                        .map(|i| 1u64 << i)
                        .sum()
                };
                assert_eq!(portable.quotes, bit(b'"'));
                assert_eq!(portable.delimiters, bit(delimiter));
                assert_eq!(portable.line_feeds, bit(b'\n'));
                assert_eq!(portable.returns, bit(b'\r'));
                #[cfg(target_arch = "x86_64")]
                assert_eq!(sse2::masks(&chunk, delimiter), portable);
            }
        }
    }

    #[test]
    fn prefix_xor_marks_the_bytes_after_an_odd_count() {
        assert_eq!(prefix_xor(0), 0);
        assert_eq!(prefix_xor(0b1001), 0b0111);
        assert_eq!(prefix_xor(1 << 63), 1 << 63);
        assert_eq!(prefix_xor(1), !0);
    }

    proptest! {
        #[test]
        fn any_bytes_split_as_the_csv_crate_or_give_up(
            text in "[a\",\r\n]{0,200}",
        ) {
            // Stray quotes, lone CRs, text after closing quotes: whatever is not given up on
            // must be read as the csv crate reads it.
            if let Ok(split) = ours(&text, 5) {
                prop_assert_eq!(split, reference(&text, 5));
            }
        }

        #[test]
        fn split_agrees_with_the_csv_crate_on_long_records(
            cells in proptest::collection::vec(
                proptest::collection::vec("[a-z ,\"\r\n]{0,40}", 1..6), 0..12),
            crlf in any::<bool>(),
        ) {
            let mut writer = csv::WriterBuilder::new()
                .flexible(true)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            for row in &cells {
                writer.write_record(row).unwrap();
            }
            let data = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            if !data.contains('\r') || crlf && !data.replace("\r\n", "").contains('\r') {
                prop_assert_eq!(ours(&data, 2).unwrap(), reference(&data, 2));
            }
        }
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
