#!/usr/bin/env bash
# Renders a report.html in headless Chromium and fails when the page shows nothing.
#
#   scripts/browser-check.sh [REPORT_DIR] [SCREENSHOT.png]
#
# Without REPORT_DIR it builds tally and makes the fixture report first. Installs nothing:
# it needs /usr/bin/chromium (Debian: apt-get install chromium) and python3, and skips with
# exit 0 and a message when Chromium is absent, unless BROWSER_CHECK_REQUIRED=1.
# Checks: the page has inline <svg> charts and no external reference, and the screenshot is
# not blank (many distinct colours, and some of the chart colours). Then the print layout:
# Chromium prints the page to PDF (--print-to-pdf) and the page count must be between 2 and
# MAX_PAGES (default 8; the fixture report prints on 4 landscape pages). Pages are counted
# with pdfinfo (poppler-utils) when installed, else by the "/Type /Page" objects of the PDF.
# Last, the PNG and the SVG of the daily chart must agree: Chromium draws the SVG at 1200x600
# and at most 4% of its pixels may differ from tally's PNG by more than 96 in a channel
# (text antialiasing differs; a misplaced glyph, bar or label does not pass).
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-}"
shot="${2:-}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    if [[ "${BROWSER_CHECK_REQUIRED:-0}" == 1 ]]; then
        echo "browser-check: $chromium not found" >&2
        exit 1
    fi
    echo "browser-check: skipped, $chromium not found (apt-get install chromium)"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ -z "$dir" ]]; then
    dir="$work/report"
    cargo run --quiet --release -- report fixtures/console --month 2026-10 \
        --as-of 2026-11-02T10:30Z --by service --out "$dir" --quiet >/dev/null
fi
html="$dir/report.html"
shot="${shot:-$work/report.png}"
[[ -f "$html" ]] || { echo "browser-check: $html not found" >&2; exit 1; }

svgs=$(grep -c '<svg' "$html" || true)
if [[ "$svgs" -lt 1 ]]; then
    echo "browser-check: $html has no inline chart" >&2
    exit 1
fi
if grep -Eq '(src|href)="(https?:)?//|<link |<script|@import|url\(' "$html"; then
    echo "browser-check: $html makes an external request" >&2
    exit 1
fi

# A bounded run: Chromium has no network to reach and must not hang CI.
timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$work/profile" --hide-scrollbars \
    --screenshot="$shot" --window-size=1280,2000 "file://$(realpath "$html")" \
    >"$work/chromium.log" 2>&1 || { cat "$work/chromium.log" >&2; exit 1; }
[[ -s "$shot" ]] || { echo "browser-check: no screenshot" >&2; exit 1; }

# Decode the PNG with the standard library only and count colours.
python3 - "$shot" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8, "unexpected bit depth"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
channels = {2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = width * channels
prev = bytearray(stride)
colours = set()
for y in range(height):
    row = raw[y * (stride + 1):(y + 1) * (stride + 1)]
    kind, line = row[0], bytearray(row[1:])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = prev[i]
        c = prev[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + a) & 255
        elif kind == 2: line[i] = (line[i] + b) & 255
        elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 2 == 0:
        for x in range(0, width, 2):
            colours.add(bytes(line[x * channels:x * channels + 3]))
chart_colours = {bytes(c) for c in [(0, 114, 178), (230, 159, 0), (86, 180, 233)]}
found = len(chart_colours & colours)
print(f"browser-check: {width}x{height} screenshot, {len(colours)} distinct colours, "
      f"{found}/3 chart colours")
if len(colours) < 16:
    sys.exit("browser-check: the screenshot is blank")
if found < 2:
    sys.exit("browser-check: no visible chart in the screenshot")
PY

pdf="$work/report.pdf"
timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$work/profile" --no-pdf-header-footer \
    --print-to-pdf="$pdf" "file://$(realpath "$html")" \
    >"$work/chromium-pdf.log" 2>&1 || { cat "$work/chromium-pdf.log" >&2; exit 1; }
[[ -s "$pdf" ]] || { echo "browser-check: no PDF" >&2; exit 1; }
if command -v pdfinfo >/dev/null; then
    pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
else
    pages=$(grep -a -o -E '/Type ?/Page([^s]|$)' "$pdf" | wc -l)
fi
max_pages="${MAX_PAGES:-8}"
echo "browser-check: printed to $pages page(s) (bound 2..$max_pages)"
if [[ "$pages" -lt 2 || "$pages" -gt "$max_pages" ]]; then
    echo "browser-check: the printed report has $pages pages, expected 2 to $max_pages" >&2
    exit 1
fi

svg_shot="$work/chart-daily-svg.png"
timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$work/profile" --hide-scrollbars \
    --screenshot="$svg_shot" --window-size=1200,600 "file://$(realpath "$dir/chart-daily.svg")" \
    >"$work/chromium-svg.log" 2>&1 || { cat "$work/chromium-svg.log" >&2; exit 1; }
python3 - "$svg_shot" "$dir/chart-daily.png" <<'PY'
import struct, sys, zlib
def decode(path):
    data = open(path, "rb").read()
    pos, idat, palette = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"PLTE":
            palette = [body[i:i + 3] for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 3: 1, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), width * channels
    prev, rows = bytearray(stride), []
    for y in range(height):
        row = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, line = row[0], bytearray(row[1:])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if ctype == 3:
            rows.append([bytes(palette[v]) for v in line])
        else:
            rows.append([bytes(line[x * channels:x * channels + 3]) for x in range(width)])
    return width, height, rows
w1, h1, svg = decode(sys.argv[1])
w2, h2, png = decode(sys.argv[2])
assert (w1, h1) == (w2, h2) == (1200, 600), f"sizes {w1}x{h1} and {w2}x{h2}"
differ = sum(1 for y in range(600) for x in range(1200)
             if max(abs(a - b) for a, b in zip(svg[y][x], png[y][x])) > 96)
share = differ / (1200 * 600)
print(f"browser-check: PNG and SVG of chart-daily differ in {share:.2%} of pixels")
if share > 0.04:
    sys.exit("browser-check: the PNG does not show what the SVG shows")
PY
echo "browser-check: ok ($shot)"
