package network

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"dalesim/neuron"
)

// A checkpoint is the complete state of a network at a step boundary: what
// the next step reads. Random numbers are counter-based (internal/rng: the
// numbers of step s are a function of the stream's key and s), so the
// position of every random stream is the step number; the keys come from
// the seed and are rebuilt with the network. A checkpoint holds
//
//   - the step number and the count of synaptic events;
//   - per LIF population: v, ge, gi, theta (adaptive threshold), the
//     refractory counters and both input ring buffers (the pending delayed
//     input of every future step); per loihi_lif population u, v, the input
//     and every projection's integer accumulator; per Poisson population
//     the rates (they may be set at run time);
//   - the weights of every projection that stores them per synapse
//     (plastic weights);
//   - the run summary so far (spike counts, ISIs, 1 ms bins, the spike
//     checksum), so that a resumed run reports the summary and
//     spike_checksum of a run that was never interrupted;
//   - caller metadata (strings: the trace part to continue with, the spec's
//     hash, ...).
//
// The file format (little endian): the magic "DSIMCKPT", a format version
// (uint32), the number of fields (uint32), the fields, and a CRC-32C of
// everything before it. A field is its name (uint16 length, bytes), its kind
// (uint8, see fieldKind) and its number of values (uint64), then the values.

// checkpointMagic starts every checkpoint file.
const checkpointMagic = "DSIMCKPT"

// CheckpointVersion is the version of the checkpoint format.
const CheckpointVersion = 1

// fieldKind is the type of a checkpoint field's values.
type fieldKind uint8

const (
	kindF32 fieldKind = iota + 1
	kindF64
	kindI32
	kindI64
	kindU64
	kindBytes
)

func (k fieldKind) size() int {
	switch k {
	case kindF32, kindI32:
		return 4
	case kindF64, kindI64, kindU64:
		return 8
	case kindBytes:
		return 1
	}
	return 0
}

func (k fieldKind) String() string {
	switch k {
	case kindF32:
		return "float32"
	case kindF64:
		return "float64"
	case kindI32:
		return "int32"
	case kindI64:
		return "int64"
	case kindU64:
		return "uint64"
	case kindBytes:
		return "bytes"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// field is one named array of a checkpoint, its values kept encoded.
type field struct {
	kind fieldKind
	n    int    // number of values
	data []byte // n*kind.size() bytes, little endian
}

// Checkpoint is a parsed checkpoint: the step it was taken before, the
// caller's metadata and the network's state (applied by Network.Restore).
type Checkpoint struct {
	Step   int64             // the next step to run
	Meta   map[string]string // caller metadata (SaveCheckpoint's meta)
	fields map[string]field
}

// CheckpointError is a checkpoint that cannot be read or does not fit the
// network: it names the field, its value and the rule it breaks.
type CheckpointError struct {
	Field string // field name ("" for the file as a whole)
	Msg   string
}

func (e *CheckpointError) Error() string {
	if e.Field == "" {
		return "checkpoint: " + e.Msg
	}
	return fmt.Sprintf("checkpoint: field %s: %s", e.Field, e.Msg)
}

func ckErr(field, format string, a ...any) error {
	return &CheckpointError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// ckWriter encodes fields into one buffer.
type ckWriter struct {
	buf []byte
	n   uint32
}

func (w *ckWriter) head(name string, k fieldKind, n int) {
	w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(len(name)))
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, byte(k))
	w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(n))
	w.buf = slices.Grow(w.buf, n*k.size())
	w.n++
}

func (w *ckWriter) f32(name string, v []float32) {
	w.head(name, kindF32, len(v))
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(x))
	}
}

func (w *ckWriter) f64(name string, v []float64) {
	w.head(name, kindF64, len(v))
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(x))
	}
}

func (w *ckWriter) i32(name string, v []int32) {
	w.head(name, kindI32, len(v))
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(x))
	}
}

