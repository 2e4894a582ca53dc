package csvio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Table reads a CSV stream whose first record is a header. Required columns
// must be present; optional ones may be; any other column is an error. For
// each data record, row is called with the values in the order of
// required+optional (NaN for an absent optional column) and the line number.
func Table(r io.Reader, required, optional []string, row func(vals []float64, line int) error) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("empty file: the first line must be a header naming the columns %s", want(required, optional))
	}
	if err != nil {
		return err
	}
	all := append(append([]string(nil), required...), optional...)
	col := make([]int, len(all)) // col[i]: index in the record of column all[i]
	for i := range col {
		col[i] = -1
	}
	for j, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		found := false
		for i, name := range all {
			if h == name {
				if col[i] >= 0 {
					return fmt.Errorf("line 1: column %q appears twice", h)
				}
				col[i], found = j, true
			}
		}
		if !found {
			return fmt.Errorf("line 1: unknown column %q (want %s)", h, want(required, optional))
		}
	}
	for i, name := range required {
		if col[i] < 0 {
			return fmt.Errorf("line 1: header lacks the column %q (want %s)", name, want(required, optional))
		}
	}
	vals := make([]float64, len(all))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("line %d: %v", pe.Line, pe.Err)
			}
			return err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(head) {
			return fmt.Errorf("line %d: %d fields, the header has %d", line, len(rec), len(head))
		}
		for i, c := range col {
			if c < 0 {
				vals[i] = math.NaN()
				continue
			}
			s := strings.TrimSpace(rec[c])
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("line %d: %s = %q: not a finite number", line, all[i], s)
			}
			vals[i] = v
		}
		if err := row(vals, line); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

func want(required, optional []string) string {
	s := strings.Join(required, ",")
	for _, o := range optional {
		s += "[," + o + "]"
	}
	return s
}

// Index converts a column value to a non-negative integer index.
func Index(name string, v float64) (int32, error) {
	if v != math.Trunc(v) || v < 0 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%s = %g: must be an integer in [0, %d]", name, v, math.MaxInt32)
	}
	return int32(v), nil
}
