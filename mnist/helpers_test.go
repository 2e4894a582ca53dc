package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// synthetic returns n deterministic rows x cols images and labels
// cycling through the digits.
func synthetic(n, rows, cols int) (pix, labels []uint8) {
	pix = make([]uint8, n*rows*cols)
	for i := range pix {
		pix[i] = uint8(i*37 + i/7)
	}
	labels = make([]uint8, n)
	for i := range labels {
		labels[i] = uint8((i*3 + 1) % 10)
	}
	return pix, labels
}

// encodeImages builds an IDX image file for count images of rows x cols;
// pix need not match the header (for corrupt-file tests).
func encodeImages(count, rows, cols uint32, pix []uint8) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [4]uint32{imageMagic, count, rows, cols})
	b.Write(pix)
	return b.Bytes()
}

// encodeLabels builds an IDX label file declaring count labels.
func encodeLabels(count uint32, labels []uint8) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{labelMagic, count})
	b.Write(labels)
	return b.Bytes()
}

func gzipped(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeDataset writes the four IDX files (gzipped with ".gz" names if gz)
// with nTrain and nTest synthetic images of rows x cols into dir.
func writeDataset(t testing.TB, dir string, nTrain, nTest, rows, cols int, gz bool) {
	t.Helper()
	for _, f := range []struct {
		images, labels string
		n              int
	}{{trainImages, trainLabels, nTrain}, {testImages, testLabels, nTest}} {
		pix, lab := synthetic(f.n, rows, cols)
		img := encodeImages(uint32(f.n), uint32(rows), uint32(cols), pix)
		lbl := encodeLabels(uint32(f.n), lab)
		imgName, lblName := f.images, f.labels
		if gz {
			img, lbl = gzipped(img), gzipped(lbl)
			imgName += ".gz"
			lblName += ".gz"
		}
		writeFile(t, dir, imgName, img)
		writeFile(t, dir, lblName, lbl)
	}
}
