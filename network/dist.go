// One network over several processes (ranks): the partition of the neurons
// and synapses, and the run loop that exchanges the spikes between the ranks
// once per interval of the minimum delay.

package network

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"dalesim/synapse"
)

// Comm connects the ranks of one distributed network (an MPI communicator,
// or NewLocalComms for ranks that are goroutines of one process).
type Comm interface {
	// Rank is this process's rank in [0, Size()).
	Rank() int
	// Size is the number of ranks.
	Size() int
	// Allgather sends this rank's buffer to every rank and returns every
	// rank's, concatenated in rank order, and their lengths. Every rank
	// calls it the same number of times. An error (a rank failed, the
	// exchange timed out, ctx ended) leaves the Comm unusable.
	Allgather(ctx context.Context, local []int32) (all []int32, counts []int, err error)
}

// ExchangeStats counts what a rank's spike exchanges moved.
type ExchangeStats struct {
	Intervals int64 `json:"intervals"` // exchanges made (one per interval of the minimum delay, and one to agree on it)
	// BytesSent is the bytes of this rank's buffers (its spike ids, a count
	// per step and population, and a flag word per interval).
	BytesSent int64 `json:"bytes_sent"`
	// BytesReceived is the bytes of every rank's buffers that this rank
	// received (its own included), plus the lengths exchanged before them
	// (4 bytes per rank and interval).
	BytesReceived int64 `json:"bytes_received"`
	MinDelay      int   `json:"min_delay_steps"` // the network's minimum delay in steps: the steps between exchanges
}

// maxInterval is the most steps run between two exchanges (a network
// without projections has no minimum delay).
const maxInterval = 256

// Flags of a rank's buffer (its first word).
const (
	flagStop = 1 // this rank stops after this interval (interrupted): the interval is valid
	flagFail = 2 // this rank has failed: the interval is not valid, every rank stops with an error
)

// minDelayUnset marks a rank without synapses in the min-delay exchange.
const minDelayUnset = synapse.MaxDelaySteps + 1

// dist is a network's part of a distributed run: rank r owns neurons
// [bounds[pop][r], bounds[pop][r+1]) of every population, steps them, holds
// the synapses onto them (Build restricts the projections to them) and
// delivers every rank's spikes into them.
type dist struct {
	comm   Comm
	rank   int
	bounds [][]int // bounds[pop][r]: R+1 per population

	ready    bool
	interval int     // steps between exchanges
	tb       [][]int // tb[pop][w]: the threads' neurons within the rank's, T+1 per population
	plan     [][]delivery
	spk      [][][]int32 // [w][k*P+i]: worker w's spikes of step k of the interval, population i
	cnt      [][]int
	send     []int32
	glob     []int32 // every rank's spikes of the interval, per (k, i) in rank order
	gOff     []int   // [k*P+i]: start in glob; gOff[L*P] = len
	myOff    []int   // [k*P+i]: start of this rank's spikes in glob
	myLen    []int
	orig     [][]int32 // the populations' own spike buffers
	stats    ExchangeStats
}

// RankBounds returns the neurons of each rank of size ranks: rank r owns
// [b[pop][r], b[pop][r+1]) of population pop, a contiguous range of every
// population in rank order, cut evenly at multiples of cutAlign neurons.
func RankBounds(sizes []int, ranks int) [][]int {
	b := make([][]int, len(sizes))
	for i, n := range sizes {
		b[i] = evenCuts(0, n, ranks)
	}
	return b
}

// evenCuts cuts [lo, hi) into parts pieces of about equal size whose inner
// cuts fall on multiples of cutAlign (relative to 0).
func evenCuts(lo, hi, parts int) []int {
	c := make([]int, parts+1)
	c[0], c[parts] = lo, hi
	for k := 1; k < parts; k++ {
		x := lo + (hi-lo)*k/parts
		x = (x + cutAlign/2) / cutAlign * cutAlign
		c[k] = min(max(x, c[k-1]), hi)
	}
	return c
}

func newDist(c Comm, sizes []int) *dist {
	return &dist{comm: c, rank: c.Rank(), bounds: RankBounds(sizes, c.Size())}
}

