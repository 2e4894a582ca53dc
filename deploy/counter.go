package deploy

import (
	"dalesim/learn"
	"dalesim/network"
	"dalesim/neuron"
	"dalesim/synapse"
)

// counter is a spikes-only monitor counting, over the presentations of one
// configuration, spikes, synaptic events, neuron updates with an arriving
// event, and, per presentation, the readout's spike times by class.
type counter struct {
	pops  []*neuron.Population
	lif   []bool
	projs []projInfo

	// arrival marks: ring[slot][pop] holds the neurons marked for the step
	// slot stands for; mark[slot][pop][i] says whether i is there.
	ring  [][][]int32
	mark  [][][]bool
	slots int

	readout, group int
	classes        int

	start, first int64
	events       []readoutEvent

	inSpikes, lifSpikes, synops, synopsNZ, active int64
	lifNeurons                                    int
}

type projInfo struct {
	p        *synapse.Projection
	src, tgt int
	nzDeg    []int32 // out-degree over non-zero weights, per source neuron
}

type readoutEvent struct {
	step  int64 // relative to the presentation's start
	class int
}

func newCounter(m *learn.Model) *counter {
	net := m.Net
	c := &counter{pops: net.Populations(), group: m.Group(), classes: len(m.Classes)}
	idx := map[*neuron.Population]int{}
	maxDelay := 1
	for i, p := range c.pops {
		idx[p] = i
		c.lif = append(c.lif, p.Model().IsLIF())
		if p.Model().IsLIF() {
			c.lifNeurons += p.Len()
		}
		if p == m.Readout {
			c.readout = i
		}
	}
	for _, p := range net.Projections() {
		pi := projInfo{p: p, src: idx[p.Source()], tgt: idx[p.Target()], nzDeg: make([]int32, p.Source().Len())}
		w := p.Weights()
		rp := p.RowPtr()
		for i := range pi.nzDeg {
			for k := rp[i]; k < rp[i+1]; k++ {
				if w[k] != 0 {
					pi.nzDeg[i]++
				}
			}
		}
		maxDelay = max(maxDelay, p.MaxDelay())
		c.projs = append(c.projs, pi)
	}
	c.slots = maxDelay + 1
	c.ring = make([][][]int32, c.slots)
	c.mark = make([][][]bool, c.slots)
	for s := range c.slots {
		c.ring[s] = make([][]int32, len(c.pops))
		c.mark[s] = make([][]bool, len(c.pops))
		for i, p := range c.pops {
			c.mark[s][i] = make([]bool, p.Len())
		}
	}
	return c
}

// begin starts a presentation.
func (c *counter) begin() {
	c.start, c.first = -1, -1
	c.events = c.events[:0]
	for s := range c.ring {
		for i, l := range c.ring[s] {
			for _, j := range l {
				c.mark[s][i][j] = false
			}
			c.ring[s][i] = l[:0]
		}
	}
}

// SpikesOnly: Observe reads spikes and weights only.
func (c *counter) SpikesOnly() bool { return true }

// Observe counts step s.
func (c *counter) Observe(s int64, _ *network.Network) error {
	if c.start < 0 {
		c.start = s
	}
	rel := s - c.start
	slot := int(uint64(s) % uint64(c.slots))
	for i, l := range c.ring[slot] {
		c.active += int64(len(l))
		for _, j := range l {
			c.mark[slot][i][j] = false
		}
		c.ring[slot][i] = l[:0]
	}
	for i, p := range c.pops {
		n := int64(len(p.Spikes()))
		if c.lif[i] {
			c.lifSpikes += n
		} else {
			c.inSpikes += n
		}
	}
	for _, sp := range c.pops[c.readout].Spikes() {
		if c.first < 0 {
			c.first = rel
		}
		c.events = append(c.events, readoutEvent{rel, int(sp) / c.group})
	}
	for _, pi := range c.projs {
		spikes := c.pops[pi.src].Spikes()
		if len(spikes) == 0 {
			continue
		}
		rp := pi.p.RowPtr()
		mark, ring := c.mark, c.ring
		for _, i := range spikes {
			c.synops += rp[i+1] - rp[i]
			c.synopsNZ += int64(pi.nzDeg[i])
			for k := rp[i]; k < rp[i+1]; k++ {
				if pi.p.Weight(int(k)) == 0 {
					continue
				}
				a := int(uint64(s+int64(pi.p.Delay(int(k)))) % uint64(c.slots))
				t := pi.p.TargetAt(int(k)) // (Targets would unpack packed delays)
				if !mark[a][pi.tgt][t] {
					mark[a][pi.tgt][t] = true
					ring[a][pi.tgt] = append(ring[a][pi.tgt], t)
				}
			}
		}
	}
	return nil
}

// decision returns the relative step from which class win's cumulative
// readout count exceeds every other class's until the end, or -1.
func (c *counter) decision(win int, steps int64) int64 {
	if win < 0 {
		return -1
	}
	counts := make([]int, c.classes)
	leads := func() bool {
		for k, n := range counts {
			if k != win && n >= counts[win] {
				return false
			}
		}
		return true
	}
	since := int64(-1)
	for i := 0; i < len(c.events); {
		s := c.events[i].step
		for ; i < len(c.events) && c.events[i].step == s; i++ {
			counts[c.events[i].class]++
		}
		if leads() {
			if since < 0 {
				since = s
			}
		} else {
			since = -1
		}
	}
	if since >= steps {
		return -1
	}
	return since
}
