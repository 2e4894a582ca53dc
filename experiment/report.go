package experiment

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Report is an experiment's Markdown report.
type Report struct {
	b strings.Builder
}

// NewReport starts a report with its title and the claim it tests.
func NewReport(name, claim string) *Report {
	r := &Report{}
	fmt.Fprintf(&r.b, "# dalesim experiment: %s\n\n**Claim tested:** %s\n\n", name, claim)
	return r
}

// Text adds a paragraph.
func (r *Report) Text(format string, a ...any) { fmt.Fprintf(&r.b, format+"\n\n", a...) }

// Section starts a section.
func (r *Report) Section(title string) { fmt.Fprintf(&r.b, "## %s\n\n", title) }

// Table adds a table.
func (r *Report) Table(header []string, rows [][]string) {
	r.b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		r.b.WriteString("---|")
	}
	r.b.WriteString("\n")
	for _, row := range rows {
		r.b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	r.b.WriteString("\n")
}

// Figure adds an image (a PNG file of the report's directory).
func (r *Report) Figure(file, caption string) {
	fmt.Fprintf(&r.b, "![%s](%s)\n\n*%s*\n\n", caption, file, caption)
}

// Footer adds the closing note.
func (r *Report) Footer(text string) { fmt.Fprintf(&r.b, "---\n\n%s\n", text) }

// String returns the Markdown.
func (r *Report) String() string { return r.b.String() }

// Write saves the report as dir/report.md.
func (r *Report) Write(dir string) error {
	return writeAtomic(filepath.Join(dir, "report.md"), []byte(r.b.String()))
}
