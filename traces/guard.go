package traces

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Limits on what a page header may claim before parquet-go allocates for
// it. parquet-go trusts the sizes in page headers; a corrupt header could
// make it allocate gigabytes.
const (
	maxUncompressedPage = 1 << 24 // bytes, or maxPageRatio times the compressed size if larger
	maxPageRatio        = 1024
)

// checkPages walks the page headers of the given columns in every row group
// and rejects sizes that do not fit in the column chunk, before any page is
// read by parquet-go.
func checkPages(name string, f *parquet.File, r io.ReaderAt, size int64, cols []int) error {
	g := &pageGuard{name: name, r: r}
	md := f.Metadata()
	for gi, rg := range md.RowGroups {
		if rg.NumRows < 0 {
			return g.corrupt("row group %d has %d rows", gi, rg.NumRows)
		}
		for _, ci := range cols {
			if ci >= len(rg.Columns) {
				return g.corrupt("row group %d has %d columns", gi, len(rg.Columns))
			}
			if err := g.checkChunk(&rg.Columns[ci].MetaData, gi, ci, rg.NumRows, size); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageGuard checks the column chunks of one file for checkPages.
type pageGuard struct {
	name  string
	r     io.ReaderAt
	proto thrift.CompactProtocol
}

func (g *pageGuard) corrupt(format string, args ...any) error {
	return fmt.Errorf("traces: %s is a corrupt Parquet file: "+format, append([]any{g.name}, args...)...)
}

// checkChunk checks column chunk ci of row group gi (rows rows, in a file of
// size bytes): its place in the file, its codec, its value count and then
// every page.
func (g *pageGuard) checkChunk(cm *format.ColumnMetaData, gi, ci int, rows, size int64) error {
	start := cm.DataPageOffset
	if cm.DictionaryPageOffset > 0 && cm.DictionaryPageOffset < start {
		start = cm.DictionaryPageOffset
	}
	end := start + cm.TotalCompressedSize
	if start < 4 || cm.TotalCompressedSize < 0 || end > size-8 || end < start {
		return g.corrupt("column chunk %d of row group %d lies outside the file", ci, gi)
	}
	if err := g.checkCodec(cm.Codec); err != nil {
		return err
	}
	if cm.NumValues < 0 || cm.NumValues > rows {
		return g.corrupt("column chunk %d of row group %d has %d values for %d rows", ci, gi, cm.NumValues, rows)
	}
	var values int64
	for pos := start; pos < end; {
		hdr, n, err := g.readPageHeader(pos, end, gi, ci)
		if err != nil {
			return err
		}
		cs, us := int64(hdr.CompressedPageSize), int64(hdr.UncompressedPageSize)
		if cs < 0 || us < 0 || pos+int64(n)+cs > end {
			return g.corrupt("page of %d bytes overruns its column chunk", cs)
		}
		if us > max(maxUncompressedPage, maxPageRatio*cs) {
			return g.corrupt("page claims %d uncompressed bytes for %d compressed", us, cs)
		}
		nv, err := g.pageValues(&hdr, us)
		if err != nil {
			return err
		}
		if nv < 0 || values+nv > rows || nv > max(1<<20, 64*us) {
			return g.corrupt("a page of column chunk %d claims %d values (%d bytes, %d rows in the row group)", ci, nv, us, rows)
		}
		values += nv
		if err := g.checkBody(cm.Codec, &hdr, pos+int64(n), cs, us); err != nil {
			return err
		}
		pos += int64(n) + cs
	}
	return nil
}

// checkCodec accepts the codecs whose decoders are safe on corrupt input.
func (g *pageGuard) checkCodec(codec format.CompressionCodec) error {
	switch codec {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd:
		return nil
	case format.Lz4, format.Lz4Raw:
		// parquet-go's LZ4 decoder doubles its buffer forever on corrupt input.
		return fmt.Errorf("traces: %s: LZ4-compressed Parquet files are not supported; rewrite it with zstd or snappy", g.name)
	default:
		return fmt.Errorf("traces: %s: unsupported Parquet compression codec %v", g.name, codec)
	}
}

// readPageHeader decodes the page header at pos, reading a window of 4 KiB
// that grows eightfold up to 1 MiB (or the end of the chunk) until the header
// fits. It returns the header and its length in bytes.
func (g *pageGuard) readPageHeader(pos, end int64, gi, ci int) (format.PageHeader, int, error) {
	window := min(end-pos, 1<<12)
	for {
		buf := make([]byte, window)
		if _, err := g.r.ReadAt(buf, pos); err != nil {
			return format.PageHeader{}, 0, g.corrupt("reading a page header: %v", err)
		}
		pr := g.proto.NewReaderFromBytes(buf)
		var hdr format.PageHeader
		err := thrift.NewDecoder(pr).Decode(&hdr)
		if err == nil {
			return hdr, pr.BytesRead(), nil
		}
		if window == end-pos || window >= 1<<20 {
			return format.PageHeader{}, 0, g.corrupt("bad page header in column chunk %d of row group %d: %v", ci, gi, err)
		}
		window = min(end-pos, window*8)
	}
}

// pageValues returns the values a data page claims (0 for other pages) and
// checks the value count of a dictionary page against its us uncompressed
// bytes.
func (g *pageGuard) pageValues(hdr *format.PageHeader, us int64) (int64, error) {
	switch {
	case hdr.DataPageHeader.Valid:
		return int64(hdr.DataPageHeader.V.NumValues), nil
	case hdr.DataPageHeaderV2.Valid:
		return int64(hdr.DataPageHeaderV2.V.NumValues), nil
	case hdr.DictionaryPageHeader.Valid:
		if d := int64(hdr.DictionaryPageHeader.V.NumValues); d < 0 || d > us+1 {
			return 0, g.corrupt("dictionary page claims %d values in %d bytes", d, us)
		}
	}
	return 0, nil
}

// checkBody checks the page body that starts at body (just after the header)
// and holds cs compressed bytes: the levels of a v2 page must fit in it, and
// the decompressed size announced by a compressed body must not exceed us.
// The decompressors trust the size in their own headers.
func (g *pageGuard) checkBody(codec format.CompressionCodec, hdr *format.PageHeader, body, cs, us int64) error {
	pageEnd := body + cs
	compressed := codec != format.Uncompressed
	if h := hdr.DataPageHeaderV2; h.Valid {
		levels := int64(h.V.RepetitionLevelsByteLength) + int64(h.V.DefinitionLevelsByteLength)
		if levels < 0 || levels > cs {
			return g.corrupt("page levels of %d bytes overrun the page", levels)
		}
		body += levels
		compressed = compressed && (!h.V.IsCompressed.Valid || h.V.IsCompressed.V)
	}
	if compressed && body < pageEnd {
		var head [18]byte
		k := min(int64(len(head)), pageEnd-body)
		if _, err := g.r.ReadAt(head[:k], body); err != nil {
			return g.corrupt("reading a page: %v", err)
		}
		if claim, ok := claimedSize(codec, head[:k]); ok && claim > us {
			return g.corrupt("compressed page claims %d bytes, its header %d", claim, us)
		}
	}
	return nil
}

// claimedSize returns the decompressed size announced at the start of a
// snappy block or zstd frame.
func claimedSize(codec format.CompressionCodec, b []byte) (int64, bool) {
	switch codec {
	case format.Snappy:
		v, n := binary.Uvarint(b)
		return int64(min(v, 1<<62)), n > 0
	case format.Zstd:
		if len(b) < 5 || binary.LittleEndian.Uint32(b) != 0xFD2FB528 {
			return 0, false
		}
		fhd := b[4]
		single := fhd&0x20 != 0
		off := 5
		if !single {
			off++ // window descriptor
		}
		off += [4]int{0, 1, 2, 4}[fhd&3] // dictionary id
		var size int
		switch fhd >> 6 {
		case 0:
			if !single {
				return 0, false // unknown content size
			}
			size = 1
		case 1:
			size = 2
		case 2:
			size = 4
		case 3:
			size = 8
		}
		if off+size > len(b) {
			return 0, false
		}
		var v uint64
		for i := size - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[off+i])
		}
		if size == 2 {
			v += 256
		}
		return int64(min(v, 1<<62)), true
	}
	return 0, false
}