// own returns this rank's neurons [lo, hi) of population i.
func (d *dist) own(i int) (lo, hi int) { return d.bounds[i][d.rank], d.bounds[i][d.rank+1] }

// restrict makes a projection spec onto population tgt (of size n) keep
// only this rank's targets.
func (d *dist) restrict(sp *synapse.Spec, tgt, n int) {
	lo, hi := d.own(tgt)
	if lo == hi {
		lo, hi = n, n // none; (0, 0) would mean every target
	}
	sp.TargetLo, sp.TargetHi = lo, hi
}

// Comm returns the communicator of a distributed network (nil: one process).
func (n *Network) Comm() Comm {
	if n.dist == nil {
		return nil
	}
	return n.dist.comm
}

// Owned returns the neurons [lo, hi) of population i that this rank steps
// (every neuron in one process).
func (n *Network) Owned(i int) (lo, hi int) {
	if n.dist == nil {
		return 0, n.pops[i].Len()
	}
	return n.dist.own(i)
}

// Exchange returns what this rank's spike exchanges moved so far (zero in
// one process).
func (n *Network) Exchange() ExchangeStats {
	if n.dist == nil {
		return ExchangeStats{}
	}
	return n.dist.stats
}

// gather is one exchange: it counts the bytes and splits the result.
func (d *dist) gather(ctx context.Context, local []int32) ([]int32, []int, error) {
	all, counts, err := d.comm.Allgather(ctx, local)
	if err != nil {
		return nil, nil, err
	}
	if len(counts) != d.comm.Size() {
		return nil, nil, fmt.Errorf("spike exchange: %d buffers from %d ranks", len(counts), d.comm.Size())
	}
	d.stats.Intervals++
	d.stats.BytesSent += 4 * int64(len(local))
	d.stats.BytesReceived += 4 * int64(len(all)+len(counts))
	return all, counts, nil
}

// setup agrees with the other ranks (a collective) on the minimum delay
// and on the steps between exchanges of this run: 1 when a rank's monitors
// read the neurons' state (stateMons), else the minimum delay. The first
// time it also prepares the threads' ranges, plans and buffers.
func (d *dist) setup(ctx context.Context, n *Network, stateMons bool) (L int, err error) {
	local := minDelayUnset
	for _, p := range n.projs {
		if p.Len() > 0 {
			local = min(local, p.MinDelay())
		}
	}
	var state int32
	if stateMons {
		state = 1
	}
	all, _, err := d.gather(ctx, []int32{0, int32(local), state})
	if err != nil {
		return 0, fmt.Errorf("rank %d: agreeing on the minimum delay: %w", d.rank, err)
	}
	D := minDelayUnset
	for r := 0; r+2 < len(all); r += 3 {
		D = min(D, int(all[r+1]))
		state |= all[r+2]
	}
	d.stats.MinDelay = D
	d.interval = max(min(D, maxInterval), 1)
	L = d.interval
	if state != 0 {
		L = 1
	}
	if d.ready {
		return L, nil
	}
	t := max(n.threads, 1)
	P := len(n.pops)
	d.tb = make([][]int, P)
	for i, p := range n.pops {
		lo, hi := d.own(i)
		d.tb[i] = evenCuts(lo, hi, t)
		p.SetRanges(d.tb[i])
	}
	d.plan = make([][]delivery, t)
	for i, out := range n.out {
		for _, pr := range out {
			tb := d.tb[n.index[pr.Target().Name()]]
			if t == 1 {
				d.plan[0] = append(d.plan[0], delivery{src: i, proj: pr})
				continue
			}
			cuts := append([]int{0}, tb[1:t]...)
			cuts = append(cuts, pr.Target().Len())
			sp, err := pr.NewSplit(cuts)
			if err != nil {
				return 0, err
			}
			for w := range t {
				if tb[w] < tb[w+1] {
					d.plan[w] = append(d.plan[w], delivery{src: i, proj: pr, split: sp, part: w})
				}
			}
		}
	}
	M := d.interval // the most steps of an interval
	d.spk = make([][][]int32, t)
	d.cnt = make([][]int, t)
	for w := range t {
		d.spk[w] = make([][]int32, M*P)
		d.cnt[w] = make([]int, M*P)
		for k := range M {
			for i := range P {
				d.spk[w][k*P+i] = make([]int32, d.tb[i][w+1]-d.tb[i][w])
			}
		}
	}
	d.gOff = make([]int, M*P+1)
	d.myOff = make([]int, M*P)
	d.myLen = make([]int, M*P)
	d.orig = make([][]int32, P)
	for i, p := range n.pops {
		d.orig[i] = p.SpikeBuf()
	}
	d.ready = true
	return L, nil
}

