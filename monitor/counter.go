package monitor

import "dalesim/network"

// SpikeCounter counts the spikes of every neuron of a network in memory. It
// reads only spikes, so the multi-threaded engine keeps its pipelined
// schedule while it counts.
type SpikeCounter struct {
	counts [][]int32 // per population, per neuron
}

// NewSpikeCounter returns a counter sized for net's populations.
func NewSpikeCounter(net *network.Network) *SpikeCounter {
	c := &SpikeCounter{}
	for _, p := range net.Populations() {
		c.counts = append(c.counts, make([]int32, p.Len()))
	}
	return c
}

// Observe adds the spikes of step.
func (c *SpikeCounter) Observe(_ int64, net *network.Network) error {
	for i, p := range net.Populations() {
		cnt := c.counts[i]
		for _, j := range p.Spikes() {
			cnt[j]++
		}
	}
	return nil
}

// SpikesOnly reports true.
func (c *SpikeCounter) SpikesOnly() bool { return true }

// Counts returns the counts of population i (index in the network's order);
// the slice is the counter's own and changes as it counts.
func (c *SpikeCounter) Counts(i int) []int32 { return c.counts[i] }

// Reset sets every count to zero.
func (c *SpikeCounter) Reset() {
	for _, cnt := range c.counts {
		clear(cnt)
	}
}