func (w *ckWriter) i64(name string, v ...int64) {
	w.head(name, kindI64, len(v))
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(x))
	}
}

func (w *ckWriter) u64(name string, v ...uint64) {
	w.head(name, kindU64, len(v))
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, x)
	}
}

func (w *ckWriter) str(name, v string) {
	w.head(name, kindBytes, len(v))
	w.buf = append(w.buf, v...)
}

// Field names.
func popField(p *neuron.Population, v string) string  { return "pop/" + p.Name() + "/" + v }
func projField(name, v string) string                 { return "proj/" + name + "/" + v }
func statField(p *neuron.Population, v string) string { return "stats/pop/" + p.Name() + "/" + v }
func fixedInField(p *neuron.Population, k int) string {
	return fmt.Sprintf("pop/%s/fixed_input/%d", p.Name(), k)
}

const metaPrefix = "meta/"

// Fingerprint is a hash of what a checkpoint's state depends on besides
// the state itself: time step, seed, populations (name, model, size, ring
// slots, drives) and projections (name, ends, synapses, longest delay). A
// checkpoint restores only into a network with the same fingerprint.
func (n *Network) Fingerprint() uint64 {
	h := fnv.New64a()
	var b [8]byte
	num := func(x uint64) {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	str := func(s string) {
		num(uint64(len(s)))
		h.Write([]byte(s))
	}
	num(math.Float64bits(n.dt))
	num(n.seed)
	for _, p := range n.pops {
		str(p.Name())
		str(string(p.Model()))
		num(uint64(p.Len()))
		num(uint64(p.Slots()))
		for _, d := range p.Drives() {
			str(d.Name)
			num(d.Key)
			num(uint64(d.N))
			num(math.Float64bits(d.RateHz))
			num(math.Float64bits(d.Weight))
		}
	}
	for _, p := range n.projs {
		str(p.Name())
		str(p.Source().Name())
		str(p.Target().Name())
		num(uint64(p.Len()))
		num(uint64(p.MaxDelay()))
	}
	return h.Sum64()
}

// SaveCheckpoint writes the network's state (see Checkpoint) and meta to w.
// Call it between runs (RunSteps, Run or Advance), never from a monitor:
// only then is the state at a step boundary.
func (n *Network) SaveCheckpoint(w io.Writer, meta map[string]string) error {
	_, err := w.Write(n.encodeCheckpoint(meta))
	return err
}

func (n *Network) encodeCheckpoint(meta map[string]string) []byte {
	size := 64
	for _, p := range n.pops {
		size += p.Len()*64 + len(p.Ring(false))*8
	}
	cw := &ckWriter{buf: make([]byte, 0, size)}
	cw.buf = append(cw.buf, checkpointMagic...)
	cw.buf = binary.LittleEndian.AppendUint32(cw.buf, CheckpointVersion)
	cw.buf = append(cw.buf, 0, 0, 0, 0) // field count, set below
	cw.i64("net/step", n.step)
	cw.i64("net/events", n.events)
	cw.u64("net/seed", n.seed)
	cw.f64("net/dt", []float64{n.dt})
	cw.u64("net/fingerprint", n.Fingerprint())
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cw.str(metaPrefix+k, meta[k])
	}
	for _, p := range n.pops {
		switch {
		case p.Model().IsLIF():
			st := &p.State
			cw.f32(popField(p, "v"), st.V)
			if st.GE != nil {
				cw.f32(popField(p, "ge"), st.GE)
				cw.f32(popField(p, "gi"), st.GI)
			}
			cw.f32(popField(p, "theta"), st.Theta)
			cw.i32(popField(p, "ref"), st.Ref)
			cw.f32(popField(p, "ring_e"), p.Ring(false))
			cw.f32(popField(p, "ring_i"), p.Ring(true))
		case p.Model().IsFixed():
			cw.i32(popField(p, "u"), p.FState.U)
			cw.i32(popField(p, "v"), p.FState.V)
			cw.i32(popField(p, "in"), p.FState.In)
			for k, f := range p.FixedInputs() {
				cw.i32(fixedInField(p, k), f.Ring())
			}
		case p.Model() == neuron.Poisson:
			cw.f64(popField(p, "rates"), p.Rates())
		}
	}
	for _, p := range n.projs {
		if _, constant := p.ConstWeight(); !constant {
			cw.f32(projField(p.Name(), "weights"), p.Weights())
		}
	}
	if s := n.stats; s != nil {
		cw.i64("stats/first", s.first)
		cw.i64("stats/steps", s.steps)
		cw.u64("stats/hash", s.hash)
		cw.i64("stats/wall_ns", int64(s.wall))
		for i, p := range n.pops {
			ps := &s.pops[i]
			cw.i64(statField(p, "spikes"), ps.spikes)
			cw.i64(statField(p, "last"), ps.last...)
			cw.f64(statField(p, "isi_sum"), ps.isiSum)
			cw.f64(statField(p, "isi_sq"), ps.isiSq)
			cw.i32(statField(p, "isi_n"), ps.isiN)
			cw.i64(statField(p, "bins"), ps.bins...)
		}
	}
	binary.LittleEndian.PutUint32(cw.buf[len(checkpointMagic)+4:], cw.n)
	return binary.LittleEndian.AppendUint32(cw.buf, crc32.Checksum(cw.buf, crcTable))
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maxFieldName bounds a field name's length.
const maxFieldName = 1024

// ParseCheckpoint decodes a checkpoint file's bytes. A truncated, corrupted
// or foreign file gives a *CheckpointError; it never panics.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	head := len(checkpointMagic) + 8
	if len(b) < head+4 {
		return nil, ckErr("", "%d bytes: too short for a checkpoint (at least %d)", len(b), head+4)
	}
	if string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, ckErr("", "magic = %q: not a dalesim checkpoint (want %q)", b[:len(checkpointMagic)], checkpointMagic)
	}
	if v := binary.LittleEndian.Uint32(b[len(checkpointMagic):]); v != CheckpointVersion {
		return nil, ckErr("", "format version = %d: this dalesim reads version %d", v, CheckpointVersion)
	}
	body := b[:len(b)-4]
	if want, got := binary.LittleEndian.Uint32(b[len(b)-4:]), crc32.Checksum(body, crcTable); want != got {
		return nil, ckErr("", "CRC-32C = %08x, the file says %08x: the file is truncated or corrupted", got, want)
	}
	count := binary.LittleEndian.Uint32(b[len(checkpointMagic)+4:])
	c := &Checkpoint{Meta: map[string]string{}, fields: map[string]field{}}
	pos := head
	for i := uint32(0); i < count; i++ {
		if len(body)-pos < 2 {
			return nil, ckErr("", "field %d of %d: the file ends before its name", i, count)
		}
		nl := int(binary.LittleEndian.Uint16(body[pos:]))
		pos += 2
		if nl == 0 || nl > maxFieldName || len(body)-pos < nl+9 {
			return nil, ckErr("", "field %d of %d: name of %d bytes: must be 1 to %d bytes and fit in the file", i, count, nl, maxFieldName)
		}
		name := string(body[pos : pos+nl])
		pos += nl
		k := fieldKind(body[pos])
		nv := binary.LittleEndian.Uint64(body[pos+1:])
		pos += 9
		if k.size() == 0 {
			return nil, ckErr(name, "kind = %d: unknown (want 1 to %d)", uint8(k), kindBytes)
		}
		if nv > uint64(len(body)-pos)/uint64(k.size()) {
			return nil, ckErr(name, "%d values of %s: more than the %d bytes left in the file", nv, k, len(body)-pos)
		}
		nb := int(nv) * k.size()
		if _, dup := c.fields[name]; dup {
			return nil, ckErr(name, "appears twice: each field must appear once")
		}
		f := field{kind: k, n: int(nv), data: body[pos : pos+nb]}
		pos += nb
		if m, ok := cutPrefix(name, metaPrefix); ok {
			if k != kindBytes {
				return nil, ckErr(name, "kind = %s: metadata must be bytes", k)
			}
			c.Meta[m] = string(f.data)
			continue
		}
		c.fields[name] = f
	}
	if pos != len(body) {
		return nil, ckErr("", "%d bytes after the last of %d fields: the field count is wrong", len(body)-pos, count)
	}
	step, err := c.int64s("net/step", 1)
	if err != nil {
		return nil, err
	}
	if step[0] < 0 {
		return nil, ckErr("net/step", "value = %d: must be >= 0", step[0])
	}
	c.Step = step[0]
	for _, name := range []string{"net/events", "net/seed", "net/dt", "net/fingerprint"} {
		if _, ok := c.fields[name]; !ok {
			return nil, ckErr(name, "missing: every checkpoint has it")
		}
	}
	return c, nil
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

