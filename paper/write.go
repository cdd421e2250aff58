package paper

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/thresher/thresher/internal/outfile"
)

// Formats are the file extensions WriteAll writes, with their writers.
var formats = []struct {
	ext   string
	write func(io.Writer, Table) error
}{{"md", WriteMarkdown}, {"tex", WriteLaTeX}, {"csv", WriteCSV}, {"json", WriteJSON}}

// WriteAll creates dir if needed and writes every table in the four formats
// as <stem>.md, <stem>.tex, <stem>.csv and <stem>.json, with package
// outfile: a regular file is replaced atomically, a device or FIFO written
// through.
func WriteAll(ctx context.Context, dir string, tables ...Table) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("paper: %w", err)
	}
	for _, t := range tables {
		for _, f := range formats {
			path := filepath.Join(dir, t.Stem()+"."+f.ext)
			var buf bytes.Buffer
			if err := f.write(&buf, t); err != nil {
				return fmt.Errorf("paper: %s: %w", path, err)
			}
			if err := outfile.Write(ctx, path, buf.Bytes(), outfile.Perm); err != nil {
				return fmt.Errorf("paper: %w", err)
			}
		}
	}
	return nil
}

// WriteJSON writes the table's JSON form, indented, with a fixed key order
// and "<" unescaped.
func WriteJSON(w io.Writer, t Table) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// WriteCSV writes the table's grid: the header rows, the body rows, then
// one row per note (the note in the first cell).
func WriteCSV(w io.Writer, t Table) error {
	l := t.layout()
	cw := csv.NewWriter(w)
	width := len(l.header[0])
	for _, rows := range [][][]string{l.header, l.body} {
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
	}
	for _, n := range l.notes {
		row := make([]string, width)
		row[0] = n
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes the table as a GitHub-flavoured Markdown pipe table:
// the caption in bold, the first header row as the table's header (later
// header rows open the body), and the notes below.
func WriteMarkdown(w io.Writer, t Table) error {
	l := t.layout()
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "**%s**\n\n", markdownEscape(l.title))
	row := func(cells []string) {
		for _, c := range cells {
			b.WriteString("| " + markdownEscape(c) + " ")
		}
		b.WriteString("|\n")
	}
	row(l.header[0])
	b.WriteString("|:---" + strings.Repeat("|---:", len(l.header[0])-1) + "|\n")
	for _, r := range append(l.header[1:], l.body...) {
		row(r)
	}
	for _, n := range l.notes {
		fmt.Fprintf(b, "\n%s\n", markdownEscape(n))
	}
	return b.Flush()
}

// WriteLaTeX writes the table as a booktabs table environment; stars become
// superscripts. It needs \usepackage{booktabs}.
func WriteLaTeX(w io.Writer, t Table) error {
	l := t.layout()
	b := bufio.NewWriter(w)
	row := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" & ")
			}
			b.WriteString(latexCell(c))
		}
		b.WriteString(` \\` + "\n")
	}
	b.WriteString("\\begin{table}[htbp]\n\\centering\n")
	fmt.Fprintf(b, "\\caption{%s}\n", latexEscape(l.title))
	fmt.Fprintf(b, "\\begin{tabular}{l%s}\n\\toprule\n", strings.Repeat("c", len(l.header[0])-1))
	for _, r := range l.header {
		row(r)
	}
	b.WriteString("\\midrule\n")
	next := 0
	for i, r := range l.body {
		for next < len(l.rules) && l.rules[next] == i {
			b.WriteString("\\midrule\n")
			next++
		}
		row(r)
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	if len(l.notes) > 0 {
		b.WriteString("\\par\\medskip\n\\begin{minipage}{0.95\\linewidth}\\footnotesize\n")
		for _, n := range l.notes {
			b.WriteString(latexEscape(n) + "\\par\n")
		}
		b.WriteString("\\end{minipage}\n")
	}
	b.WriteString("\\end{table}\n")
	return b.Flush()
}

// latexCell escapes a cell and sets its trailing stars as a superscript.
func latexCell(c string) string {
	body := strings.TrimRight(c, "*")
	if s := len(c) - len(body); s > 0 && body != "" {
		return latexEscape(body) + "$^{" + strings.Repeat("*", s) + "}$"
	}
	return latexEscape(c)
}

// latexEscape escapes LaTeX's special characters and sets comparison
// operators in math mode.
func latexEscape(s string) string {
	return strings.NewReplacer(
		`\`, `\textbackslash{}`, "&", `\&`, "%", `\%`, "$", `\$`, "#", `\#`, "_", `\_`,
		"{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`,
		"<=", `$\le$`, ">=", `$\ge$`, "<", `$<$`, ">", `$>$`,
	).Replace(s)
}

// markdownEscape escapes the characters that Markdown tables and emphasis
// would interpret.
func markdownEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`).Replace(s)
}