// parallel runs f(w) for every thread w, thread 0 on the caller.
func (d *dist) parallel(f func(w int)) {
	t := len(d.spk)
	if t == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < t; w++ {
		wg.Go(func() { f(w) })
	}
	f(0)
	wg.Wait()
}

// update steps the rank's neurons through steps s0..s0+L-1: each thread
// its own, without meeting (a spike of the interval acts after it).
func (d *dist) update(n *Network, s0 int64, L int) {
	P := len(n.pops)
	d.parallel(func(w int) {
		for k := range L {
			for i, p := range n.pops {
				lo, hi := d.tb[i][w], d.tb[i][w+1]
				c := 0
				if lo < hi {
					c = p.StepRange(s0+int64(k), lo, hi, n.impl, d.spk[w][k*P+i])
				}
				d.cnt[w][k*P+i] = c
			}
		}
	})
}

// pack writes the flag and the rank's spikes of the interval: per step and
// population, their number and the ids (ascending).
func (d *dist) pack(P, L int, flag int32) []int32 {
	b := append(d.send[:0], flag)
	if flag&flagFail == 0 {
		for j := range L * P {
			c := 0
			for w := range d.spk {
				c += d.cnt[w][j]
			}
			b = append(b, int32(c))
			for w := range d.spk {
				b = append(b, d.spk[w][j][:d.cnt[w][j]]...)
			}
		}
	}
	d.send = b
	return b
}

// unpack sets glob to every rank's spikes of the interval per (step,
// population) in rank order (the one-process order) and returns the OR of
// the ranks' flags and the first failed rank (-1: none).
func (d *dist) unpack(all []int32, counts []int, P, L int) (flags int32, failed int, err error) {
	failed = -1
	bad := func(r int) error { return fmt.Errorf("spike exchange: rank %d sent a malformed buffer", r) }
	// Each rank's segment: its flag, then per (k, i) a count and the ids.
	seg := make([][]int32, len(counts))
	off := 0
	for r, c := range counts {
		if c < 1 || off+c > len(all) {
			return 0, -1, bad(r)
		}
		seg[r] = all[off : off+c]
		off += c
		flags |= seg[r][0]
		if seg[r][0]&flagFail != 0 && failed < 0 {
			failed = r
		}
	}
	if failed >= 0 {
		return flags, failed, nil
	}
	clear(d.gOff)
	pos := make([]int, len(seg)) // read position in each segment
	for r, s := range seg {
		pos[r] = 1
		for j := range L * P {
			if pos[r] >= len(s) {
				return 0, -1, bad(r)
			}
			c := int(s[pos[r]])
			if c < 0 || pos[r]+1+c > len(s) {
				return 0, -1, bad(r)
			}
			d.gOff[j+1] += c
			pos[r] += 1 + c
		}
		if pos[r] != len(s) {
			return 0, -1, bad(r)
		}
	}
	for j := range L * P {
		d.gOff[j+1] += d.gOff[j]
	}
	total := d.gOff[L*P]
	if cap(d.glob) < total {
		d.glob = make([]int32, total, total+total/4)
	}
	d.glob = d.glob[:total]
	at := append([]int(nil), d.gOff[:L*P]...)
	for r, s := range seg {
		p := 1
		for j := range L * P {
			c := int(s[p])
			if r == d.rank {
				d.myOff[j], d.myLen[j] = at[j], c
			}
			copy(d.glob[at[j]:], s[p+1:p+1+c])
			at[j] += c
			p += 1 + c
		}
	}
	return flags, -1, nil
}

