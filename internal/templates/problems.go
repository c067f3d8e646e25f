package templates

import (
	"fmt"
	"strings"
)

// MaxProblems caps the problems a FileError lists; further ones are only counted.
const MaxProblems = 1000

// Problem is one thing wrong with a file, in plain words.
type Problem struct {
	// File is the file's name as the caller gave it, e.g. "people.csv".
	File string `json:"file"`
	// Line is the line the row (or header) starts on, from 1; 0 for the whole file.
	Line int `json:"line,omitempty"`
	// Column is the column's header, e.g. "hired_date"; "" for the whole row.
	Column string `json:"column,omitempty"`
	// Message says what is wrong and, where it helps, what to write instead.
	Message string `json:"message"`
}

// Error reads like
//
//	people.csv line 12, column hired_date: "31/02/2024" is not a date; use YYYY-MM-DD or MM/DD/YYYY
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, " line %d", p.Line)
	}
	if p.Column != "" {
		if p.Line > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " column %s", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// FileError is every problem found in one file. A file with a FileError must not
// be applied at all.
type FileError struct {
	// File is the file's name.
	File string `json:"file"`
	// Problems lists the problems in the order they were found, at most
	// MaxProblems of them.
	Problems []Problem `json:"problems"`
	// More counts the problems found beyond those listed.
	More int `json:"more,omitempty"`
}

// Total is the number of problems found, listed or not.
func (e *FileError) Total() int { return len(e.Problems) + e.More }

// Error names the file and the count and lists the first problems on one line;
// report Problems for the full list.
func (e *FileError) Error() string {
	var b strings.Builder
	n := e.Total()
	fmt.Fprintf(&b, "%s has %d %s", e.File, n, plural(n, "problem", "problems"))
	const shown = 10
	for i, p := range e.Problems {
		if i == shown {
			break
		}
		b.WriteString("; ")
		if p.Line == 0 && p.Column == "" {
			b.WriteString(p.Message)
		} else {
			b.WriteString(strings.TrimPrefix(p.Error(), p.File+" "))
		}
	}
	if rest := n - min(len(e.Problems), shown); rest > 0 {
		fmt.Fprintf(&b, "; and %d more", rest)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
