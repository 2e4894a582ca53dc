package spec

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// locator maps spec keys ("population[1].tau_m_ms") to source lines; the
// TOML decoder reports lines only for syntax and type errors, so semantic
// errors are located by this line scan of headers and keys.
type locator struct {
	lines map[string]int
	order []string
}

var (
	reArrayHeader = regexp.MustCompile(`^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]`)
	reHeader      = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]`)
	reKey         = regexp.MustCompile(`^\s*([A-Za-z0-9_\-]+)\s*=`)
)

func newLocator(src []byte) *locator {
	l := &locator{lines: map[string]int{}}
	counts := map[string]int{}
	prefix := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := reArrayHeader.FindStringSubmatch(line); m != nil {
			i := counts[m[1]]
			counts[m[1]]++
			prefix = fmt.Sprintf("%s[%d]", m[1], i)
			if j := strings.LastIndex(m[1], "."); j >= 0 {
				// nested array of tables: index within the current parent
				prefix = fmt.Sprintf("%s[%d]", m[1], i)
			}
			l.add(prefix, n)
			continue
		}
		if m := reHeader.FindStringSubmatch(line); m != nil {
			// [population.init] belongs to the latest population[i]
			name := m[1]
			if j := strings.Index(name, "."); j >= 0 {
				parent := name[:j]
				if c := counts[parent]; c > 0 {
					name = fmt.Sprintf("%s[%d]%s", parent, c-1, name[j:])
				}
			}
			prefix = name
			l.add(prefix, n)
			continue
		}
		if m := reKey.FindStringSubmatch(line); m != nil {
			key := m[1]
			if prefix != "" {
				key = prefix + "." + key
			}
			l.add(key, n)
		}
	}
	return l
}

func (l *locator) add(key string, line int) {
	if _, ok := l.lines[key]; !ok {
		l.lines[key] = line
		l.order = append(l.order, key)
	}
}

// line returns the line of key, falling back to its parents; 0 if unknown.
func (l *locator) line(key string) int {
	for key != "" {
		if n, ok := l.lines[key]; ok {
			return n
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

var reIndex = regexp.MustCompile(`\[\d+\]`)

// lineOfUndecoded finds a key the decoder reports without array indices
// ("population.bogus"): the first located key that matches it.
func (l *locator) lineOfUndecoded(key string) int {
	for _, k := range l.order {
		if reIndex.ReplaceAllString(k, "") == key {
			return l.lines[k]
		}
	}
	return 0
}