// spikes returns every rank's spikes of step k of the interval, population i.
func (d *dist) spikes(k, i, P int) []int32 { return d.glob[d.gOff[k*P+i]:d.gOff[k*P+i+1]] }

// deliver makes every thread's deliveries of the interval's spikes into its
// targets, step by step in the one-process order.
func (d *dist) deliver(n *Network, s0 int64, L int) {
	P := len(n.pops)
	events := make([]int64, len(d.spk))
	d.parallel(func(w int) {
		var ev int64
		for k := range L {
			for _, dl := range d.plan[w] {
				sp := d.spikes(k, dl.src, P)
				if len(sp) == 0 {
					continue
				}
				if dl.split == nil {
					ev += dl.proj.Deliver(s0+int64(k), sp, n.impl)
				} else {
					ev += dl.proj.DeliverPart(s0+int64(k), sp, n.impl, dl.split, dl.part)
				}
			}
		}
		events[w] = ev
	})
	for _, ev := range events {
		n.events += ev
	}
}

// exchangeGrace is how long a rank that was interrupted (SIGINT, SIGTERM)
// still waits for an exchange, which tells the other ranks that it stops.
// When every rank is interrupted (mpirun forwards SIGINT and SIGTERM to
// all), they all make it; when a rank has died, mpirun sends SIGTERM to the
// others and SIGKILL one second later (Open MPI's odls_base_sigkill_timeout),
// so a rank must give up the exchange well before that to close its traces
// (on a loaded machine, raise it: mpirun --mca odls_base_sigkill_timeout 5).
const exchangeGrace = 200 * time.Millisecond

// distLoop is loop for a rank of a distributed network: per interval of L
// steps (the minimum delay, or 1 when a monitor reads the neurons' state),
// the rank steps its neurons L steps, exchanges its spikes with every rank
// (one collective), delivers all the spikes into its targets, and observes
// the L steps with every rank's spikes (the summary st) and its own (the
// monitors, which record the rank's part). The ranks stop together: at the
// end of an interval in which one was interrupted, or, with an error, after
// one failed (a monitor's error: it tells the others in the next exchange)
// or an exchange failed (a rank died: the Comm's error or timeout); the
// network is then at the end of the last interval exchanged, and the
// monitors have observed every step before it.
func (n *Network) distLoop(ctx context.Context, steps int64, st *stats, mons []Monitor) (interrupted bool, err error) {
	d := n.dist
	// The exchanges are not cancelled by ctx (every rank must make them,
	// interrupted or not), but a while after it.
	xctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(exchangeGrace, cancel) })
	defer stopGrace()
	state := false // a monitor reads the neurons' state, which must be that of the step observed
	for _, m := range mons {
		switch m := m.(type) {
		case Ticker:
		case SpikeMonitor:
			state = state || !m.SpikesOnly()
		default:
			state = true
		}
	}
	L, err := d.setup(xctx, n, state)
	if err != nil {
		return ctx.Err() != nil, err
	}
	P := len(n.pops)
	end := n.step + steps
	if steps > 0 && end < n.step {
		end = 1<<63 - 1
	}
	var last int = -1 // the last step's index in the last interval observed
	defer func() {
		for i, p := range n.pops { // the last step's spikes, in the population's own buffer
			if last >= 0 {
				p.SetSpikes(append(d.orig[i][:0], d.spikes(last, i, P)...))
			} else {
				p.SetSpikes(d.orig[i][:0])
			}
		}
	}()
	for n.step < end && !interrupted {
		l := int(min(int64(L), end-n.step))
		var flag int32
		if ctx.Err() != nil {
			flag = flagStop
		}
		d.update(n, n.step, l)
		all, counts, xerr := d.gather(xctx, d.pack(P, l, flag))
		if xerr != nil {
			if ctx.Err() != nil {
				return true, fmt.Errorf("rank %d: interrupted, and the last spike exchange did not complete (another rank has stopped): %w", d.rank, xerr)
			}
			return false, fmt.Errorf("rank %d: spike exchange at step %d: %w", d.rank, n.step, xerr)
		}
		flags, failed, uerr := d.unpack(all, counts, P, l)
		if uerr != nil {
			return false, fmt.Errorf("rank %d: %w", d.rank, uerr)
		}
		if failed >= 0 {
			return false, fmt.Errorf("rank %d: stopped at step %d: rank %d failed", d.rank, n.step, failed)
		}
		d.deliver(n, n.step, l)
		for k := range l {
			s := n.step
			if st != nil {
				for i, p := range n.pops {
					p.SetSpikes(d.spikes(k, i, P))
				}
				st.observe(s, n.pops)
			}
			for i, p := range n.pops {
				j := k*P + i
				p.SetSpikes(d.glob[d.myOff[j] : d.myOff[j]+d.myLen[j]])
			}
			for _, m := range mons {
				if t, ok := m.(Ticker); ok {
					t.Tick(s)
				} else if err = m.Observe(s, n); err != nil {
					break
				}
			}
			last = k
			n.step++
			if err != nil {
				// Tell the other ranks (their exchange of the next
				// interval fails); this rank's monitors stop here.
				d.gather(xctx, d.pack(P, 0, flagFail))
				return false, err
			}
		}
		interrupted = flags&flagStop != 0
	}
	return interrupted, nil
}

