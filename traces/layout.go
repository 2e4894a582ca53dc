package traces

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SummaryFile is the run summary a caller may write into a run directory
// (dalesim writes the --json object of run and bench); it belongs to the run:
// replacing the run removes it.
const SummaryFile = "summary.json"

// CheckpointFile is the network checkpoint a caller may write into a run
// directory (dalesim run --checkpoint-every); it belongs to the run:
// replacing the run removes it.
const CheckpointFile = "checkpoint.bin"

const (
	manifestName  = "run.json"
	inProgressExt = ".inprogress" // suffix of a trace file until Close renames it
	runPrefix     = "run="
	popPrefix     = "population="
	partPrefix    = "part-"
	flatPartInfix = "-part-" // a rolled flat run's files: <table>-part-<k>.parquet
)

// flatFile is the file of table in a flat run directory.
func flatFile(table string) string { return table + ".parquet" }

// flatPartFile is the file of part k of table in a flat run directory whose
// traces roll over (Options.PartRolling).
func flatPartFile(table string, k int) string {
	return table + flatPartInfix + strconv.Itoa(k) + ".parquet"
}

// partName is the file name of part k in a partitioned run.
func partName(k int) string { return partPrefix + strconv.Itoa(k) + ".parquet" }

// partFile is the slash-separated path of part k of a table's file inside a
// partitioned run directory (DIR/run=<id>/); pop is used for spikes only.
func partFile(table, pop string, k int) string {
	if table == TableSpikes {
		return path.Join(TableSpikes, popPrefix+pop, partName(k))
	}
	return path.Join(table, partName(k))
}

// PartIndex returns the part number of a trace file name (part-3.parquet,
// spikes-part-3.parquet, with or without .inprogress); ok is false for a
// file that is not a part (spikes.parquet).
func PartIndex(name string) (k int, ok bool) {
	name = strings.TrimSuffix(path.Base(filepath.ToSlash(name)), inProgressExt)
	name, ok = strings.CutSuffix(name, ".parquet")
	if !ok {
		return 0, false
	}
	i := strings.LastIndex(name, partPrefix)
	if i < 0 || (i > 0 && name[i-1] != '-') {
		return 0, false
	}
	k, err := strconv.Atoi(name[i+len(partPrefix):])
	if err != nil || k < 0 || strconv.Itoa(k) != name[i+len(partPrefix):] {
		return 0, false
	}
	return k, true
}

// sortParts sorts trace files by directory, then part number (part-10 after
// part-9), then name.
func sortParts(files []string) {
	slices.SortFunc(files, func(a, b string) int {
		if c := strings.Compare(filepath.Dir(a), filepath.Dir(b)); c != 0 {
			return c
		}
		ka, _ := PartIndex(a)
		kb, _ := PartIndex(b)
		if ka != kb {
			return ka - kb
		}
		return strings.Compare(a, b)
	})
}

// isOurFlatFile reports whether name is a file a flat run consists of.
func isOurFlatFile(name string) bool {
	if name == manifestName || name == manifestName+".tmp" || name == SummaryFile || name == SummaryFile+".tmp" ||
		name == CheckpointFile || name == CheckpointFile+".tmp" {
		return true
	}
	name = strings.TrimSuffix(name, inProgressExt)
	for _, t := range tableNames {
		if name == flatFile(t) {
			return true
		}
		if rest, ok := strings.CutPrefix(name, t); ok && strings.HasPrefix(rest, flatPartInfix) {
			if _, ok := PartIndex(name); ok {
				return true
			}
		}
	}
	return false
}

// dirScan is what a directory holds of runs.
type dirScan struct {
	ours    []string // files of a flat run
	foreign []string // other Parquet files
	runs    []string // run=<id> directories
}

// scan lists what dir holds of runs (nothing when it does not exist).
func scan(dir string) (dirScan, error) {
	var s dirScan
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("traces: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		switch {
		case e.IsDir() && strings.HasPrefix(n, runPrefix):
			s.runs = append(s.runs, n)
		case !e.IsDir() && isOurFlatFile(n):
			s.ours = append(s.ours, n)
		case !e.IsDir() && (strings.HasSuffix(n, ".parquet") || strings.HasSuffix(n, ".parquet"+inProgressExt)):
			s.foreign = append(s.foreign, n)
		}
	}
	return s, nil
}

