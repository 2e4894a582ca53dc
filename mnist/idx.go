package mnist

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	imageMagic = 0x00000803 // unsigned bytes, 3 dimensions
	labelMagic = 0x00000801 // unsigned bytes, 1 dimension

	// maxBytes bounds the payload (pixels or labels) a header may declare.
	// The real training images take 47,040,000 bytes.
	maxBytes = 1<<31 - 1

	// firstChunk is the initial payload buffer; it doubles as data arrives.
	firstChunk = 64 << 10
)

// ErrFormat is matched, via [errors.Is], by every error reporting input
// that is not a valid MNIST IDX file: bad magic number, truncated header
// or data, impossible dimensions, labels outside 0..9, mismatched counts,
// corrupt gzip data.
var ErrFormat = errors.New("mnist: malformed IDX data")

// formatError is a message about malformed input; it matches ErrFormat.
type formatError string

func (e formatError) Error() string        { return string(e) }
func (e formatError) Is(target error) bool { return target == ErrFormat }

func formatErrorf(format string, args ...any) error {
	return formatError(fmt.Sprintf(format, args...))
}

// ReadImages decodes an IDX image file (magic 0x00000803) from r, plain
// or gzip-compressed. It returns all images back to back in row-major
// order, one byte per pixel, and their dimensions, which are at least
// 1x1; the number of images is len(pixels)/(rows*cols).
func ReadImages(r io.Reader) (pixels []uint8, rows, cols int, err error) {
	pixels, rows, cols, err = readImages(r)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("mnist: images: %w", err)
	}
	return pixels, rows, cols, nil
}

// ReadLabels decodes an IDX label file (magic 0x00000801) from r, plain
// or gzip-compressed. Every label must be a digit 0..9.
func ReadLabels(r io.Reader) ([]uint8, error) {
	labels, err := readLabels(r)
	if err != nil {
		return nil, fmt.Errorf("mnist: labels: %w", err)
	}
	return labels, nil
}

// Read decodes an image file and its label file (each plain or
// gzip-compressed) into a Set; both must hold the same number of samples.
func Read(images, labels io.Reader) (*Set, error) {
	pix, rows, cols, err := ReadImages(images)
	if err != nil {
		return nil, err
	}
	lab, err := ReadLabels(labels)
	if err != nil {
		return nil, err
	}
	return newSet(pix, lab, rows, cols, "image data", "label data")
}

// newSet checks that the image and label counts agree; the names describe
// the two sources in the error.
func newSet(pix, labels []uint8, rows, cols int, imgName, labName string) (*Set, error) {
	if n := len(pix) / (rows * cols); n != len(labels) {
		return nil, formatErrorf("mnist: label count does not match image count: %s holds %d images, %s holds %d labels",
			imgName, n, labName, len(labels))
	}
	return &Set{Pixels: pix, Labels: labels, Rows: rows, Cols: cols}, nil
}

// stream is a decoded input: the decompressed byte source and whether it
// was gzip-compressed (for error messages).
type stream struct {
	io.Reader
	gz bool
}

// holds describes the n bytes of content found before a read ended with
// err, noting decompression and a gzip stream that was cut short.
func (s stream) holds(n int, err error) string {
	switch {
	case s.gz && errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("file holds %d (after gzip decompression; the gzip stream is cut short, incomplete download?)", n)
	case s.gz:
		return fmt.Sprintf("file holds %d (after gzip decompression)", n)
	}
	return fmt.Sprintf("file holds %d", n)
}

// readFull is io.ReadFull but returns the reader's own error, so that a
// gzip stream cut short (io.ErrUnexpectedEOF) can be told from a complete
// stream with too little content (io.EOF). Like io.ReadFull it drops an
// error that comes with the last bytes needed; the next read reports it.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil && n < len(buf) {
			return n, err
		}
	}
	return n, nil
}

// open detects gzip compression by its magic bytes 1f 8b.
func open(r io.Reader) (stream, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return stream{}, err
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return stream{}, formatErrorf("truncated gzip header")
			}
			return stream{}, gzipError(err)
		}
		return stream{zr, true}, nil
	}
	return stream{br, false}, nil
}

// gzipError classifies a read error: corrupt compressed data is a format
// error, anything else (a failing disk, say) is passed through.
func gzipError(err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt) {
		return formatErrorf("corrupt gzip data: %v", err)
	}
	return err
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// readHeader fills hdr and checks its magic number; kind is "image" or
// "label".
func readHeader(s stream, hdr []byte, want uint32, kind string) error {
	n, err := readFull(s, hdr)
	if n >= 4 {
		if got := binary.BigEndian.Uint32(hdr); got != want {
			return magicError(got, want, hdr[:4], kind)
		}
	}
	switch {
	case err == nil:
		return nil
	case !isEOF(err):
		return gzipError(err)
	case n == 0:
		return formatErrorf("empty file: want an IDX %s header (%d bytes)", kind, len(hdr))
	default:
		return formatErrorf("truncated header: want %d bytes, %s", len(hdr), s.holds(n, err))
	}
}

