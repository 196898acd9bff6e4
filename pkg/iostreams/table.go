package iostreams

import (
	"io"
	"strings"
)

// Table writes rows of cells in aligned columns, two spaces apart, like
// text/tabwriter, but padding each cell by its visible width: a painted
// cell's colour codes take no room on the terminal, so they must not count
// (tabwriter counts them and misaligns a coloured table). Cells are
// written as given: paint them, and pass untrusted ones through SafeLine,
// before adding them. A row's last cell is never padded.
type Table struct {
	w    io.Writer
	rows [][]string
}

// NewTable returns a table that Flush writes to w.
func NewTable(w io.Writer) *Table { return &Table{w: w} }

// Row adds a row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Flush writes the rows, each ending in a newline.
func (t *Table) Flush() error {
	var widths []int
	for _, row := range t.rows {
		for i, cell := range row[:max(len(row)-1, 0)] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], VisibleWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-VisibleWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	t.rows = nil
	_, err := io.WriteString(t.w, b.String())
	return err
}