// Check reports, without touching anything, whether dir may receive a run
// with these options: the rules Create applies. A flat run does not go into
// a directory of partitioned runs, nor over an existing run without Force;
// a partitioned run does not go beside a flat run, nor over the run of the
// same id without Force. Options.RunID must be set for a partitioned run.
func Check(dir string, opt Options) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("traces: %s is not a directory", dir)
	}
	s, err := scan(dir)
	if err != nil {
		return err
	}
	if !opt.Partition {
		return s.flatErr(dir, opt.Force)
	}
	if err := ValidRunID(opt.RunID); err != nil {
		return err
	}
	if err := s.partitionedErr(dir); err != nil {
		return err
	}
	base := filepath.Join(dir, runPrefix+opt.RunID)
	if ents, err := os.ReadDir(base); err == nil && len(ents) > 0 && !opt.Force {
		return fmt.Errorf("traces: %s already holds run %q (%s); pass --force to replace it, or choose another run id or directory",
			dir, opt.RunID, base)
	}
	return nil
}

// ValidRunID checks a run id of the partitioned layout: 1 to 200 letters,
// digits and - _ . + @, not "." or "..".
func ValidRunID(id string) error { return validName("run id", id) }

// DefaultRunID is the run id of a run started at start with a seed, for
// example 20261127T041703Z-s1.
func DefaultRunID(start time.Time, seed uint64) string {
	return start.UTC().Format("20060102T150405Z") + "-s" + strconv.FormatUint(seed, 10)
}

func (s dirScan) flatErr(dir string, force bool) error {
	if len(s.runs) > 0 {
		return fmt.Errorf("traces: %s holds partitioned runs (%s); write a flat run to another directory, or use the partitioned layout (--partition) there",
			dir, listShort(s.runs))
	}
	if len(s.ours)+len(s.foreign) > 0 && !force {
		return fmt.Errorf("traces: %s already holds a run (%s); pass --force to replace it, or choose another directory",
			dir, listShort(append(slices.Clone(s.ours), s.foreign...)))
	}
	return nil
}

func (s dirScan) partitionedErr(dir string) error {
	if len(s.ours) > 0 {
		return fmt.Errorf("traces: %s holds a flat (unpartitioned) run (%s); write partitioned runs to another directory",
			dir, listShort(s.ours))
	}
	return nil
}

// prepareFlat checks that dir may receive a flat run and, with force, removes
// the files of the run already there.
func prepareFlat(dir string, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("traces: creating run directory: %w", err)
	}
	s, err := scan(dir)
	if err != nil {
		return err
	}
	if err := s.flatErr(dir, force); err != nil {
		return err
	}
	for _, n := range s.ours {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("traces: --force: %w", err)
		}
	}
	return nil
}

// preparePartitioned checks that dir may receive run id in the partitioned
// layout and, with force, removes the files of run id already there.
func preparePartitioned(dir, id string, force bool) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("traces: creating run directory: %w", err)
	}
	s, err := scan(dir)
	if err != nil {
		return "", err
	}
	if err := s.partitionedErr(dir); err != nil {
		return "", err
	}
	base := filepath.Join(dir, runPrefix+id)
	ents, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		return base, os.Mkdir(base, 0o755)
	}
	if err != nil {
		return "", fmt.Errorf("traces: %w", err)
	}
	if len(ents) > 0 && !force {
		return "", fmt.Errorf("traces: %s already holds run %q (%s); pass --force to replace it, or choose another run id or directory",
			dir, id, base)
	}
	if force {
		if err := removePartitionedRun(base); err != nil {
			return "", fmt.Errorf("traces: --force: %w", err)
		}
	}
	return base, nil
}

// removePartitionedRun removes dalesim's files of one partitioned run and the
// directories they leave empty; anything else stays.
func removePartitionedRun(base string) error {
	var files []string
	for _, n := range []string{manifestName, manifestName + ".tmp", SummaryFile, SummaryFile + ".tmp", CheckpointFile, CheckpointFile + ".tmp"} {
		files = append(files, filepath.Join(base, n))
	}
	for _, t := range tableNames {
		pattern := filepath.Join(base, t, "part-*.parquet*")
		if t == TableSpikes {
			pattern = filepath.Join(base, t, popPrefix+"*", "part-*.parquet*")
		}
		m, err := filepath.Glob(pattern)
		if err != nil {
			return err
		}
		files = append(files, m...)
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// Remove emptied directories, deepest first; non-empty ones stay.
	dirs, _ := filepath.Glob(filepath.Join(base, TableSpikes, popPrefix+"*"))
	for _, t := range tableNames {
		dirs = append(dirs, filepath.Join(base, t))
	}
	for _, d := range dirs {
		_ = os.Remove(d)
	}
	return nil
}

func listShort(names []string) string {
	slices.Sort(names)
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(", ... %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}

// writeManifest writes run.json atomically (temporary file, then rename).
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestName+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, manifestName))
}

// ReadManifest reads run.json from a run directory (or the file itself).
func ReadManifest(p string) (*Manifest, error) {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		p = filepath.Join(p, manifestName)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("traces: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("traces: %s: not a dalesim run manifest: %w", p, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("traces: %s: format %q, want %q", p, m.Format, ManifestFormat)
	}
	return &m, nil
}
