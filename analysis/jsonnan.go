package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
)

// Statistics are NaN where undefined (e.g. CV of a silent population), which
// encoding/json rejects. The types holding them marshal through marshalNaN,
// which writes NaN and ±Inf as null and otherwise follows encoding/json
// (field order, json tags, omitempty on empty values).

var ourPkg = reflect.TypeFor[Analysis]().PkgPath()

func marshalNaN(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writeNaN(&b, reflect.ValueOf(v), true); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeNaN(b *bytes.Buffer, v reflect.Value, top bool) error {
	if !v.IsValid() {
		b.WriteString("null")
		return nil
	}
	t := v.Type()
	// Foreign types with their own encoding (time.Time) and our own types
	// below the top level (they call marshalNaN themselves) use it.
	if !top && t.Implements(reflect.TypeFor[json.Marshaler]()) && (t.PkgPath() != ourPkg || t.Kind() != reflect.Struct) {
		out, err := json.Marshal(v.Interface())
		b.Write(out)
		return err
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.WriteString("null")
			return nil
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return writeNaN(b, v.Elem(), false)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("null")
			return nil
		}
		if t.Elem().Kind() != reflect.Float32 && t.Elem().Kind() != reflect.Float64 && t.Elem().Kind() != reflect.Struct {
			break
		}
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeNaN(b, v.Index(i), false); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case reflect.Struct:
		b.WriteByte('{')
		first := true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := v.Field(i)
			if strings.Contains(opts, "omitempty") && isEmpty(fv) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			key, _ := json.Marshal(name)
			b.Write(key)
			b.WriteByte(':')
			if err := writeNaN(b, fv, false); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	}
	out, err := json.Marshal(v.Interface())
	b.Write(out)
	return err
}

// isEmpty follows encoding/json's omitempty rule.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
