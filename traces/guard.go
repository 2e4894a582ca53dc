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
	var proto thrift.CompactProtocol
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("traces: %s is a corrupt Parquet file: "+format, append([]any{name}, args...)...)
	}
	md := f.Metadata()
	for gi, rg := range md.RowGroups {
		if rg.NumRows < 0 {
			return corrupt("row group %d has %d rows", gi, rg.NumRows)
		}
		for _, ci := range cols {
			if ci >= len(rg.Columns) {
				return corrupt("row group %d has %d columns", gi, len(rg.Columns))
			}
			cm := rg.Columns[ci].MetaData
			start := cm.DataPageOffset
			if cm.DictionaryPageOffset > 0 && cm.DictionaryPageOffset < start {
				start = cm.DictionaryPageOffset
			}
			end := start + cm.TotalCompressedSize
			if start < 4 || cm.TotalCompressedSize < 0 || end > size-8 || end < start {
				return corrupt("column chunk %d of row group %d lies outside the file", ci, gi)
			}
			switch cm.Codec {
			case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd:
			case format.Lz4, format.Lz4Raw:
				// parquet-go's LZ4 decoder doubles its buffer forever on corrupt input.
				return fmt.Errorf("traces: %s: LZ4-compressed Parquet files are not supported; rewrite it with zstd or snappy", name)
			default:
				return fmt.Errorf("traces: %s: unsupported Parquet compression codec %v", name, cm.Codec)
			}
			if cm.NumValues < 0 || cm.NumValues > rg.NumRows {
				return corrupt("column chunk %d of row group %d has %d values for %d rows", ci, gi, cm.NumValues, rg.NumRows)
			}
			var values int64
			for pos := start; pos < end; {
				window := min(end-pos, 1<<12)
				var hdr format.PageHeader
				var n int
				for {
					buf := make([]byte, window)
					if _, err := r.ReadAt(buf, pos); err != nil {
						return corrupt("reading a page header: %v", err)
					}
					pr := proto.NewReaderFromBytes(buf)
					hdr = format.PageHeader{}
					err := thrift.NewDecoder(pr).Decode(&hdr)
					if err == nil {
						n = pr.BytesRead()
						break
					}
					if window == end-pos || window >= 1<<20 {
						return corrupt("bad page header in column chunk %d of row group %d: %v", ci, gi, err)
					}
					window = min(end-pos, window*8)
				}
				cs, us := int64(hdr.CompressedPageSize), int64(hdr.UncompressedPageSize)
				if cs < 0 || us < 0 || pos+int64(n)+cs > end {
					return corrupt("page of %d bytes overruns its column chunk", cs)
				}
				if us > max(maxUncompressedPage, maxPageRatio*cs) {
					return corrupt("page claims %d uncompressed bytes for %d compressed", us, cs)
				}
				var nv int64
				switch {
				case hdr.DataPageHeader.Valid:
					nv = int64(hdr.DataPageHeader.V.NumValues)
				case hdr.DataPageHeaderV2.Valid:
					nv = int64(hdr.DataPageHeaderV2.V.NumValues)
				case hdr.DictionaryPageHeader.Valid:
					if d := int64(hdr.DictionaryPageHeader.V.NumValues); d < 0 || d > us+1 {
						return corrupt("dictionary page claims %d values in %d bytes", d, us)
					}
				}
				if nv < 0 || values+nv > rg.NumRows || nv > max(1<<20, 64*us) {
					return corrupt("a page of column chunk %d claims %d values (%d bytes, %d rows in the row group)", ci, nv, us, rg.NumRows)
				}
				values += nv
				// The decompressors trust the size in their own headers.
				body := pos + int64(n)
				compressed := cm.Codec != format.Uncompressed
				if h := hdr.DataPageHeaderV2; h.Valid {
					levels := int64(h.V.RepetitionLevelsByteLength) + int64(h.V.DefinitionLevelsByteLength)
					if levels < 0 || levels > cs {
						return corrupt("page levels of %d bytes overrun the page", levels)
					}
					body += levels
					compressed = compressed && (!h.V.IsCompressed.Valid || h.V.IsCompressed.V)
				}
				if compressed && body < pos+int64(n)+cs {
					var head [18]byte
					k := min(int64(len(head)), pos+int64(n)+cs-body)
					if _, err := r.ReadAt(head[:k], body); err != nil {
						return corrupt("reading a page: %v", err)
					}
					if claim, ok := claimedSize(cm.Codec, head[:k]); ok && claim > us {
						return corrupt("compressed page claims %d bytes, its header %d", claim, us)
					}
				}
				pos += int64(n) + cs
			}
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