// get returns field name checked for kind and length (want < 0: any).
func (c *Checkpoint) get(name string, k fieldKind, want int, rule string) (field, error) {
	f, ok := c.fields[name]
	if !ok {
		return f, ckErr(name, "missing: %s", rule)
	}
	if f.kind != k {
		return f, ckErr(name, "kind = %s: must be %s", f.kind, k)
	}
	if want >= 0 && f.n != want {
		return f, ckErr(name, "%d values: must be %d (%s)", f.n, want, rule)
	}
	return f, nil
}

func (c *Checkpoint) int64s(name string, want int) ([]int64, error) {
	f, err := c.get(name, kindI64, want, "one per entry")
	if err != nil {
		return nil, err
	}
	return decodeI64(f, nil), nil
}

func decodeI64(f field, dst []int64) []int64 {
	if dst == nil {
		dst = make([]int64, f.n)
	}
	for i := range dst {
		dst[i] = int64(binary.LittleEndian.Uint64(f.data[8*i:]))
	}
	return dst
}

func decodeF32(f field, dst []float32) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(f.data[4*i:]))
	}
}

func decodeF64(f field, dst []float64) {
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(f.data[8*i:]))
	}
}

func decodeI32(f field, dst []int32) {
	for i := range dst {
		dst[i] = int32(binary.LittleEndian.Uint32(f.data[4*i:]))
	}
}

