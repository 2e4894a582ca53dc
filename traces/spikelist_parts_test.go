package traces

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseSpikeCSVRecord(t *testing.T) {
	withGroup := map[string]int{ListNeuron: 0, ListTimeMS: 1, ListGroup: 2}
	noGroup := map[string]int{ListNeuron: 1, ListTimeMS: 0, ListGroup: -1}
	for _, c := range []struct {
		rec     []string
		col     map[string]int
		group   string
		id      int64
		t       float64 // NaN: no spike
		wantErr string
	}{
		{[]string{"3", "1.5", "E"}, withGroup, "E", 3, 1.5, ""},
		{[]string{" 4.0 ", "", "I"}, withGroup, "I", 4, math.NaN(), ""},
		{[]string{"2", "7"}, noGroup, DefaultGroup, 7, 2, ""},
		{[]string{"3", "1"}, withGroup, "", 0, 0, "the group is empty"},
		{[]string{"3", "1", " "}, withGroup, "", 0, 0, "the group is empty"},
		{[]string{"x", "1", "E"}, withGroup, "", 0, 0, `neuron "x": not an integer`},
		{[]string{"-1", "1", "E"}, withGroup, "", 0, 0, `neuron "-1": must be >= 0`},
		{[]string{"1", "abc", "E"}, withGroup, "", 0, 0, `t_ms "abc" is not a number`},
		{[]string{"1"}, withGroup, "", 0, 0, `1 fields: the column "t_ms" is missing`},
		{[]string{"1"}, noGroup, "", 0, 0, `1 fields: the column "neuron" is missing`},
	} {
		g, id, tm, err := parseSpikeCSVRecord(c.rec, c.col)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%q: error %v, want %q", c.rec, err, c.wantErr)
			}
			continue
		}
		sameT := tm == c.t || math.IsNaN(tm) && math.IsNaN(c.t)
		if err != nil || g != c.group || id != c.id || !sameT {
			t.Errorf("%q: %q %d %g %v, want %q %d %g", c.rec, g, id, tm, err, c.group, c.id, c.t)
		}
	}
}

func TestListBuilderTimeStep(t *testing.T) {
	for _, c := range []struct {
		times []float64
		hints listHints
		want  float64
	}{
		{[]float64{1, 2, 5}, listHints{}, 1},
		{[]float64{0.5, math.NaN(), 2}, listHints{}, 0.5},
		{[]float64{0.1, 0.3}, listHints{}, 0.1},
		{[]float64{0.0333333}, listHints{}, FinestListDtMS},
		{[]float64{1, 2}, listHints{meta: Meta{DtMS: 0.1}, hasDt: true}, 0.1},  // the footer's step holds the times
		{[]float64{0.05}, listHints{meta: Meta{DtMS: 0.1}, hasDt: true}, 0.05}, // it does not
	} {
		b := newListBuilder("x")
		for i, tm := range c.times {
			if err := b.add("E", int64(i), tm); err != nil {
				t.Fatal(err)
			}
		}
		if got := b.timeStep(c.hints); got != c.want {
			t.Errorf("%v with %+v: step %g, want %g", c.times, c.hints, got, c.want)
		}
	}
}

func TestListBuilderPopulations(t *testing.T) {
	for _, c := range []struct {
		groups   []string // in order of first appearance
		declared []PopulationInfo
		want     string // name/identity, ...
	}{
		{[]string{"I", "E"}, nil, "I/,E/"},
		{[]string{"I", "E"}, []PopulationInfo{{Name: "E", Identity: Excitatory}, {Name: "X"}, {Name: "E"}}, "E/excitatory,I/"},
		{[]string{"a", "b", "c"}, []PopulationInfo{{Name: "c", Identity: Inhibitory}, {Name: "a"}}, "c/inhibitory,a/,b/"},
	} {
		b := newListBuilder("x")
		for _, g := range c.groups {
			if err := b.add(g, 0, 1); err != nil {
				t.Fatal(err)
			}
		}
		names, pops := b.populations(c.declared)
		var got []string
		for i, p := range pops {
			if names[i] != p.Name || p.Size != 0 {
				t.Errorf("names %v, populations %+v", names, pops)
			}
			got = append(got, p.Name+"/"+string(p.Identity))
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%v declared %+v: %s, want %s", c.groups, c.declared, strings.Join(got, ","), c.want)
		}
	}
}

func TestListBuilderNeuronIndex(t *testing.T) {
	b := newListBuilder("x")
	for _, r := range []struct {
		g  string
		id int64
	}{{"E", 9}, {"I", 4}, {"E", 2}, {"E", 9}, {"E", 5}} {
		if err := b.add(r.g, r.id, 1); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"I", "E"}
	pops := []PopulationInfo{{Name: "I"}, {Name: "E"}}
	popOf, index, err := b.neuronIndex(names, pops)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(popOf, []int32{1, 0}) { // group E (first seen) is population 1
		t.Errorf("popOf %v", popOf)
	}
	if index[0][2] != 0 || index[0][5] != 1 || index[0][9] != 2 || index[1][4] != 0 {
		t.Errorf("index %v", index)
	}
	if pops[0].Size != 1 || pops[1].Size != 3 {
		t.Errorf("sizes %+v", pops)
	}
}
