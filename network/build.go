package network

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"strconv"
	"strings"

	"dalesim/internal/rng"
	"dalesim/neuron"
	"dalesim/simd"
	"dalesim/spec"
	"dalesim/synapse"
)

// Options are the run-time choices that are not part of a spec.
type Options struct {
	Kernels   *simd.Impl // nil: the active implementation
	Threads   int        // <= 0: 1
	MaxMemory int64      // bytes a build may use; 0: the memory available now
	// Comm distributes the network over ranks (see Comm): this process
	// builds and steps its rank's part (nil: the whole network).
	Comm Comm
}

// streamKey derives a named random stream from the seed, so that a
// population or projection draws the same numbers wherever it sits in the spec.
func streamKey(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return rng.Key(seed, h.Sum64(), 0)
}

// Build validates a spec's resources (memory, files) and builds the network.
func Build(s *spec.Spec, opt Options) (*Network, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	est := EstimateFor(s, opt)
	limit := opt.MaxMemory
	if limit == 0 {
		limit = availableMemory()
	}
	if limit > 0 && est.Total > float64(limit) {
		return nil, &spec.Error{File: s.File, Msg: fmt.Sprintf(
			"the network needs about %s (%s of synapses for %.3g synapses at %.2f bytes each, %s of neuron state) but only %s is available; make it smaller",
			bytesString(est.Total), bytesString(est.Synapses), est.NumSynapses, est.PerSynapse(), bytesString(est.Neurons), bytesString(float64(limit)))}
	}
	dt, seed := s.Dt(), s.SeedValue()
	n := New(dt, seed)
	n.spec = s
	if opt.Kernels != nil {
		n.impl = opt.Kernels
	}
	n.SetThreads(opt.Threads)
	l := spec.NewErrorList(s)
	for i := range s.Populations {
		ps := &s.Populations[i]
		key := fmt.Sprintf("population[%d]", i)
		label := fmt.Sprintf("population %q", ps.Name)
		p, err := buildPop(s, ps, dt, seed)
		if err != nil {
			l.Add(key, label, err.Error())
			continue
		}
		if err := n.AddPopulation(p); err != nil {
			l.Add(key, label, err.Error())
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	if opt.Comm != nil {
		sizes := make([]int, len(n.pops))
		for i, p := range n.pops {
			sizes[i] = p.Len()
		}
		n.dist = newDist(opt.Comm, sizes)
	}
	for i := range s.Drives {
		ds := &s.Drives[i]
		id, _ := neuron.ParseIdentity(ds.Identity)
		name := ds.EffectiveName(i)
		d := &neuron.Drive{Name: name, Identity: id, N: ds.N, RateHz: *ds.RateHz, Weight: *ds.Weight,
			Key: streamKey(seed, "drive", name)}
		if err := n.Population(ds.Target).AddDrive(d); err != nil {
			l.Add(fmt.Sprintf("drive[%d]", i), fmt.Sprintf("drive %q", name), err.Error())
		}
	}
	for i := range s.Projections {
		ps := &s.Projections[i]
		key := fmt.Sprintf("projection[%d]", i)
		name := ps.EffectiveName()
		label := fmt.Sprintf("projection %q", name)
		sp, err := projSpec(s, ps, seed)
		if err != nil {
			l.Add(key+".connectivity.file", label, err.Error())
			continue
		}
		if t := n.PopulationIndex(ps.Target); n.dist != nil && t >= 0 {
			n.dist.restrict(&sp, t, n.pops[t].Len())
		}
		if _, err := n.Connect(ps.Source, ps.Target, sp); err != nil {
			l.Add(key, label, strings.TrimPrefix(err.Error(), fmt.Sprintf("projection %q: ", name)))
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	return n, nil
}

func buildPop(s *spec.Spec, ps *spec.Population, dt float64, seed uint64) (*neuron.Population, error) {
	id, _ := neuron.ParseIdentity(ps.Identity)
	m, _ := neuron.ParseModel(ps.Model)
	switch m {
	case neuron.Poisson:
		return neuron.NewPoisson(ps.Name, id, ps.Size, *ps.RateHz, dt, streamKey(seed, "population", ps.Name))
	case neuron.SpikeSource:
		path := s.Resolve(ps.File)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("file = %q: %v", ps.File, err)
		}
		defer f.Close()
		ev, err := neuron.ReadSpikeTimes(bufio.NewReader(f), dt)
		if err != nil {
			return nil, fmt.Errorf("file = %q: %s: %v", ps.File, path, err)
		}
		return neuron.NewSpikeSource(ps.Name, id, ps.Size, ev, dt)
	case neuron.LoihiLIF:
		par, _ := ps.FixedParams()
		return neuron.NewLoihiLIF(ps.Name, id, ps.Size, par, dt)
	}
	par, _ := ps.Params(m)
	p, err := neuron.NewLIF(ps.Name, id, m, ps.Size, par, dt)
	if err != nil {
		return nil, err
	}
	init := func(name string, d *spec.Dist, dst []float32, nonNeg bool) {
		if !d.IsSet() || dst == nil {
			return
		}
		st := rng.NewStream(streamKey(seed, "population", ps.Name, "init", name))
		for j := range dst {
			dst[j] = float32(d.Sample(st, nonNeg))
		}
	}
	init("v", &ps.Init.V, p.State.V, false)
	// CUBA currents are magnitudes (a normal is truncated at zero); COBA
	// conductances may start negative, as in the COBA benchmark.
	init("ge", &ps.Init.GE, p.State.GE, m == neuron.CUBA)
	init("gi", &ps.Init.GI, p.State.GI, m == neuron.CUBA)
	init("theta", &ps.Init.Theta, p.State.Theta, false)
	return p, nil
}

func projSpec(s *spec.Spec, ps *spec.Projection, seed uint64) (synapse.Spec, error) {
	c := ps.Connectivity
	conn := synapse.Conn{Rule: synapse.Rule(c.Rule), Autapses: true, Multapses: true}
	if c.P != nil {
		conn.P = *c.P
	}
	if c.K != nil {
		conn.K = *c.K
	}
	if c.Autapses != nil {
		conn.Autapses = *c.Autapses
	}
	if c.Multapses != nil {
		conn.Multapses = *c.Multapses
	}
	if conn.Rule == synapse.List {
		path := s.Resolve(c.File)
		f, err := os.Open(path)
		if err != nil {
			return synapse.Spec{}, fmt.Errorf("connectivity.file = %q: %v", c.File, err)
		}
		defer f.Close()
		pairs, err := synapse.ReadPairs(bufio.NewReader(f))
		if err != nil {
			return synapse.Spec{}, fmt.Errorf("connectivity.file = %q: %s: %v", c.File, path, err)
		}
		conn.Pairs = pairs
	}
	delay := rng.Const(s.Dt())
	if ps.DelayMS.IsSet() {
		delay = ps.DelayMS.Dist
	}
	var fixed *synapse.FixedWeights
	for i := range s.Populations {
		if t := &s.Populations[i]; t.Name == ps.Target && neuron.Model(t.Model).IsFixed() {
			f := s.FixedWeights(ps)
			fixed = &f
		}
	}
	return synapse.Spec{
		Name:   ps.EffectiveName(),
		Conn:   conn,
		Weight: ps.Weight.Dist,
		Delay:  delay,
		Key:    streamKey(seed, "projection", ps.EffectiveName()),
		Fixed:  fixed,
	}, nil
}

// Memory is an estimate of what a network needs, in bytes.
type Memory struct {
	Total, Synapses, Neurons float64
	NumSynapses              float64
	// Transient is what the build holds for a while beside the result
	// (connection lists being sorted), included in Total.
	Transient float64
}

// PerSynapse returns the estimated bytes per synapse (row pointers
// included), or 0 without synapses.
func (m Memory) PerSynapse() float64 {
	if m.NumSynapses == 0 {
		return 0
	}
	return m.Synapses / m.NumSynapses
}

// baseBytes is the resident memory of a dalesim process before it builds
// anything (Go runtime, code and data pages), measured on linux/amd64.
const baseBytes = 20 << 20

// EstimateMemory estimates the peak resident memory of a process that
// builds the spec and runs it on one thread: the arrays of the projections
// (targets, weights and delays where they vary, row pointers, the row
// runs of all-to-all rows), the neurons' state and input rings
// (neuron.BytesPerNeuron), the run statistics, the largest temporary array
// of the build, and the process's own base. Monitors' buffers are bounded
// and not counted. EstimateFor adds the workers of a multi-threaded run.
func EstimateMemory(s *spec.Spec) Memory {
	var m Memory
	dt := s.Dt()
	size := map[string]int{}
	slots := map[string]int{}
	inputs := map[string]int{}
	model := map[string]neuron.Model{}
	for _, p := range s.Populations {
		size[p.Name] = p.Size
		slots[p.Name] = 1
		model[p.Name] = neuron.Model(p.Model)
	}
	for _, p := range s.Projections {
		d := dt
		if p.DelayMS.IsSet() {
			d = p.DelayMS.MeanValue()
			if p.DelayMS.Kind == "uniform" {
				d = p.DelayMS.High
			}
		}
		slots[p.Target] = max(slots[p.Target], int(max(math.Round(d/dt), 1))+1)
		inputs[p.Target]++
		c := synapse.Conn{Rule: synapse.Rule(p.Connectivity.Rule)}
		if p.Connectivity.P != nil {
			c.P = *p.Connectivity.P
		}
		if p.Connectivity.K != nil {
			c.K = *p.Connectivity.K
		}
		ns, nt := size[p.Source], size[p.Target]
		n := synapse.EstimateSynapses(&c, ns, nt)
		if c.Rule == synapse.List {
			n = 0
			if fi, err := os.Stat(s.Resolve(p.Connectivity.File)); err == nil {
				n = float64(fi.Size()) / 8 // at least ~8 bytes of text per line
			}
			// The pairs, sorted in a copy, and their weights and delays.
			m.Transient = max(m.Transient, n*(24+24+16))
		}
		sp := synapse.Spec{Conn: c, Weight: p.Weight.Dist}
		if p.DelayMS.IsSet() {
			sp.Delay = p.DelayMS.Dist
		} else {
			sp.Delay = rng.Const(dt)
		}
		b := n * sp.BytesPerSynapse(false, dt, nt)
		if c.Rule == synapse.FixedProbability {
			b *= 1 + 6/math.Sqrt(max(n, 1)) // the room the build leaves for the count's spread
		}
		if model[p.Target].IsFixed() && !sp.Weight.IsConstant() {
			b += 4 * n // signed integer weights
		}
		b += 8 * float64(ns+1) // row pointers
		if c.Rule == synapse.AllToAll && nt >= 8 {
			b += 4 * float64(ns) // every row is a run
		}
		m.NumSynapses += n
		m.Synapses += b
	}
	for _, p := range s.Populations {
		perNeuron := neuron.BytesPerNeuron(neuron.Model(p.Model), slots[p.Name], inputs[p.Name]) + statsBytesPerNeuron
		m.Neurons += float64(p.Size) * float64(perNeuron)
	}
	m.Total = m.Synapses + m.Neurons + m.Transient + baseBytes
	return m
}

// EstimateFor is EstimateMemory for a build with opt: per-worker buffers for
// opt.Threads workers, and a rank's share of the synapses under opt.Comm.
// Build refuses a network whose estimate exceeds the memory available.
func EstimateFor(s *spec.Spec, opt Options) Memory {
	est := EstimateMemory(s)
	if opt.Comm != nil && opt.Comm.Size() > 1 {
		// A rank holds about its share of the synapses.
		r := float64(opt.Comm.Size())
		est.Total -= est.Synapses * (1 - 1/r)
		est.Synapses /= r
	}
	if opt.Threads > 1 {
		// Each worker keeps spikeBufs(lag) spike lists as long as the
		// network.
		var neurons float64
		for _, p := range s.Populations {
			neurons += float64(p.Size)
		}
		w := float64(opt.Threads) * float64(spikeBufs(estimateLag(s))) * 4 * neurons
		est.Neurons += w
		est.Total += w
	}
	return est
}

// estimateLag is engineLag from a spec: the smallest delay of its
// projections in steps, less one, at most maxLag; 0 when a projection's
// delay is a distribution (per-synapse delays) or given by its list.
func estimateLag(s *spec.Spec) int {
	dt := s.Dt()
	lag := maxLag
	for _, p := range s.Projections {
		d := 1 // the default delay, one step, or per-synapse delays
		if p.DelayMS.IsSet() && p.DelayMS.Kind == "constant" {
			d = int(max(math.Round(p.DelayMS.Value/dt), 1))
		}
		lag = min(lag, d-1)
	}
	return max(lag, 0)
}

// availableMemory reads MemAvailable from /proc/meminfo (0 if unknown).
func availableMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

func bytesString(b float64) string {
	switch {
	case b >= 1<<40:
		return fmt.Sprintf("%.1f TiB", b/(1<<40))
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", b/(1<<10))
}