func magicError(got, want uint32, raw []byte, kind string) error {
	switch {
	case want == imageMagic && got == labelMagic:
		return formatErrorf("bad magic 0x%08x: this is an IDX label file, want an image file (magic 0x%08x)", got, want)
	case want == labelMagic && got == imageMagic:
		return formatErrorf("bad magic 0x%08x: this is an IDX image file, want a label file (magic 0x%08x)", got, want)
	}
	return formatErrorf("bad magic 0x%08x (%q), want 0x%08x: not an MNIST IDX %s file", got, raw, want, kind)
}

// readPayload reads exactly total bytes. The buffer starts small and
// doubles as data arrives, so a header that lies about its size cannot
// force a large allocation. On a short read it returns what it got.
func readPayload(s stream, total int) ([]byte, error) {
	buf := make([]byte, 0, min(total, firstChunk))
	for len(buf) < total {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(total, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		n, err := readFull(s, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// payloadError explains a failed readPayload; what describes the data,
// e.g. "bytes of pixels (60000 images of 28x28)".
func payloadError(s stream, err error, total, got int, what string) error {
	if !isEOF(err) {
		return gzipError(err)
	}
	return formatErrorf("truncated data: want %d %s, %s", total, what, s.holds(got, err))
}

// checkEnd makes sure the stream ends right after the payload (this also
// makes gzip verify its checksum).
func checkEnd(s stream, total int, what string) error {
	var one [1]byte
	n, err := readFull(s, one[:])
	if n == 0 {
		switch {
		case err == io.EOF:
			return nil
		case s.gz && errors.Is(err, io.ErrUnexpectedEOF):
			return formatErrorf("truncated gzip stream: it is cut short after the %d %s (incomplete download?)", total, what)
		}
		return gzipError(err)
	}
	extra, err := io.Copy(io.Discard, s)
	if err != nil {
		return gzipError(err)
	}
	return formatErrorf("file is longer than its header says: want %d %s, then end of file; found %d more", total, what, extra+1)
}

func readImages(r io.Reader) (pixels []uint8, rows, cols int, err error) {
	s, err := open(r)
	if err != nil {
		return nil, 0, 0, err
	}
	var hdr [16]byte
	if err := readHeader(s, hdr[:], imageMagic, "image"); err != nil {
		return nil, 0, 0, err
	}
	count := uint64(binary.BigEndian.Uint32(hdr[4:]))
	r64 := uint64(binary.BigEndian.Uint32(hdr[8:]))
	c64 := uint64(binary.BigEndian.Uint32(hdr[12:]))
	if r64 == 0 || c64 == 0 {
		return nil, 0, 0, formatErrorf("bad image dimensions %dx%d in header: rows and columns must be at least 1", r64, c64)
	}
	// Each factor is below 2^32, so r64*c64 cannot overflow; the count
	// is checked by division.
	if size := r64 * c64; size > maxBytes || count > maxBytes/size {
		return nil, 0, 0, formatErrorf("header declares %d images of %dx%d, too large (limit %d bytes of pixels)",
			count, r64, c64, maxBytes)
	}
	rows, cols = int(r64), int(c64)
	total := int(count) * rows * cols
	what := fmt.Sprintf("bytes of pixels (%d images of %dx%d)", count, rows, cols)
	pixels, err = readPayload(s, total)
	if err != nil {
		return nil, 0, 0, payloadError(s, err, total, len(pixels), what)
	}
	if err := checkEnd(s, total, what); err != nil {
		return nil, 0, 0, err
	}
	return pixels, rows, cols, nil
}

func readLabels(r io.Reader) ([]uint8, error) {
	s, err := open(r)
	if err != nil {
		return nil, err
	}
	var hdr [8]byte
	if err := readHeader(s, hdr[:], labelMagic, "label"); err != nil {
		return nil, err
	}
	count := uint64(binary.BigEndian.Uint32(hdr[4:]))
	if count > maxBytes {
		return nil, formatErrorf("header declares %d labels, too many (limit %d)", count, maxBytes)
	}
	total := int(count)
	labels, err := readPayload(s, total)
	if err != nil {
		return nil, payloadError(s, err, total, len(labels), "bytes of labels")
	}
	if err := checkEnd(s, total, "bytes of labels"); err != nil {
		return nil, err
	}
	for i, l := range labels {
		if l > 9 {
			return nil, formatErrorf("label %d at index %d is not a digit 0..9", l, i)
		}
	}
	return labels, nil
}
