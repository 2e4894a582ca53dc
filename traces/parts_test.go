package traces

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"dalesim/internal/synth"
)

type synthTables = synth.Tables

// file returns a sink's open file (to simulate a kill).
func (s *sink[T]) file() *os.File { return s.f }

// roller is a synth.Sink that rolls its Writer to a new part every `every`
// steps and drops the rows of steps before from (a resumed run).
type roller struct {
	*Writer
	every, next, from int64
}

func newRoller(w *Writer, every, from int64) *roller {
	return &roller{Writer: w, every: every, next: (from/every + 1) * every, from: from}
}

// at rolls before the first row of step and reports whether to write it.
func (r *roller) at(step int64) (bool, error) {
	for step >= r.next {
		if err := r.Roll(r.next - 1); err != nil {
			return false, err
		}
		r.next += r.every
	}
	return step >= r.from, nil
}

func (r *roller) Spikes(step int64, pop int, neurons []int32) error {
	if ok, err := r.at(step); !ok {
		return err
	}
	return r.Writer.Spikes(step, pop, neurons)
}

func (r *roller) State(step int64, pop int, v string, neurons []int32, values []float32) error {
	if ok, err := r.at(step); !ok {
		return err
	}
	return r.Writer.State(step, pop, v, neurons, values)
}

func (r *roller) Rate(step int64, pop int, binMS float64, hz float32) error {
	if ok, err := r.at(step); !ok {
		return err
	}
	return r.Writer.Rate(step, pop, binMS, hz)
}

func (r *roller) Weights(step int64, proj int, pre, post []int32, w []float32) error {
	if ok, err := r.at(step); !ok {
		return err
	}
	return r.Writer.Weights(step, proj, pre, post, w)
}

