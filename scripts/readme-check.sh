#!/usr/bin/env bash
# Checks that the documentation is true of the repository:
#
#   scripts/readme-check.sh [--links-only]
#
# 1. Links: every relative link in README.md, ARCHITECTURE.md, docs/*.md and the READMEs under
#    fixtures/ and reports/ names a file of the repository, and every #anchor a heading of
#    that file. No file refers to anything outside the repository.
# 2. Runnable blocks: each fenced block that follows a `<!-- runnable -->` line in README.md or
#    docs/*.md is run, command by command (a line ending in `\` goes on; `#` lines are
#    comments). A command ending in `# exit N` must exit N, any other must exit 0.
#    - `tally …` commands run in a fresh temporary folder holding a copy of fixtures/, with
#      the release binary on PATH as `tally` (TALLY_BIN overrides it);
#    - `cargo run …` runs in the repository (it reuses the release build; its --out folder is
#      under reports/, which git ignores);
#    - `cargo test …` is not run here: it must be the command .ci/run runs next.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - <<'PY'
import os, re, subprocess, sys

files = ["README.md", "ARCHITECTURE.md"]
files += sorted("docs/" + f for f in os.listdir("docs") if f.endswith(".md"))
for root, _, names in os.walk("fixtures"):
    files += sorted(os.path.join(root, n) for n in names if n == "README.md")
files.append("reports/README.md")
files = [f for f in files if os.path.isfile(f)]

def slug(heading):
    text = re.sub(r"`|\*\*|\*|\[([^]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")

def anchors(path):
    seen, out, fenced = {}, set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not line.startswith("#"):
            continue
        base = slug(line.lstrip("#"))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out

errors = []
link = re.compile(r"\]\(([^)\s]+)\)")
for path in files:
    fenced = False
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        for target in link.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if not os.path.exists(resolved):
                errors.append(f"{path}:{number}: link to {target}: {resolved} does not exist")
            elif not resolved.startswith(".."):
                if anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                    errors.append(f"{path}:{number}: link to {target}: no heading #{anchor} in {resolved}")
            else:
                errors.append(f"{path}:{number}: link to {target} leaves the repository")

# Nothing may refer to files outside the repository.
tracked = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True).stdout
outside = re.compile(r"\.\./shared|DESIGN\.md")
for name in tracked.decode().split("\0"):
    if not name or name == "scripts/readme-check.sh" or not os.path.isfile(name):
        continue
    try:
        text = open(name, encoding="utf-8").read()
    except (UnicodeDecodeError, OSError):
        continue
    for number, line in enumerate(text.splitlines(), 1):
        if outside.search(line):
            errors.append(f"{name}:{number}: refers to a file outside the repository: {line.strip()}")

for error in errors:
    print(f"readme-check: {error}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"readme-check: links of {len(files)} files checked")
PY

[[ "${1:-}" == "--links-only" ]] && exit 0

# The commands of the runnable blocks, one per line as: FILE:LINE<TAB>command (NULs inside).
commands="$(python3 - <<'PY'
import os
files = ["README.md"] + sorted("docs/" + f for f in os.listdir("docs") if f.endswith(".md"))
for path in files:
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "<!-- runnable -->":
            i += 1
            assert lines[i].startswith("```"), f"{path}:{i+1}: <!-- runnable --> must precede a code block"
            i += 1
            current, start = [], None
            while not lines[i].startswith("```"):
                line = lines[i]
                if current or (line.strip() and not line.lstrip().startswith("#")):
                    if not current:
                        start = i + 1
                    current.append(line)
                    if not line.endswith("\\"):
                        print(f"{path}:{start}\t" + "\x01".join(current))
                        current = []
                i += 1
        i += 1
PY
)"
if [[ -z "$commands" ]]; then
    echo "readme-check: no runnable block found" >&2
    exit 1
fi

bin="${TALLY_BIN:-}"
if [[ -z "$bin" ]]; then
    cargo build --release --locked --quiet
    bin="$PWD/target/release/tally"
fi
bindir="$(mktemp -d)"
trap 'rm -rf "$bindir"' EXIT
ln -s "$(realpath "$bin")" "$bindir/tally"

failed=0
count=0
while IFS=$'\t' read -r place command; do
    command="${command//$'\x01'/$'\n'}"
    expected=0
    if [[ "$command" =~ \#\ exit\ ([0-9]+)[[:space:]]*$ ]]; then
        expected="${BASH_REMATCH[1]}"
    fi
    case "$command" in
        "cargo test"*)
            if ! grep -qxF "$command" .ci/run; then
                echo "readme-check: $place: \`$command\` is not the test command .ci/run runs" >&2
                failed=1
            fi
            continue ;;
        "cargo run"*) dir="$PWD" ;;
        tally*)
            dir="$(mktemp -d -p "$bindir")"
            cp -r fixtures "$dir/fixtures" ;;
        *)
            echo "readme-check: $place: a runnable command must start with tally or cargo: $command" >&2
            failed=1
            continue ;;
    esac
    count=$((count + 1))
    set +e
    (cd "$dir" && PATH="$bindir:$PATH" bash -c "$command") </dev/null >"$bindir/out" 2>"$bindir/err"
    code=$?
    set -e
    if [[ "$code" != "$expected" ]]; then
        echo "readme-check: $place: exit $code, expected $expected: $command" >&2
        tail -n 20 "$bindir/err" >&2
        failed=1
    fi
done <<<"$commands"

if [[ "$failed" != 0 ]]; then
    exit 1
fi
echo "readme-check: $count commands of the runnable blocks ran as documented"