// Restore sets the network's state to the checkpoint's (see Checkpoint): the
// next step run is c.Step. The network must be built from the same spec
// (same Fingerprint); kernels and threads may differ, since they do not
// change results. Everything is checked before anything is changed, so a
// failed Restore leaves the network as it was.
func (n *Network) Restore(c *Checkpoint) error {
	u64 := func(name string) (uint64, error) {
		f, err := c.get(name, kindU64, 1, "one value")
		if err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint64(f.data), nil
	}
	seed, err := u64("net/seed")
	if err != nil {
		return err
	}
	if seed != n.seed {
		return ckErr("net/seed", "value = %d: the network's seed is %d (rule: restore into a network built with the same seed)", seed, n.seed)
	}
	df, err := c.get("net/dt", kindF64, 1, "one value")
	if err != nil {
		return err
	}
	if dt := math.Float64frombits(binary.LittleEndian.Uint64(df.data)); dt != n.dt {
		return ckErr("net/dt", "value = %g ms: the network's dt is %g ms (rule: restore into a network with the same time step)", dt, n.dt)
	}
	fp, err := u64("net/fingerprint")
	if err != nil {
		return err
	}
	if want := n.Fingerprint(); fp != want {
		return ckErr("net/fingerprint", "value = %016x: the network's is %016x (rule: populations, drives and projections must be those of the checkpointed network; the spec changed)", fp, want)
	}
	events, err := c.int64s("net/events", 1)
	if err != nil {
		return err
	}
	// Plan every copy, checking kinds and lengths, before changing anything.
	var apply []func()
	f32 := func(name string, dst []float32, rule string) error {
		f, err := c.get(name, kindF32, len(dst), rule)
		if err == nil {
			apply = append(apply, func() { decodeF32(f, dst) })
		}
		return err
	}
	i32 := func(name string, dst []int32, rule string) error {
		f, err := c.get(name, kindI32, len(dst), rule)
		if err == nil {
			apply = append(apply, func() { decodeI32(f, dst) })
		}
		return err
	}
	used := map[string]bool{}
	var errs []error
	add := func(name string, err error) {
		used[name] = true
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range n.pops {
		perNeuron := fmt.Sprintf("one per neuron of population %q", p.Name())
		ring := fmt.Sprintf("%d ring slots x %d neurons of population %q", p.Slots(), p.Len(), p.Name())
		switch {
		case p.Model().IsLIF():
			st := &p.State
			add(popField(p, "v"), f32(popField(p, "v"), st.V, perNeuron))
			if st.GE != nil {
				add(popField(p, "ge"), f32(popField(p, "ge"), st.GE, perNeuron))
				add(popField(p, "gi"), f32(popField(p, "gi"), st.GI, perNeuron))
			}
			add(popField(p, "theta"), f32(popField(p, "theta"), st.Theta, perNeuron))
			add(popField(p, "ref"), i32(popField(p, "ref"), st.Ref, perNeuron))
			add(popField(p, "ring_e"), f32(popField(p, "ring_e"), p.Ring(false), ring))
			add(popField(p, "ring_i"), f32(popField(p, "ring_i"), p.Ring(true), ring))
		case p.Model().IsFixed():
			add(popField(p, "u"), i32(popField(p, "u"), p.FState.U, perNeuron))
			add(popField(p, "v"), i32(popField(p, "v"), p.FState.V, perNeuron))
			add(popField(p, "in"), i32(popField(p, "in"), p.FState.In, perNeuron))
			for k, fi := range p.FixedInputs() {
				add(fixedInField(p, k), i32(fixedInField(p, k), fi.Ring(), ring))
			}
		case p.Model() == neuron.Poisson:
			name := popField(p, "rates")
			f, err := c.get(name, kindF64, p.Len(), perNeuron)
			if err == nil {
				rates := make([]float64, p.Len())
				decodeF64(f, rates)
				for i, r := range rates {
					if !(r >= 0) || math.IsInf(r, 0) || r*n.dt/1000 > 1 {
						err = ckErr(name, "value %d = %g Hz: must be a finite rate >= 0 and at most one spike per step", i, r)
						break
					}
				}
				if err == nil {
					apply = append(apply, func() {
						for i, r := range rates {
							_ = p.SetRateOf(i, r) // checked above
						}
					})
				}
			}
			add(name, err)
		}
	}
	for _, p := range n.projs {
		name := projField(p.Name(), "weights")
		f, ok := c.fields[name]
		if !ok {
			continue // a constant weight, set by the build
		}
		used[name] = true
		if f.kind != kindF32 || f.n != p.Len() {
			errs = append(errs, ckErr(name, "%d values of %s: must be %d float32 (one per synapse of projection %q)", f.n, f.kind, p.Len(), p.Name()))
			continue
		}
		w := make([]float32, f.n)
		decodeF32(f, w)
		for i, x := range w {
			if !(x >= 0) || math.IsInf(float64(x), 0) {
				errs = append(errs, ckErr(name, "value %d = %g: weights are finite magnitudes >= 0", i, x))
				break
			}
		}
		apply = append(apply, func() { copy(p.Weights(), w) })
	}
	var st *stats
	if _, ok := c.fields["stats/hash"]; ok {
		st, err = c.restoreStats(n, used)
		if err != nil {
			errs = append(errs, err)
		}
	}
	for name := range c.fields {
		if !used[name] && !isNetField(name) && !isStatsField(name) {
			errs = append(errs, ckErr(name, "unknown to this network (rule: every field belongs to one of its populations or projections)"))
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, f := range apply {
		f()
	}
	n.step = c.Step
	n.events = events[0]
	n.stats = st
	n.resetEngine()
	return nil
}

func isNetField(name string) bool {
	_, ok := cutPrefix(name, "net/")
	return ok
}

func isStatsField(name string) bool {
	_, ok := cutPrefix(name, "stats/")
	return ok
}

// restoreStats rebuilds the run summary of a checkpoint.
func (c *Checkpoint) restoreStats(n *Network, used map[string]bool) (*stats, error) {
	s := newStats(n)
	one := func(name string) (int64, error) {
		used[name] = true
		v, err := c.int64s(name, 1)
		if err != nil {
			return 0, err
		}
		return v[0], nil
	}
	var err error
	if s.first, err = one("stats/first"); err != nil {
		return nil, err
	}
	if s.steps, err = one("stats/steps"); err != nil {
		return nil, err
	}
	if s.steps < 0 || s.first < 0 || s.first+s.steps != c.Step {
		return nil, ckErr("stats/steps", "value = %d from step %d: must reach the checkpoint's step %d", s.steps, s.first, c.Step)
	}
	wall, err := one("stats/wall_ns")
	if err != nil {
		return nil, err
	}
	s.wall = time.Duration(wall)
	hf, err := c.get("stats/hash", kindU64, 1, "one value")
	if err != nil {
		return nil, err
	}
	s.hash = binary.LittleEndian.Uint64(hf.data)
	for i, p := range n.pops {
		ps := &s.pops[i]
		rule := fmt.Sprintf("one per neuron of population %q", p.Name())
		if ps.spikes, err = one(statField(p, "spikes")); err != nil {
			return nil, err
		}
		for _, x := range []struct {
			name string
			k    fieldKind
		}{{"last", kindI64}, {"isi_sum", kindF64}, {"isi_sq", kindF64}, {"isi_n", kindI32}} {
			name := statField(p, x.name)
			used[name] = true
			f, err := c.get(name, x.k, p.Len(), rule)
			if err != nil {
				return nil, err
			}
			switch x.name {
			case "last":
				decodeI64(f, ps.last)
			case "isi_sum":
				decodeF64(f, ps.isiSum)
			case "isi_sq":
				decodeF64(f, ps.isiSq)
			case "isi_n":
				decodeI32(f, ps.isiN)
			}
		}
		name := statField(p, "bins")
		used[name] = true
		maxBins := s.steps/ps.binSteps + 1
		f, err := c.get(name, kindI64, -1, "")
		if err != nil {
			return nil, err
		}
		if int64(f.n) > maxBins {
			return nil, ckErr(name, "%d bins: at most %d for %d steps (rule: one per %d steps run)", f.n, maxBins, s.steps, ps.binSteps)
		}
		ps.bins = decodeI64(f, nil)
	}
	return s, nil
}

// SaveCheckpointFile writes the checkpoint to path atomically: a temporary
// file in the same directory, synced, then renamed over path (and the
// directory synced), so that path always holds a complete checkpoint. It
// returns the number of bytes written.
func (n *Network) SaveCheckpointFile(path string, meta map[string]string) (int64, error) {
	b := n.encodeCheckpoint(meta)
	if err := writeFileAtomic(path, b); err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	return int64(len(b)), nil
}

// writeFileAtomic writes b to path through a synced temporary file.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// maxCheckpointBytes bounds the checkpoint files ReadCheckpointFile reads.
const maxCheckpointBytes = 1 << 40

// ReadCheckpointFile reads and parses a checkpoint file.
func ReadCheckpointFile(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if st.Size() > maxCheckpointBytes {
		return nil, ckErr("", "%s: %d bytes: larger than any checkpoint", path, st.Size())
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	c, err := ParseCheckpoint(buf.Bytes())
	if err != nil {
		var ce *CheckpointError
		if errors.As(err, &ce) {
			ce.Msg += " (" + path + ")"
		}
		return nil, err
	}
	return c, nil
}
