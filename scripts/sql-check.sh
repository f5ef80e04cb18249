#!/bin/sh
# Installs DuckDB (from PyPI) into .venv-sql and runs the `tally sql` equality checks: the
# emitted DuckDB query, run over the FOCUS fixtures, must give the bytes of
# `tally report --format csv` (tests/sql.rs). Without duckdb those tests skip with a notice.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv-sql/bin/python ]; then
    python3 -m venv .venv-sql
fi
if ! .venv-sql/bin/python -c "import duckdb" 2>/dev/null; then
    .venv-sql/bin/pip install --quiet duckdb
fi
TALLY_SQL_PYTHON="$PWD/.venv-sql/bin/python" cargo test --locked --test tests sql_ -- --nocapture
