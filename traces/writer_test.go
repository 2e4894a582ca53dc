package traces

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkSpikes compares a table read back with what was recorded up to step
// last.
func (tr *testRun) checkSpikes(t *testing.T, got *SpikeTable, last int64) {
	t.Helper()
	var want SpikeTable
	for _, s := range tr.Spikes {
		if s.Step > last {
			break
		}
		for _, n := range s.Neurons {
			want.Step = append(want.Step, s.Step)
			want.Pop = append(want.Pop, int32(s.Pop))
			want.Neuron = append(want.Neuron, n)
		}
	}
	if got.Len() != len(want.Step) {
		t.Fatalf("read %d spikes, wrote %d", got.Len(), len(want.Step))
	}
	if !reflect.DeepEqual(got.Populations, []string{"E", "I"}) {
		t.Fatalf("populations %v", got.Populations)
	}
	for i := range want.Step {
		if got.Step[i] != want.Step[i] || got.Pop[i] != want.Pop[i] || got.Neuron[i] != want.Neuron[i] {
			t.Fatalf("row %d: got (%d,%d,%d), want (%d,%d,%d)", i, got.Step[i], got.Pop[i], got.Neuron[i],
				want.Step[i], want.Pop[i], want.Neuron[i])
		}
	}
}

func (tr *testRun) checkWeights(t *testing.T, got *WeightTable) {
	t.Helper()
	i := 0
	for _, s := range tr.Weights {
		for k := range s.W {
			if i >= got.Len() {
				t.Fatalf("read %d weight rows, wrote more", got.Len())
			}
			sign := int8(tr.meta.Projections[s.Proj].Sign)
			if got.Step[i] != s.Step || got.Proj[i] != int32(s.Proj) || got.Pre[i] != s.Pre[k] || got.Post[i] != s.Post[k] ||
				got.Weight[i] != s.W[k] || got.Sign[i] != sign {
				t.Fatalf("weight row %d: got (%d,%d,%d,%d,%v,%d)", i, got.Step[i], got.Proj[i], got.Pre[i], got.Post[i], got.Weight[i], got.Sign[i])
			}
			i++
		}
	}
	if i != got.Len() {
		t.Fatalf("read %d weight rows, wrote %d", got.Len(), i)
	}
}

func checkMeta(t *testing.T, got, want Meta, status string, last int64) {
	t.Helper()
	want.Status, want.LastStep = status, last
	got.RunID = ""
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("meta round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
		stop int64
	}{
		{"flat", Options{}, -1},
		{"flat-sync-small-groups", Options{Synchronous: true, RowGroupRows: 1000, BatchRows: 100}, -1},
		{"partitioned", Options{Partition: true, RunID: "r1"}, -1},
		{"flat-interrupted", Options{}, 1234},
		{"partitioned-interrupted", Options{Partition: true, RunID: "r2", BatchRows: 7}, 777},
		{"zstd-better", Options{Compression: ZstdBetter}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const seed = 11
			tr := newTestRun(seed, 3000)
			dir := t.TempDir()
			rec := tr.record(t, dir, allTables(tc.opt), tc.stop)
			last, status := int64(tr.Steps-1), StatusComplete
			if tc.stop >= 0 {
				last, status = tc.stop, StatusInterrupted
			}
			runDir := dir
			if tc.opt.Partition {
				runDir = filepath.Join(dir, "run="+tc.opt.RunID)
				if rec.Dir() != runDir {
					t.Fatalf("Dir() = %s, want %s", rec.Dir(), runDir)
				}
			}
			// Read the run directory, the data set directory and single files.
			for _, p := range []string{dir, runDir} {
				sp, err := ReadSpikes(p)
				if err != nil {
					t.Fatal(err)
				}
				tr.checkSpikes(t, sp, last)
				checkMeta(t, sp.Meta, tr.meta, status, last)
			}
			w, err := ReadWeights(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tc.stop < 0 {
				tr.checkWeights(t, w)
			}
			checkMeta(t, w.Meta, tr.meta, status, last)
			st, err := ReadStates(dir)
			if err != nil {
				t.Fatal(err)
			}
			wantStates := 0
			for s := int64(0); s <= last; s += 10 {
				wantStates += 2 * 4
			}
			if st.Len() != wantStates || len(st.Vars) != 2 || st.Vars[0] != "v" || st.Value[0] != 0 || st.Value[1] != -65.5 {
				t.Fatalf("states: %d rows (want %d), vars %v, values %v", st.Len(), wantStates, st.Vars, st.Value[:4])
			}
			rt, err := ReadRates(dir)
			if err != nil {
				t.Fatal(err)
			}
			if rt.Len() != wantStates/4 || rt.BinMS[0] != 1 || rt.RateHz[3] != 2 {
				t.Fatalf("rates: %d rows, first %v %v", rt.Len(), rt.BinMS[:2], rt.RateHz[:4])
			}
			m, err := ReadMeta(dir)
			if err != nil {
				t.Fatal(err)
			}
			checkMeta(t, m, tr.meta, status, last)
			man, err := ReadManifest(runDir)
			if err != nil {
				t.Fatal(err)
			}
			if man.Status != status || man.LastStep != last || len(man.Files) == 0 || man.Error != "" {
				t.Fatalf("manifest %+v", man)
			}
			for _, f := range man.Files {
				if _, err := os.Stat(filepath.Join(runDir, filepath.FromSlash(f.Path))); err != nil || f.Bytes == 0 {
					t.Fatalf("manifest file %+v: %v", f, err)
				}
			}
			// No file is left with the in-progress suffix.
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if strings.HasSuffix(p, inProgressExt) {
					t.Errorf("left behind: %s", p)
				}
				return nil
			})
		})
	}
}

