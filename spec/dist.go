package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"dalesim/internal/rng"
)

// Dist is a spec value that is either a number (a constant) or a table
// { dist = "uniform", low = .., high = .. } (also "normal" mean/sd,
// "lognormal" mu/sigma, "constant" value).
type Dist struct {
	rng.Dist
	set bool
}

// IsSet reports whether the spec gave the value.
func (d *Dist) IsSet() bool { return d.set }

// UnmarshalTOML implements toml.Unmarshaler.
func (d *Dist) UnmarshalTOML(v any) error {
	d.set = true
	if x, ok := number(v); ok {
		d.Dist = rng.Const(x)
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want a number or a table such as { dist = \"uniform\", low = 0.1, high = 1 }, got %T %v", v, v)
	}
	kind, ok := m["dist"].(string)
	if !ok {
		return fmt.Errorf("table lacks the string key \"dist\" (constant, uniform, normal or lognormal)")
	}
	d.Kind = rng.DistKind(kind)
	var params map[string]*float64
	switch d.Kind {
	case rng.Constant:
		params = map[string]*float64{"value": &d.Value}
	case rng.Uniform:
		params = map[string]*float64{"low": &d.Low, "high": &d.High}
	case rng.Normal:
		params = map[string]*float64{"mean": &d.Mean, "sd": &d.SD}
	case rng.LogNormal:
		params = map[string]*float64{"mu": &d.Mu, "sigma": &d.Sigma}
	default:
		return fmt.Errorf("dist = %q: unknown (want constant, uniform, normal or lognormal)", kind)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "dist" {
			continue
		}
		p, ok := params[k]
		if !ok {
			return fmt.Errorf("unknown key %q for dist = %q (want %s)", k, kind, names(params))
		}
		x, ok := number(m[k])
		if !ok {
			return fmt.Errorf("%s = %v: must be a number", k, m[k])
		}
		*p = x
	}
	for k := range params {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("dist = %q needs %s (missing %q)", kind, names(params), k)
		}
	}
	return nil
}

func names(m map[string]*float64) string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// MarshalTOML writes the value back as a spec would: a number for a
// constant, otherwise an inline table.
func (d Dist) MarshalTOML() ([]byte, error) {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	switch d.Kind {
	case rng.Constant:
		v := f(d.Value)
		if !strings.ContainsAny(v, ".eE") {
			v += ".0"
		}
		return []byte(v), nil
	case rng.Uniform:
		return []byte(fmt.Sprintf(`{ dist = "uniform", low = %s, high = %s }`, f(d.Low), f(d.High))), nil
	case rng.Normal:
		return []byte(fmt.Sprintf(`{ dist = "normal", mean = %s, sd = %s }`, f(d.Mean), f(d.SD))), nil
	case rng.LogNormal:
		return []byte(fmt.Sprintf(`{ dist = "lognormal", mu = %s, sigma = %s }`, f(d.Mu), f(d.Sigma))), nil
	}
	return nil, fmt.Errorf("dist %q cannot be written", d.Kind)
}

// IsZero reports an unset value (omitted when the spec is written).
func (d Dist) IsZero() bool { return !d.set }
