package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"dalesim/internal/nwbconv"
	"dalesim/traces"
)

// Recordings: spike trains that dalesim did not make, which analyze and
// plot accept in place of a run directory.

// isRecording reports whether path names a recording: an .nwb or .csv
// file (existing or not, so that a missing one gets a file's error), or a
// Parquet spike list (neuron, t_ms[, group]).
func isRecording(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".nwb", ".csv":
		return true
	case ".parquet":
		return traces.IsSpikeList(path)
	}
	return false
}

// readRecording reads the spikes of a recording. Bad input is a usageError
// (exit status 2); a missing or failing Python is not.
func readRecording(path string) (*traces.SpikeTable, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, badInput("%s: no such file", path)
	}
	if st.IsDir() {
		return nil, badInput("%s is a directory, not a recording file", path)
	}
	if strings.EqualFold(filepath.Ext(path), ".nwb") {
		sp, err := nwbconv.Import(path)
		var be *nwbconv.BadInputError
		if errors.As(err, &be) {
			return nil, usageError{err}
		}
		return sp, err
	}
	sp, err := traces.ReadSpikeList(path)
	if err != nil {
		return nil, usageError{err}
	}
	return sp, nil
}

// recordingStem returns path without its extension: analyze writes
// STEM.analysis.parquet and plot STEM-plots/ next to a recording.
func recordingStem(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path))
}
