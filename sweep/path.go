package sweep

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// step is one part of a parameter path: a key, or the choice of an element
// of an array of tables by name or index.
type step struct {
	key   string
	name  string // [name=X]
	index int    // [N]; -1 when unused
	sel   bool   // name or index selector
}

// parsePath parses a path such as population[name=E].tau_m_ms,
// population.E.tau_m_ms or projection[0].weight.
func parsePath(p string) ([]step, error) {
	if p == "" {
		return nil, fmt.Errorf("empty path")
	}
	var steps []step
	i := 0
	expectKey := true
	for i < len(p) {
		switch c := p[i]; {
		case c == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: '[' without ']'", p)
			}
			inner := p[i+1 : i+end]
			i += end + 1
			if len(steps) == 0 {
				return nil, fmt.Errorf("path %q: a selector must follow a key, as in population[name=E]", p)
			}
			if name, ok := strings.CutPrefix(inner, "name="); ok {
				if name == "" {
					return nil, fmt.Errorf("path %q: empty name in [name=]", p)
				}
				steps = append(steps, step{name: name, index: -1, sel: true})
			} else if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				steps = append(steps, step{index: n, sel: true})
			} else {
				return nil, fmt.Errorf("path %q: [%s] is neither [name=NAME] nor an index [N]", p, inner)
			}
			expectKey = false
		case c == '.':
			if expectKey {
				return nil, fmt.Errorf("path %q: empty key", p)
			}
			i++
			expectKey = true
			if i == len(p) {
				return nil, fmt.Errorf("path %q: ends with '.'", p)
			}
		default:
			if !expectKey {
				return nil, fmt.Errorf("path %q: expected '.' or '[' after %q", p, p[:i])
			}
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' && p[j] != ']' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				return nil, fmt.Errorf("path %q: ']' without '['", p)
			}
			steps = append(steps, step{key: p[i:j], index: -1})
			i = j
			expectKey = false
		}
	}
	return steps, nil
}

// pathString writes steps back as a path: name selectors as .NAME when the
// name has no '.', '[' or ']', else [name=NAME].
func pathString(steps []step) string {
	var b strings.Builder
	for i, s := range steps {
		switch {
		case s.sel && s.index >= 0:
			fmt.Fprintf(&b, "[%d]", s.index)
		case s.sel && !strings.ContainsAny(s.name, ".[]"):
			b.WriteString("." + s.name)
		case s.sel:
			b.WriteString("[name=" + s.name + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// arrayNames are the arrays of tables whose elements paths pick by name,
// with the name an element has when it has none (as the spec package's
// EffectiveName).
var arrayNames = map[string]func(i int, t map[string]any) string{
	"population": func(i int, t map[string]any) string { s, _ := t["name"].(string); return s },
	"drive": func(i int, t map[string]any) string {
		if s, _ := t["name"].(string); s != "" {
			return s
		}
		tg, _ := t["target"].(string)
		return fmt.Sprintf("drive%d->%s", i+1, tg)
	},
	"projection": func(i int, t map[string]any) string {
		if s, _ := t["name"].(string); s != "" {
			return s
		}
		src, _ := t["source"].(string)
		tg, _ := t["target"].(string)
		return src + "->" + tg
	},
}

// set puts v at path in the TOML tree (creating missing tables) and returns
// the canonical path (elements by name). It refuses a path through a missing
// or non-table element and a change of type against the value there.
func set(tree map[string]any, steps []step, v any) (string, any, error) {
	var canon []step
	cur := tree
	for i := 0; i < len(steps); i++ {
		s := steps[i]
		if s.sel {
			return "", nil, fmt.Errorf("a selector must follow the key of an array of tables")
		}
		last := i == len(steps)-1
		x, exists := cur[s.key]
		if arr, isArr := asTables(x); isArr {
			if last {
				return "", nil, fmt.Errorf("%s is an array of tables: name an element and its key, as in %s[name=NAME].KEY", s.key, s.key)
			}
			nxt := steps[i+1]
			var idx int
			var err error
			if idx, err = pick(s.key, arr, nxt); err != nil {
				return "", nil, err
			}
			name := ""
			if nf := arrayNames[s.key]; nf != nil {
				name = nf(idx, arr[idx])
			}
			canon = append(canon, step{key: s.key, index: -1})
			if name != "" {
				canon = append(canon, step{name: name, index: -1, sel: true})
			} else {
				canon = append(canon, step{index: idx, sel: true})
			}
			if i+2 >= len(steps) {
				return "", nil, fmt.Errorf("%s: name the key of the element to set", pathString(canon))
			}
			cur = arr[idx]
			i++
			continue
		}
		canon = append(canon, step{key: s.key, index: -1})
		if last {
			if exists {
				nv, err := sameType(x, v)
				if err != nil {
					return "", nil, err
				}
				v = nv
			}
			cur[s.key] = v
			break
		}
		if !exists {
			if steps[i+1].sel {
				return "", nil, fmt.Errorf("the base spec has no %s", s.key)
			}
			m := map[string]any{}
			cur[s.key] = m
			cur = m
			continue
		}
		m, ok := x.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("%s is a %s in the base spec, not a table", pathString(canon), typeName(x))
		}
		cur = m
	}
	return pathString(canon), v, nil
}

// asTables returns x as an array of tables.
func asTables(x any) ([]map[string]any, bool) {
	switch a := x.(type) {
	case []map[string]any:
		return a, true
	case []any:
		if len(a) == 0 {
			return nil, false
		}
		out := make([]map[string]any, len(a))
		for i, e := range a {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// pick finds the element of arr that sel (a selector, or a key read as a
// name) names.
func pick(key string, arr []map[string]any, sel step) (int, error) {
	if sel.sel && sel.index >= 0 {
		if sel.index >= len(arr) {
			return 0, fmt.Errorf("%s[%d]: the base spec has %d %s tables", key, sel.index, len(arr), key)
		}
		return sel.index, nil
	}
	name := sel.name
	if !sel.sel {
		name = sel.key
	}
	var names []string
	nf := arrayNames[key]
	for i, t := range arr {
		n := ""
		if nf != nil {
			n = nf(i, t)
		} else {
			n, _ = t["name"].(string)
		}
		if n == name {
			return i, nil
		}
		if n != "" {
			names = append(names, strconv.Quote(n))
		}
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("no %s named %q (its elements have no names: use %s[N])", key, name, key)
	}
	slices.Sort(names)
	return 0, fmt.Errorf("no %s named %q (the base spec has %s)", key, name, strings.Join(names, ", "))
}

// sameType converts v to the type of the value old it replaces: an integer
// where a float was becomes that float; a number and a table (a
// distribution) replace each other; any other change of type is refused.
func sameType(old, v any) (any, error) {
	to, tv := typeName(old), typeName(v)
	switch {
	case to == tv:
		return v, nil
	case to == "float" && tv == "integer":
		return float64(v.(int64)), nil
	case to == "integer" && tv == "float":
		f := v.(float64)
		return nil, fmt.Errorf("wrong type: the spec has an integer here (%s), not a float like %s", show(old), strconv.FormatFloat(f, 'g', -1, 64))
	case (to == "table" && (tv == "integer" || tv == "float")) || (tv == "table" && (to == "integer" || to == "float")):
		return v, nil
	case to == "":
		return v, nil
	}
	return nil, fmt.Errorf("wrong type: the spec has a %s here (%s), not a %s", to, show(old), tv)
}
