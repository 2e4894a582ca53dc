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
	"strings"
)

const (
	manifestName  = "run.json"
	inProgressExt = ".inprogress" // suffix of a trace file until Close renames it
	runPrefix     = "run="
	popPrefix     = "population="
	partName      = "part-0.parquet"
)

// flatFile is the file of table in a flat run directory.
func flatFile(table string) string { return table + ".parquet" }

// partFile is the slash-separated path of a table's file inside a partitioned
// run directory (DIR/run=<id>/); pop is used for spikes only.
func partFile(table, pop string) string {
	if table == TableSpikes {
		return path.Join(TableSpikes, popPrefix+pop, partName)
	}
	return path.Join(table, partName)
}

// isOurFlatFile reports whether name is a file a flat run consists of.
func isOurFlatFile(name string) bool {
	if name == manifestName || name == manifestName+".tmp" {
		return true
	}
	name = strings.TrimSuffix(name, inProgressExt)
	for _, t := range tableNames {
		if name == flatFile(t) {
			return true
		}
	}
	return false
}

// prepareFlat checks that dir may receive a flat run and, with force, removes
// the files of the run already there.
func prepareFlat(dir string, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("traces: creating run directory: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("traces: %w", err)
	}
	var ours, foreign, runs []string
	for _, e := range ents {
		n := e.Name()
		switch {
		case e.IsDir() && strings.HasPrefix(n, runPrefix):
			runs = append(runs, n)
		case !e.IsDir() && isOurFlatFile(n):
			ours = append(ours, n)
		case !e.IsDir() && (strings.HasSuffix(n, ".parquet") || strings.HasSuffix(n, ".parquet"+inProgressExt)):
			foreign = append(foreign, n)
		}
	}
	if len(runs) > 0 {
		return fmt.Errorf("traces: %s holds partitioned runs (%s); write a flat run to another directory, or use the partitioned layout (--partition) there",
			dir, listShort(runs))
	}
	if len(ours)+len(foreign) > 0 && !force {
		return fmt.Errorf("traces: %s already holds a run (%s); pass --force to replace it, or choose another directory",
			dir, listShort(append(ours, foreign...)))
	}
	for _, n := range ours {
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
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("traces: %w", err)
	}
	var flat []string
	for _, e := range ents {
		if !e.IsDir() && isOurFlatFile(e.Name()) {
			flat = append(flat, e.Name())
		}
	}
	if len(flat) > 0 {
		return "", fmt.Errorf("traces: %s holds a flat (unpartitioned) run (%s); write partitioned runs to another directory",
			dir, listShort(flat))
	}
	base := filepath.Join(dir, runPrefix+id)
	ents, err = os.ReadDir(base)
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
	for _, n := range []string{manifestName, manifestName + ".tmp"} {
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
