// Package duckdbtest runs SQL with DuckDB, an independent Parquet reader,
// for tests that check trace files. It does not import traces, so that the
// internal tests of package traces can use it.
package duckdbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Query runs sql with DuckDB through tools/duckdb/query.mjs (the path is
// relative to a package directory one level below the module root) and
// returns the rows. It skips the test when node or the npm module is missing.
func Query(t *testing.T, sql string) []map[string]any {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "tools", "duckdb", "query.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	const hint = "DuckDB not installed: run `npm ci --prefix tools/duckdb` (the CI does)"
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip(hint + "; node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skip(hint)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("node", script, sql)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("duckdb %q: %v\n%s", sql, err, stderr.String())
	}
	var rows []map[string]any
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return rows
}

// QueryOrNil is Query without skipping: nil when DuckDB is missing (it runs
// Query in a subtest "duckdb", which is the one skipped).
func QueryOrNil(t *testing.T, sql string) (rows []map[string]any) {
	t.Helper()
	ok := t.Run("duckdb", func(t *testing.T) { rows = Query(t, sql) })
	if !ok {
		t.FailNow()
	}
	return rows
}

// Num converts a DuckDB JSON value (number, or string for BIGINT/HUGEINT)
// to float64.
func Num(t *testing.T, v any) float64 {
	t.Helper()
	s := fmt.Sprint(v)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

// SQLPath quotes a file path for a SQL string literal.
func SQLPath(p string) string { return strings.ReplaceAll(filepath.ToSlash(p), "'", "''") }
