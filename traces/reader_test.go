package traces

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallRun writes a small flat run with all tables and returns its directory.
func smallRun(t testing.TB) string {
	t.Helper()
	tr := newTestRun(7, 300)
	dir := t.TempDir()
	if tt, ok := t.(*testing.T); ok {
		tr.record(tt, dir, allTables(Options{}), -1)
		return dir
	}
	rec, err := Create(dir, Options{Spikes: true}, tr.meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tr.Spikes {
		rec.Spikes(s.Step, s.Pop, s.Neurons)
	}
	if err := rec.Close(Status{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadErrors(t *testing.T) {
	dir := smallRun(t)
	good, err := os.ReadFile(filepath.Join(dir, "spikes.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptyDir := filepath.Join(tmp, "empty")
	os.Mkdir(emptyDir, 0o755)
	noSpikes := filepath.Join(tmp, "nospikes")
	rec, err := Create(noSpikes, Options{Rates: true}, brunelMeta(1))
	if err != nil {
		t.Fatal(err)
	}
	rec.Close(Status{})
	killed := filepath.Join(tmp, "killed")
	rec, err = Create(killed, Options{Spikes: true}, brunelMeta(1))
	if err != nil {
		t.Fatal(err)
	}
	rec.Spikes(0, 0, []int32{1, 2, 3})
	// Not closed: the run was "killed".

	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(tmp, "nope"), "nope: no such file or directory"},
		{"empty file", write("empty.parquet", nil), "is empty, not a Parquet file"},
		{"not parquet", write("text.parquet", []byte("step,neuron\n1,2\n")), `is not a Parquet file (it starts with "step"`},
		{"tiny", write("tiny.parquet", []byte("PA")), "is not a Parquet file (2 bytes"},
		{"truncated", write("cut.parquet", good[:len(good)*2/3]), "truncated Parquet file: the footer is missing"},
		{"truncated by 1", write("cut1.parquet", good[:len(good)-1]), "truncated Parquet file"},
		{"bad footer length", write("len.parquet", append(append([]byte("PAR1"), 0xff, 0xff, 0xff, 0x7f), "PAR1"...)), "footer length"},
		{"corrupt footer", write("footer.parquet", corruptFooter(good)), "corrupt Parquet file"},
		{"wrong schema", filepath.Join(dir, "weights.parquet"), `not a spikes table: column "population" is missing (its columns: step, t_ms, projection, pre, post, weight, sign; it is a dalesim weights table)`},
		{"rates as spikes", filepath.Join(dir, "rates.parquet"), `column "neuron" is missing`},
		{"empty dir", emptyDir, "holds no dalesim run (no run.json, spikes.parquet or run=<id>/ directory)"},
		{"table not recorded", noSpikes, "has no spikes table (it was not recorded)"},
		{"killed run", killed, "was not closed: " + filepath.Join(killed, "spikes.parquet.inprogress") + " has no Parquet footer"},
		{"in-progress file", filepath.Join(killed, "spikes.parquet.inprogress"), "was never closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSpikes(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadSpikes(%s): error %v\nwant it to contain %q", tc.path, err, tc.want)
			}
		})
	}
	rec.Close(Status{Interrupted: true})

	// The other readers name the missing column too.
	if _, err := ReadWeights(filepath.Join(dir, "spikes.parquet")); err == nil || !strings.Contains(err.Error(), `column "projection" is missing`) {
		t.Errorf("spikes read as weights: %v", err)
	}
	if _, err := ReadMeta(emptyDir); err == nil || !strings.Contains(err.Error(), "holds no dalesim run") {
		t.Errorf("ReadMeta(empty dir): %v", err)
	}
}

// corruptFooter flips bytes inside the Thrift footer of a valid file.
func corruptFooter(b []byte) []byte {
	c := bytes.Clone(b)
	n := len(c)
	for i := n - 60; i < n-8; i += 3 {
		c[i] ^= 0x5a
	}
	return c
}

func TestReadSpikesBytesGarbage(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(smallRun(t), "spikes.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	// Flip bytes in the data pages: must give an error or a table, never a panic.
	for i := 4; i < len(good)-8; i += max(1, len(good)/200) {
		c := bytes.Clone(good)
		c[i] ^= 0xff
		_, _ = readSpikesBytes("flip", c)
	}
}

func FuzzReadSpikes(f *testing.F) {
	good, err := os.ReadFile(filepath.Join(smallRun(f), "spikes.parquet"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(corruptFooter(good))
	f.Add([]byte("PAR1PAR1"))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, err := readSpikesBytes("fuzz", b)
		if err == nil && (len(tab.Step) != len(tab.Neuron) || len(tab.Pop) != len(tab.Step)) {
			t.Fatalf("columns of different lengths: %d %d %d", len(tab.Step), len(tab.Pop), len(tab.Neuron))
		}
	})
}
