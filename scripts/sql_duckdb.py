"""Runs a `tally sql --dialect duckdb` query over one FOCUS CSV and writes the result as CSV.

usage: sql_duckdb.py QUERY.sql INPUT.csv OUTPUT.csv [DELIMITER]
       sql_duckdb.py QUERY.sql - OUTPUT.csv

The CSV is read with every column as text (read_csv(..., all_varchar=true)) into a view
named `focus`, which the query names with `--table focus`. With `-` for the input the query
reads its own source (`tally sql --dataset DIR` names the Parquet files). Used by
tests/sql.rs and scripts/sql-check.sh.
"""
import sys

import duckdb


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    query_path, input_path, output_path = sys.argv[1:4]
    delimiter = sys.argv[4] if len(sys.argv) > 4 else ","
    query = open(query_path, encoding="utf-8").read().strip().rstrip(";")
    con = duckdb.connect()
    if input_path != "-":
        con.execute(
            f"CREATE VIEW focus AS SELECT * FROM read_csv({quote(input_path)}, all_varchar = true, "
            f"header = true, delim = {quote(delimiter)})"
        )
    con.execute(f"COPY ({query}) TO {quote(output_path)} (FORMAT csv, HEADER true)")


if __name__ == "__main__":
    main()
