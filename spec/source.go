package spec

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var reRootKey = regexp.MustCompile(`^\s*(dt_ms|duration_ms|seed)\s*=`)

// EffectiveSource returns the spec's TOML text with the root keys dt_ms,
// duration_ms and seed set to the values the spec holds now, which differ
// from the text after command-line overrides (--dt, --duration, --seed).
// Everything else, comments included, is kept as written, so the text
// reproduces the run.
func EffectiveSource(s *Spec) string {
	if len(s.Source) == 0 {
		return ""
	}
	want := map[string]string{}
	if s.DtMS != nil {
		want["dt_ms"] = strconv.FormatFloat(*s.DtMS, 'g', -1, 64)
	}
	if s.DurationMS != nil {
		want["duration_ms"] = strconv.FormatFloat(*s.DurationMS, 'g', -1, 64)
	}
	if s.Seed != nil {
		want["seed"] = strconv.FormatInt(*s.Seed, 10)
	}
	orig, err := Parse(s.Source, s.File)
	if err == nil {
		same := func(a, b *float64) bool { return a != nil && b != nil && *a == *b }
		if same(orig.DtMS, s.DtMS) {
			delete(want, "dt_ms")
		}
		if same(orig.DurationMS, s.DurationMS) {
			delete(want, "duration_ms")
		}
		if orig.Seed != nil && s.Seed != nil && *orig.Seed == *s.Seed {
			delete(want, "seed")
		}
	}
	if len(want) == 0 {
		return string(s.Source)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(s.Source))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	inRoot := true
	flushMissing := func() {
		for _, k := range []string{"dt_ms", "duration_ms", "seed"} {
			if v, ok := want[k]; ok {
				fmt.Fprintf(&out, "%s = %s  # set on the command line\n", k, v)
				delete(want, k)
			}
		}
	}
	for sc.Scan() {
		line := sc.Text()
		if inRoot && strings.HasPrefix(strings.TrimSpace(line), "[") {
			flushMissing()
			inRoot = false
		}
		if inRoot {
			if m := reRootKey.FindStringSubmatch(line); m != nil {
				if v, ok := want[m[1]]; ok {
					fmt.Fprintf(&out, "%s = %s  # set on the command line\n", m[1], v)
					delete(want, m[1])
					continue
				}
			}
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if inRoot {
		flushMissing()
	}
	return out.String()
}