// localGroup is the shared state of NewLocalComms.
type localGroup struct {
	mu      sync.Mutex
	size    int
	round   *localRound
	failed  chan struct{}
	failErr error
	timeout time.Duration
}

type localRound struct {
	bufs    [][]int32
	arrived int
	done    chan struct{}
	all     []int32
	counts  []int
}

// LocalComm is a rank of NewLocalComms.
type LocalComm struct {
	g    *localGroup
	rank int
}

// NewLocalComms returns the communicators of size ranks that are
// goroutines of this process (for tests, and to check a partition): each
// rank's network runs on its own goroutine. An Allgather that waits longer
// than timeout (0: forever) for the other ranks fails, as does every
// Allgather after a rank's Fail.
func NewLocalComms(size int, timeout time.Duration) []*LocalComm {
	g := &localGroup{size: size, failed: make(chan struct{}), timeout: timeout}
	g.round = &localRound{bufs: make([][]int32, size), done: make(chan struct{})}
	out := make([]*LocalComm, size)
	for r := range out {
		out[r] = &LocalComm{g: g, rank: r}
	}
	return out
}

// Rank returns the rank.
func (c *LocalComm) Rank() int { return c.rank }

// Size returns the number of ranks.
func (c *LocalComm) Size() int { return c.g.size }

// Fail makes every rank's pending and later Allgather fail with err, as
// when a process dies.
func (c *LocalComm) Fail(err error) {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failErr == nil {
		g.failErr = fmt.Errorf("rank %d failed: %w", c.rank, err)
		close(g.failed)
	}
}

// Allgather implements Comm.
func (c *LocalComm) Allgather(ctx context.Context, local []int32) ([]int32, []int, error) {
	g := c.g
	g.mu.Lock()
	if g.failErr != nil {
		g.mu.Unlock()
		return nil, nil, g.failErr
	}
	r := g.round
	r.bufs[c.rank] = append([]int32(nil), local...)
	r.arrived++
	if r.arrived == g.size {
		r.counts = make([]int, g.size)
		for k, b := range r.bufs {
			r.all = append(r.all, b...)
			r.counts[k] = len(b)
		}
		close(r.done)
		g.round = &localRound{bufs: make([][]int32, g.size), done: make(chan struct{})}
	}
	g.mu.Unlock()
	var timer <-chan time.Time
	if g.timeout > 0 {
		t := time.NewTimer(g.timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-r.done:
		return r.all, r.counts, nil
	case <-g.failed:
		return nil, nil, g.failErr
	case <-ctx.Done():
		c.Fail(ctx.Err())
		return nil, nil, ctx.Err()
	case <-timer:
		err := fmt.Errorf("no exchange from every rank within %v: a rank has probably died", g.timeout)
		c.Fail(err)
		return nil, nil, errors.Unwrap(g.failErr)
	}
}
