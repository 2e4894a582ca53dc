package traces

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestParseSpikeCSV(t *testing.T) {
	in := "neuron,t_ms,group,extra\n" +
		"7,0.3,I,x\n" +
		"2,0.1,E,\n" +
		"2,1.5,E,\n" +
		"5,,E,\n" + // a neuron without spikes
		"9,0.1,E,\n"
	sp, err := ParseSpikeCSV("x.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if sp.Meta.DtMS != 0.1 {
		t.Errorf("dt = %g, want 0.1 (the coarsest grid holding every time)", sp.Meta.DtMS)
	}
	if got := strings.Join(sp.Populations, ","); got != "I,E" {
		t.Errorf("populations %s, want I,E (first appearance)", got)
	}
	if sp.Meta.Populations[1].Size != 3 || sp.Meta.Populations[0].Size != 1 {
		t.Errorf("sizes %+v, want E 3 (ids 2, 5, 9) and I 1", sp.Meta.Populations)
	}
	// Sorted by (step, pop, neuron): E/2 and E/9 at step 1, I/0 at step 3, E/2 at step 15.
	want := [][3]int64{{1, 1, 0}, {1, 1, 2}, {3, 0, 0}, {15, 1, 0}}
	if sp.Len() != len(want) {
		t.Fatalf("%d spikes, want %d", sp.Len(), len(want))
	}
	for i, w := range want {
		if got := [3]int64{sp.Step[i], int64(sp.Pop[i]), int64(sp.Neuron[i])}; got != w {
			t.Errorf("spike %d = %v, want %v", i, got, w)
		}
	}
	if sp.Meta.LastStep != -1 {
		t.Errorf("LastStep %d, want -1 (unknown)", sp.Meta.LastStep)
	}
	// Times off every grid fall back to 1 µs.
	sp, err = ParseSpikeCSV("y.csv", strings.NewReader("neuron,t_ms\n0,0.0333333\n1,1\n"))
	if err != nil || sp.Meta.DtMS != FinestListDtMS || sp.Step[0] != 33 || sp.Populations[0] != DefaultGroup {
		t.Errorf("off-grid: %v %+v", err, sp)
	}
}

func TestParseSpikeCSVErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "is empty"},
		{"neuron,group\n1,E\n", `lacks the column "t_ms"`},
		{"t_ms\n1\n", `lacks the column "neuron"`},
		{"neuron,t_ms\n1,-2\n", "line 2: spike time -2 ms"},
		{"neuron,t_ms\n1,5\n1,3\n", "line 3: neuron 1 (group all): spike at 3 ms after one at 5 ms"},
		{"neuron,t_ms\nx,3\n", `line 2: neuron "x": not an integer`},
		{"neuron,t_ms\n1,abc\n", `t_ms "abc" is not a number`},
		{"neuron,t_ms\n1,inf\n", "must be finite"},
		{"neuron,t_ms,group\n1,2,\n", "group is empty"},
		{"neuron,t_ms\n1\n", `column "t_ms" is missing`},
		{"neuron,t_ms\n", "no neurons and no spikes"},
	} {
		_, err := ParseSpikeCSV("bad.csv", strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("%q: error %v; want one naming bad.csv and %q", c.in, err, c.want)
		}
	}
}

func TestReadSpikeListParquet(t *testing.T) {
	type row struct {
		Neuron int64    `parquet:"neuron"`
		TMS    *float64 `parquet:"t_ms,optional"`
		Group  string   `parquet:"group"`
	}
	f := func(x float64) *float64 { return &x }
	path := filepath.Join(t.TempDir(), "list.parquet")
	fh, _ := os.Create(path)
	w := parquet.NewGenericWriter[row](fh,
		parquet.KeyValueMetadata(KeyDtMS, "0.1"),
		parquet.KeyValueMetadata(KeyDurationMS, "100"),
		parquet.KeyValueMetadata(KeyPopulations, `[{"name":"E","size":2,"identity":"excitatory"},{"name":"I","size":1,"identity":"inhibitory"}]`))
	if _, err := w.Write([]row{{0, f(0.2), "I"}, {0, f(0.4), "E"}, {1, nil, "E"}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	fh.Close()
	if !IsSpikeList(path) {
		t.Fatal("IsSpikeList = false")
	}
	sp, err := ReadSpikeList(path)
	if err != nil {
		t.Fatal(err)
	}
	m := sp.Meta
	if m.DtMS != 0.1 || m.LastStep != 999 || sp.Populations[0] != "E" || m.Populations[0].Size != 2 || m.Populations[1].Identity != Inhibitory {
		t.Errorf("meta %+v, populations %v", m, sp.Populations)
	}
	if sp.Len() != 2 || sp.Step[0] != 2 || sp.Pop[0] != 1 || sp.Step[1] != 4 || sp.Pop[1] != 0 {
		t.Errorf("spikes %+v", sp)
	}
}

// FuzzParseSpikeCSV checks that the CSV spike-list parser returns an error or
// a consistent table, never panics.
func FuzzParseSpikeCSV(f *testing.F) {
	f.Add("neuron,t_ms,group\n0,1.5,E\n1,,I\n0,2,E\n")
	f.Add("neuron,t_ms\n3,0.1\n")
	f.Add("t_ms,neuron\n1e300,1\n")
	f.Add("neuron,t_ms\n\"1\n")
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpikeCSV("fuzz.csv", strings.NewReader(s))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if !(sp.Meta.DtMS > 0) || len(sp.Populations) != len(sp.Meta.Populations) {
			t.Fatalf("bad meta %+v", sp.Meta)
		}
		for i := range sp.Step {
			p := sp.Pop[i]
			if sp.Step[i] < 0 || p < 0 || int(p) >= len(sp.Populations) || sp.Neuron[i] < 0 || int(sp.Neuron[i]) >= sp.Meta.Populations[p].Size {
				t.Fatalf("bad spike %d: step %d pop %d neuron %d", i, sp.Step[i], p, sp.Neuron[i])
			}
			if i > 0 && sp.Step[i] < sp.Step[i-1] {
				t.Fatal("not sorted by step")
			}
		}
	})
}
