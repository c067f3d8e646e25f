package templates

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/trestle-dev/trestle/internal/planning"
)

// WriteTemplate writes the blank template of kind (planning.KindPerson for
// people.csv, ...): the header row alone, ready to fill.
func WriteTemplate(w io.Writer, kind planning.Kind) error {
	s, err := specOf(kind)
	if err != nil {
		return err
	}
	return writeRows(w, s.ColumnNames())
}

// WriteExample writes the example file of kind (people.example.csv, ...): the
// header and one example row. It also has a custom.<name> column where the
// template takes custom fields. Every line of a template is data, so the example
// lives in a file of its own rather than as a commented row in the template (see
// the package documentation).
func WriteExample(w io.Writer, kind planning.Kind) error {
	s, err := specOf(kind)
	if err != nil {
		return err
	}
	header, row := s.ColumnNames(), make([]string, 0, len(s.Columns)+1)
	for _, c := range s.Columns {
		row = append(row, c.Example)
	}
	if s.customExample[0] != "" {
		header = append(header, "custom."+s.customExample[0])
		row = append(row, s.customExample[1])
	}
	return writeRows(w, header, row)
}

func specOf(kind planning.Kind) (*Spec, error) {
	for _, s := range Specs() {
		if s.Kind == kind {
			return s, nil
		}
	}
	return nil, fmt.Errorf("there is no CSV template for %s records", kind.Label())
}

func writeRows(w io.Writer, rows ...[]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write the template: %w", err)
	}
	return nil
}