// sameTables fails unless the runs in a and b read as the same tables.
func sameTables(t *testing.T, a, b string) {
	t.Helper()
	sa, err := ReadSpikes(a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := ReadSpikes(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]any{sa.Step, sa.Pop, sa.Neuron, sa.Populations}, []any{sb.Step, sb.Pop, sb.Neuron, sb.Populations}) {
		t.Fatalf("spikes of %s (%d) and %s (%d) differ", a, sa.Len(), b, sb.Len())
	}
	if sa.Meta.LastStep != sb.Meta.LastStep || sa.Meta.Status != sb.Meta.Status {
		t.Fatalf("spikes meta: last step %d %s, want %d %s", sa.Meta.LastStep, sa.Meta.Status, sb.Meta.LastStep, sb.Meta.Status)
	}
	ta, err := ReadStates(a)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := ReadStates(b)
	if err != nil {
		t.Fatal(err)
	}
	ta.Meta, tb.Meta = Meta{}, Meta{}
	if !reflect.DeepEqual(ta, tb) {
		t.Fatal("states differ")
	}
	wa, err := ReadWeights(a)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := ReadWeights(b)
	if err != nil {
		t.Fatal(err)
	}
	wa.Meta, wb.Meta = Meta{}, Meta{}
	if !reflect.DeepEqual(wa, wb) {
		t.Fatal("weights differ")
	}
	ra, err := ReadRates(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := ReadRates(b)
	if err != nil {
		t.Fatal(err)
	}
	ra.Meta, rb.Meta = Meta{}, Meta{}
	if !reflect.DeepEqual(ra, rb) {
		t.Fatal("rates differ")
	}
}

// TestRollingParts: a run rolled every 37 steps is several valid Parquet
// files per table whose union reads as the single-file run, flat and
// partitioned.
func TestRollingParts(t *testing.T) {
	const steps, every = 300, 37
	tr := newTestRun(11, steps)
	root := t.TempDir()
	single := filepath.Join(root, "single")
	tr.record(t, single, allTables(Options{}), -1)
	for _, layout := range []string{"flat", "partitioned"} {
		t.Run(layout, func(t *testing.T) {
			dir := filepath.Join(root, layout)
			opt := allTables(Options{PartRolling: true, Partition: layout == "partitioned", RunID: "r"})
			w, err := Create(dir, opt, tr.meta)
			if err != nil {
				t.Fatal(err)
			}
			ro := newRoller(w, every, 0)
			last, err := tr.Play(ro, allTablesSynth, -1)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(Status{LastStep: last}); err != nil {
				t.Fatal(err)
			}
			nparts := int((steps + every - 1) / every)
			if w.Part() != nparts-1 {
				t.Fatalf("last part %d, want %d", w.Part(), nparts-1)
			}
			run := w.Dir()
			pattern := filepath.Join(run, "spikes-part-*.parquet")
			if layout == "partitioned" {
				pattern = filepath.Join(run, "spikes", "population=E", "part-*.parquet")
			}
			files, _ := filepath.Glob(pattern)
			if len(files) != nparts {
				t.Fatalf("%d spike parts (%s), want %d", len(files), pattern, nparts)
			}
			total := 0
			for _, f := range files {
				sp, err := ReadSpikes(f) // each part is a complete Parquet file
				if err != nil {
					t.Fatal(err)
				}
				total += sp.Len()
			}
			if total == 0 {
				t.Fatal("no spikes in the parts")
			}
			m, err := ReadManifest(run)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != StatusComplete || m.LastStep != steps-1 {
				t.Fatalf("manifest status %s last step %d", m.Status, m.LastStep)
			}
			tablesPerPart := 4
			if layout == "partitioned" {
				tablesPerPart = 5 // two spike files
			}
			if len(m.Files) != nparts*tablesPerPart {
				t.Fatalf("manifest lists %d files, want %d", len(m.Files), nparts*tablesPerPart)
			}
			sameTables(t, run, single)
		})
	}
}

var allTablesSynth = synthTables{States: true, Rates: true, Weights: true}

// TestResumeAfterKill: a run killed in the middle of a part (its files left
// .inprogress, one truncated) reads as its complete parts; resumed from
// the start of that part it reads as a run never interrupted.
func TestResumeAfterKill(t *testing.T) {
	const steps, every, killAt = 300, 50, 177
	tr := newTestRun(12, steps)
	root := t.TempDir()
	single := filepath.Join(root, "single")
	tr.record(t, single, allTables(Options{}), -1)
	for _, layout := range []string{"flat", "partitioned"} {
		t.Run(layout, func(t *testing.T) {
			dir := filepath.Join(root, layout)
			opt := allTables(Options{PartRolling: true, Partition: layout == "partitioned", RunID: "r", Synchronous: true, BatchRows: 64})
			w, err := Create(dir, opt, tr.meta)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Play(newRoller(w, every, 0), allTablesSynth, killAt); err != nil {
				t.Fatal(err)
			}
			// The kill: no Close; the files of part 3 stay .inprogress.
			for _, s := range w.sinks {
				if err := s.(interface{ file() *os.File }).file().Close(); err != nil {
					t.Fatal(err)
				}
			}
			run := w.Dir()
			stale, _ := filepath.Glob(filepath.Join(run, "*.inprogress"))
			more, _ := filepath.Glob(filepath.Join(run, "*", "*", "*.inprogress"))
			stale = append(stale, more...)
			if len(stale) == 0 {
				t.Fatal("no .inprogress part after the kill")
			}
			if err := os.Truncate(stale[0], 10); err != nil {
				t.Fatal(err)
			}
			sp, err := ReadSpikes(run)
			if err != nil {
				t.Fatalf("reading a killed run: %v", err)
			}
			done := int64(killAt/every) * every // the steps of the complete parts
			tr.checkSpikes(t, sp, done-1)
			if sp.Meta.Status != StatusRunning || sp.Meta.LastStep != done-1 {
				t.Fatalf("killed run: status %s last step %d", sp.Meta.Status, sp.Meta.LastStep)
			}

			part := int(done / every)
			w2, err := Resume(run, part, done, Options{Spikes: true, States: true, Weights: true, Rates: true})
			if err != nil {
				t.Fatal(err)
			}
			var open []string
			for _, pat := range []string{"*.inprogress", "*/*.inprogress", "*/*/*.inprogress"} {
				m, _ := filepath.Glob(filepath.Join(run, pat))
				open = append(open, m...)
			}
			want := 4
			if layout == "partitioned" {
				want = 5
			}
			if len(open) != want {
				t.Fatalf("after Resume: .inprogress files %v, want the %d of the new part", open, want)
			}
			for _, f := range open {
				if k, _ := PartIndex(f); k != part {
					t.Fatalf("after Resume: %s is open, want part %d", f, part)
				}
			}
			if m, err := ReadManifest(run); err != nil || m.LastStep != done-1 {
				t.Fatalf("manifest after Resume: %v, last step %d, want %d", err, m.LastStep, done-1)
			}
			if err := w2.Spikes(done-1, 0, []int32{1}); !errors.Is(err, ErrOrder) {
				t.Fatalf("a row of a step before the resumed part: %v", err)
			}
			last, err := tr.Play(newRoller(w2, every, done), allTablesSynth, -1)
			if err != nil {
				t.Fatal(err)
			}
			if err := w2.Close(Status{LastStep: last}); err != nil {
				t.Fatal(err)
			}
			sameTables(t, run, single)
			if _, err := Resume(single, 1, 0, Options{Spikes: true}); err == nil || !strings.Contains(err.Error(), "not written in parts") {
				t.Fatalf("resuming a single-file run: %v", err)
			}
		})
	}
}

func TestPartIndex(t *testing.T) {
	for name, want := range map[string]int{
		"part-0.parquet": 0, "a/b/part-12.parquet": 12, "spikes-part-3.parquet": 3, "rates-part-7.parquet.inprogress": 7,
		"spikes.parquet": -1, "part-x.parquet": -1, "part-01.parquet": -1, "mypart-1.parquet": -1, "part-1.csv": -1,
	} {
		k, ok := PartIndex(name)
		if !ok {
			k = -1
		}
		if k != want {
			t.Errorf("PartIndex(%q) = %d, want %d", name, k, want)
		}
	}
	files := []string{"d/part-10.parquet", "d/part-9.parquet", "c/part-2.parquet"}
	sortParts(files)
	if !reflect.DeepEqual(files, []string{"c/part-2.parquet", "d/part-9.parquet", "d/part-10.parquet"}) {
		t.Fatalf("sorted %v", files)
	}
}
