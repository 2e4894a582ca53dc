package mnist

import (
	"bytes"
	"testing"
)

// fuzzMaxInput bounds fuzz inputs: gzip can expand ~1000x, and a
// legitimately large image file is not a bug.
const fuzzMaxInput = 64 << 10

func FuzzReadImages(f *testing.F) {
	pix, _ := synthetic(5, 3, 4)
	good := encodeImages(5, 3, 4, pix)
	f.Add(good)
	f.Add(gzipped(good))
	f.Add(good[:20])
	f.Add(encodeImages(0, 28, 28, nil))
	f.Add(encodeImages(1<<20, 28, 28, nil))
	for _, tc := range imageErrorCases() {
		f.Add(tc.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip()
		}
		pix, rows, cols, err := ReadImages(bytes.NewReader(data))
		if err != nil {
			if pix != nil || rows != 0 || cols != 0 {
				t.Fatalf("data returned along with error %v", err)
			}
			return
		}
		if rows < 1 || cols < 1 || len(pix)%(rows*cols) != 0 {
			t.Fatalf("%d pixel bytes for %dx%d images", len(pix), rows, cols)
		}
		// A valid plain file is exactly header plus pixels.
		if data[0] != 0x1f && len(data) != 16+len(pix) {
			t.Fatalf("accepted %d bytes holding %d pixel bytes", len(data), len(pix))
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	good := encodeLabels(4, []uint8{0, 9, 3, 7})
	f.Add(good)
	f.Add(gzipped(good))
	f.Add(good[:10])
	f.Add(encodeLabels(0, nil))
	for _, tc := range labelErrorCases() {
		f.Add(tc.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			t.Skip()
		}
		labels, err := ReadLabels(bytes.NewReader(data))
		if err != nil {
			if labels != nil {
				t.Fatalf("labels returned along with error %v", err)
			}
			return
		}
		for i, l := range labels {
			if l > 9 {
				t.Fatalf("accepted label %d at index %d", l, i)
			}
		}
		if data[0] != 0x1f && len(data) != 8+len(labels) {
			t.Fatalf("accepted %d bytes holding %d labels", len(data), len(labels))
		}
	})
}
