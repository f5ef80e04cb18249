#!/usr/bin/env bash
# Installs DuckDB (from PyPI) into .venv-sql and runs the `tally sql` equality checks: the
# emitted DuckDB query, run over the FOCUS fixtures and over the Parquet datasets `tally export`
# writes from them (`tally sql --dataset`), must give the bytes of `tally report --format csv`
# (tests/sql.rs: sql_*). With TALLY_SQL_PYTHON set the tests fail, never
# skip, when that Python lacks duckdb. If duckdb cannot be installed (no network), the check
# is skipped loudly, as CI's browser check is, unless SQL_CHECK_REQUIRED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv-sql/bin/python -c "import duckdb" 2>/dev/null; then
  if ! { python3 -m venv .venv-sql && .venv-sql/bin/pip install --quiet duckdb; } \
      >/tmp/tally-sql-pip.log 2>&1; then
    echo "sql-check: could not install duckdb (see /tmp/tally-sql-pip.log); DuckDB check skipped"
    [ "${SQL_CHECK_REQUIRED:-0}" = 1 ] && exit 1
    exit 0
  fi
fi
TALLY_SQL_PYTHON="$PWD/.venv-sql/bin/python" cargo test --locked --test tests sql_