func TestPartitionedLayout(t *testing.T) {
	tr := newTestRun(3, 200)
	dir := t.TempDir()
	tr.record(t, dir, allTables(Options{Partition: true, RunID: "a"}), -1)
	tr.record(t, dir, allTables(Options{Partition: true, RunID: "b"}), -1)
	for _, p := range []string{
		"run=a/run.json", "run=a/spikes/population=E/part-0.parquet", "run=a/spikes/population=I/part-0.parquet",
		"run=b/states/part-0.parquet", "run=b/weights/part-0.parquet", "run=b/rates/part-0.parquet",
	} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	_, err := ReadSpikes(dir)
	if err == nil || !strings.Contains(err.Error(), "holds 2 runs (run=a, run=b)") {
		t.Fatalf("reading a sweep of two runs: %v", err)
	}
	sp, err := ReadSpikes(filepath.Join(dir, "run=b", "spikes", "population=I", "part-0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sp.Pop {
		if sp.Pop[i] != 1 {
			t.Fatal("population I file holds other populations")
		}
	}
	if sp.Meta.RunID != "b" {
		t.Fatalf("run id %q", sp.Meta.RunID)
	}
}

func TestEmptyRun(t *testing.T) {
	m := brunelMeta(1)
	dir := t.TempDir()
	rec, err := Create(dir, allTables(Options{}), m)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(Status{LastStep: -1}); err != nil {
		t.Fatal(err)
	}
	sp, err := ReadSpikes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Len() != 0 || sp.Meta.LastStep != -1 || sp.Meta.Status != StatusComplete {
		t.Fatalf("empty run: %d spikes, meta %+v", sp.Len(), sp.Meta)
	}
	if err := rec.Close(Status{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := rec.Spikes(0, 0, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Spikes after Close: %v", err)
	}
}

func TestOverwriteRefusal(t *testing.T) {
	tr := newTestRun(5, 100)
	for _, part := range []bool{false, true} {
		t.Run(fmt.Sprint("partition=", part), func(t *testing.T) {
			dir := t.TempDir()
			opt := Options{Spikes: true, Partition: part, RunID: "x"}
			tr.record(t, dir, opt, -1)
			// A foreign file that Force must not touch.
			foreign := filepath.Join(dir, "notes.txt")
			if part {
				foreign = filepath.Join(dir, "run=x", "notes.txt")
			}
			os.WriteFile(foreign, []byte("keep"), 0o644)
			_, err := Create(dir, opt, tr.meta)
			if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("second Create without Force: %v", err)
			}
			// Another run id next to it is fine.
			if part {
				o := opt
				o.RunID = "y"
				rec, err := Create(dir, o, tr.meta)
				if err != nil {
					t.Fatal(err)
				}
				rec.Close(Status{})
			}
			// Force replaces the run: fewer steps now.
			small := newTestRun(6, 10)
			opt.Force = true
			small.record(t, dir, opt, -1)
			runDir := dir
			if part {
				runDir = filepath.Join(dir, "run=x")
			}
			sp, err := ReadSpikes(runDir)
			if err != nil {
				t.Fatal(err)
			}
			small.checkSpikes(t, sp, 1<<62)
			if b, err := os.ReadFile(foreign); err != nil || string(b) != "keep" {
				t.Fatalf("Force touched a foreign file: %q %v", b, err)
			}
		})
	}
}

func TestOverwriteRefusalOtherParquet(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data.parquet"), []byte("x"), 0o644)
	_, err := Create(dir, Options{Spikes: true}, brunelMeta(1))
	if err == nil || !strings.Contains(err.Error(), "already holds a run (data.parquet)") {
		t.Fatalf("Create into a directory with a Parquet file: %v", err)
	}
	// Mixing layouts is refused even with Force.
	dir = t.TempDir()
	rec, err := Create(dir, Options{Spikes: true}, brunelMeta(1))
	if err != nil {
		t.Fatal(err)
	}
	rec.Close(Status{})
	_, err = Create(dir, Options{Spikes: true, Partition: true, Force: true}, brunelMeta(1))
	if err == nil || !strings.Contains(err.Error(), "holds a flat") {
		t.Fatalf("partitioned run into a flat run directory: %v", err)
	}
}

func TestRecorderValidation(t *testing.T) {
	m := brunelMeta(1)
	rec, err := Create(t.TempDir(), Options{Spikes: true, Weights: true}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close(Status{})
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"pop range", rec.Spikes(0, 2, []int32{1}), "population index 2 out of range"},
		{"neuron range", rec.Spikes(0, 1, []int32{2500}), "out of range for population \"I\" of size 2500"},
		{"not ascending", rec.Spikes(0, 0, []int32{5, 5}), "strictly ascending"},
		{"ok", rec.Spikes(3, 1, []int32{1, 2}), ""},
		{"pop order", rec.Spikes(3, 0, []int32{1}), "rows out of order"},
		{"step order", rec.Spikes(2, 1, []int32{1}), "rows out of order"},
		{"continue same pop", rec.Spikes(3, 1, []int32{3}), ""},
		{"continue same pop not ascending", rec.Spikes(3, 1, []int32{3}), "strictly ascending"},
		{"negative step", rec.Spikes(-1, 1, nil), "rows out of order"},
		{"states off", rec.State(3, 0, "v", nil, nil), "table not enabled"},
		{"negative weight", rec.Weights(3, 0, []int32{1}, []int32{1}, []float32{-1}), "finite magnitudes >= 0"},
		{"nan weight", rec.Weights(3, 0, []int32{1}, []int32{1}, []float32{float32(math.NaN())}), "finite magnitudes"},
		{"weight range", rec.Weights(3, 1, []int32{1}, []int32{2500}, []float32{1}), "out of range"},
		{"weight lengths", rec.Weights(3, 0, []int32{1}, nil, []float32{1}), "lengths differ"},
	} {
		if tc.want == "" {
			if tc.err != nil {
				t.Errorf("%s: %v", tc.name, tc.err)
			}
			continue
		}
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	bad := m
	bad.DtMS = 0
	if _, err := Create(t.TempDir(), Options{}, bad); err == nil || !strings.Contains(err.Error(), "DtMS") {
		t.Errorf("zero dt: %v", err)
	}
	bad = brunelMeta(1)
	bad.Projections[1].Sign = 0
	if _, err := Create(t.TempDir(), Options{}, bad); err == nil || !strings.Contains(err.Error(), "Projections[1].Sign") {
		t.Errorf("zero sign: %v", err)
	}
	bad = brunelMeta(1)
	bad.Populations[0].Name = "a/b"
	if _, err := Create(t.TempDir(), Options{Partition: true, Spikes: true}, bad); err == nil || !strings.Contains(err.Error(), "population name") {
		t.Errorf("slash in population name: %v", err)
	}
}

// TestCloseAfterWriteError: a failing disk makes Spikes and Close report the
// error; Close neither hangs nor panics and run.json records the error.
func TestCloseAfterWriteError(t *testing.T) {
	for _, sync := range []bool{false, true} {
		t.Run(fmt.Sprint("sync=", sync), func(t *testing.T) {
			dir := t.TempDir()
			m := brunelMeta(1)
			rec, err := Create(dir, Options{Spikes: true, Synchronous: sync, BatchRows: 64, RowGroupRows: 128}, m)
			if err != nil {
				t.Fatal(err)
			}
			rec.spikes[0].f.Close() // the "disk" fails
			var werr error
			ns := make([]int32, 50)
			for step := int64(0); step < 100000 && werr == nil; step++ {
				for i := range ns {
					ns[i] = int32(i*100) + int32(step*7919%97)
				}
				werr = rec.Spikes(step, 0, ns)
			}
			if werr == nil || !strings.Contains(werr.Error(), "writing") {
				t.Fatalf("Spikes on a failing file: %v", werr)
			}
			err = rec.Close(Status{Interrupted: true})
			if err == nil || !strings.Contains(err.Error(), "left incomplete") {
				t.Fatalf("Close: %v", err)
			}
			man, merr := ReadManifest(dir)
			if merr != nil || man.Error == "" || man.Status != StatusInterrupted {
				t.Fatalf("manifest after a write error: %+v %v", man, merr)
			}
		})
	}
}
