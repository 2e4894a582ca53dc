package network

// engine runs the fixed per-step schedule:
//  1. every population integrates its input and emits this step's spikes;
//  2. each population's spikes are delivered through its outgoing
//     projections into the targets' ring buffers (arrival step >= step+1).
type engine struct {
	n *Network
}

func newEngine(n *Network) *engine { return &engine{n: n} }

func (e *engine) step(step int64) {
	n := e.n
	for _, p := range n.pops {
		p.Step(step, n.impl)
	}
	for i, p := range n.pops {
		sp := p.Spikes()
		if len(sp) == 0 {
			continue
		}
		for _, pr := range n.out[i] {
			n.events += pr.Deliver(step, sp, n.impl)
		}
	}
}
