package synapse

// hugePage is the size of an x86-64 or arm64 (4 KiB granule) transparent
// huge page; hugeMin the smallest array worth one (see adviseHuge).
const (
	hugePage = 2 << 20
	hugeMin  = 8 << 20
)

// makeHuge returns make([]T, n), advised to be backed by huge pages when it
// is large (see adviseHuge).
func makeHuge[T any](n int) []T {
	s := make([]T, n)
	adviseHuge(s)
	return s
}
