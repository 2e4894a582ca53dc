package traces

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/internal/duckdbtest"
)

func TestDuckDBFlat(t *testing.T) {
	const seed = 21
	tr := newTestRun(seed, 2000)
	dir := t.TempDir()
	tr.record(t, dir, allTables(Options{RowGroupRows: 2000}), -1)
	sp := duckdbtest.SQLPath(filepath.Join(dir, "spikes.parquet"))

	rows := duckdbtest.Query(t, fmt.Sprintf(`SELECT population, count(*) AS n, sum(step) AS ss, sum(neuron) AS sn
		FROM read_parquet('%s') GROUP BY population ORDER BY population`, sp))
	want := tr.SpikeSums()
	if len(rows) != len(want) {
		t.Fatalf("DuckDB sees %d populations, want %d: %v", len(rows), len(want), rows)
	}
	for _, r := range rows {
		w := want[fmt.Sprint(r["population"])]
		got := [3]int64{int64(duckdbtest.Num(t, r["n"])), int64(duckdbtest.Num(t, r["ss"])), int64(duckdbtest.Num(t, r["sn"]))}
		if got != w {
			t.Errorf("population %v: DuckDB (count, sum step, sum neuron) = %v, writer was given %v (seed %d)", r["population"], got, w, seed)
		}
	}

	// Row order: (step, population index, neuron) in file order.
	rows = duckdbtest.Query(t, fmt.Sprintf(`SELECT count(*) AS bad FROM (
		SELECT step, CASE population WHEN 'E' THEN 0 ELSE 1 END AS p, neuron,
		       lag(step) OVER w AS s0, lag(CASE population WHEN 'E' THEN 0 ELSE 1 END) OVER w AS p0, lag(neuron) OVER w AS n0
		FROM read_parquet('%s', file_row_number=true) WINDOW w AS (ORDER BY file_row_number))
		WHERE s0 IS NOT NULL AND (step, p, neuron) <= (s0, p0, n0)`, sp))
	if bad := duckdbtest.Num(t, rows[0]["bad"]); bad != 0 {
		t.Errorf("DuckDB finds %v rows out of (step, population, neuron) order", bad)
	}

	// Metadata.
	rows = duckdbtest.Query(t, fmt.Sprintf(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('%s')`, sp))
	kv := map[string]string{}
	for _, r := range rows {
		kv[fmt.Sprint(r["k"])] = fmt.Sprint(r["v"])
	}
	if kv[KeyStatus] != StatusComplete || kv[KeyLastStep] != "1999" || kv[KeyDtMS] != "0.1" || kv[KeySpec] != tr.meta.Spec ||
		kv[KeyTable] != TableSpikes || !strings.Contains(kv[KeyPopulations], `"identity":"inhibitory"`) {
		t.Errorf("DuckDB reads metadata %v", kv)
	}

	// Weights, states, rates.
	var nw, nneg int
	var sumw float64
	for _, s := range tr.Weights {
		for _, w := range s.W {
			nw++
			sumw += float64(w)
			if tr.meta.Projections[s.Proj].Sign < 0 {
				nneg++
			}
		}
	}
	rows = duckdbtest.Query(t, fmt.Sprintf(`SELECT count(*) AS n, sum(weight::DOUBLE) AS sw, count(*) FILTER (WHERE sign = -1) AS neg,
		count(DISTINCT projection) AS np FROM read_parquet('%s')`, duckdbtest.SQLPath(filepath.Join(dir, "weights.parquet"))))
	if r := rows[0]; int(duckdbtest.Num(t, r["n"])) != nw || int(duckdbtest.Num(t, r["neg"])) != nneg || duckdbtest.Num(t, r["np"]) != 4 ||
		math.Abs(duckdbtest.Num(t, r["sw"])-sumw) > 1e-6*sumw {
		t.Errorf("DuckDB weights %v, want n=%d neg=%d sum=%v", r, nw, nneg, sumw)
	}
	rows = duckdbtest.Query(t, fmt.Sprintf(`SELECT var, count(*) AS n, max(t_ms) AS tmax FROM read_parquet('%s') GROUP BY var ORDER BY var`,
		duckdbtest.SQLPath(filepath.Join(dir, "states.parquet"))))
	if len(rows) != 2 || rows[0]["var"] != "i_syn" || duckdbtest.Num(t, rows[0]["n"]) != 400 || duckdbtest.Num(t, rows[1]["n"]) != 1200 ||
		math.Abs(duckdbtest.Num(t, rows[1]["tmax"])-199) > 1e-9 {
		t.Errorf("DuckDB states %v", rows)
	}
	rows = duckdbtest.Query(t, fmt.Sprintf(`SELECT count(*) AS n, max(rate_hz) AS mx FROM read_parquet('%s')`, duckdbtest.SQLPath(filepath.Join(dir, "rates.parquet"))))
	if duckdbtest.Num(t, rows[0]["n"]) != 400 || duckdbtest.Num(t, rows[0]["mx"]) != 200 {
		t.Errorf("DuckDB rates %v", rows)
	}
}

func TestDuckDBHivePartitioned(t *testing.T) {
	dir := t.TempDir()
	runs := map[string]*testRun{"a": newTestRun(31, 500), "b": newTestRun(32, 700)}
	for id, tr := range runs {
		tr.record(t, dir, allTables(Options{Partition: true, RunID: id}), -1)
	}
	glob := duckdbtest.SQLPath(dir) + "/*/spikes/*/*.parquet"
	rows := duckdbtest.Query(t, fmt.Sprintf(`SELECT run, population, count(*) AS n, sum(neuron) AS sn
		FROM read_parquet('%s', hive_partitioning=true) GROUP BY ALL ORDER BY ALL`, glob))
	if len(rows) != 4 {
		t.Fatalf("DuckDB sees %d (run, population) groups, want 4: %v", len(rows), rows)
	}
	for _, r := range rows {
		tr := runs[fmt.Sprint(r["run"])]
		if tr == nil {
			t.Fatalf("unknown run %v", r["run"])
		}
		w := tr.SpikeSums()[fmt.Sprint(r["population"])]
		if int64(duckdbtest.Num(t, r["n"])) != w[0] || int64(duckdbtest.Num(t, r["sn"])) != w[2] {
			t.Errorf("run %v population %v: DuckDB count %v sum %v, want %d %d", r["run"], r["population"], r["n"], r["sn"], w[0], w[2])
		}
	}
	for _, table := range []string{"weights", "states", "rates"} {
		rows = duckdbtest.Query(t, fmt.Sprintf(`SELECT run, count(*) AS n FROM read_parquet('%s/*/%s/*.parquet', hive_partitioning=true)
			GROUP BY run ORDER BY run`, duckdbtest.SQLPath(dir), table))
		if len(rows) != 2 || rows[0]["run"] != "a" || rows[1]["run"] != "b" {
			t.Errorf("DuckDB %s by run: %v", table, rows)
		}
	}
}

// TestDuckDBRolledParts: the parts of a rolled spikes-only run, flat or
// partitioned, read as one table with one glob (the stale .inprogress part
// of a killed run does not match *.parquet).
func TestDuckDBRolledParts(t *testing.T) {
	tr := newTestRun(23, 500)
	want := tr.SpikeSums()
	var total int64
	for _, w := range want {
		total += w[0]
	}
	for _, partition := range []bool{false, true} {
		dir := t.TempDir()
		w, err := Create(dir, Options{Spikes: true, PartRolling: true, Partition: partition, RunID: "x"}, tr.meta)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Play(newRoller(w, 64, 0), synthTables{}, -1); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(Status{LastStep: 499}); err != nil {
			t.Fatal(err)
		}
		rows := duckdbtest.Query(t, fmt.Sprintf(`SELECT count(*) AS n, count(DISTINCT filename) AS files FROM read_parquet('%s', hive_partitioning=1, filename=true)`,
			duckdbtest.SQLPath(filepath.Join(dir, "**", "*.parquet"))))
		if n := int64(duckdbtest.Num(t, rows[0]["n"])); n != total {
			t.Errorf("partition %v: DuckDB reads %d spikes from the parts, the writer was given %d", partition, n, total)
		}
	}
}
