package delta

import (
	"fmt"
	"path"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// AddedFile is a Parquet data file the caller has stored under the table's
// root itself — for example a file copied byte for byte from another table —
// for a write to add to the table in its commit (see WriteOptions.AddFiles).
// Its columns must be the table's columns (after the write, for
// OverwriteSchema), by name, and it must not be partitioned.
type AddedFile struct {
	// Path is the file's path relative to the table root, not URL-encoded
	// ("part-00003-copy.parquet"). It must not climb out of the table nor lie
	// under _delta_log/ or _change_data/.
	Path string
	// Size is the file's length in bytes.
	Size int64
	// Stats is the file's statistics as the JSON string of an add action's
	// stats field (see Stats); "" when unknown.
	Stats string
}

// check reports what is wrong with f, if anything.
func (f AddedFile) check() error {
	bad := func(why string) error { return fmt.Errorf("%w: added file %q: %s", ErrInvalidCommit, f.Path, why) }
	clean := path.Clean(f.Path)
	switch {
	case f.Path == "" || clean != f.Path || strings.HasPrefix(f.Path, "/") || clean == ".." || strings.HasPrefix(clean, "../"):
		return bad("the path must be a clean path inside the table")
	case isAbsoluteURI(f.Path):
		return bad("absolute URIs are not supported")
	case clean == "_delta_log" || strings.HasPrefix(clean, "_delta_log/") ||
		clean == ChangeDataDir || strings.HasPrefix(clean, ChangeDataDir+"/"):
		return bad("the path is in the table's log or change data folder")
	case f.Size < 0:
		return bad(fmt.Sprintf("negative size %d", f.Size))
	}
	if _, err := ParseStats(f.Stats); err != nil {
		return bad(err.Error())
	}
	return nil
}

// add returns the add action of f at time ts.
func (f AddedFile) add(ts int64) Action {
	return Action{Add: &Add{
		Path:             EncodePath(f.Path),
		PartitionValues:  map[string]string{},
		Size:             f.Size,
		ModificationTime: ts,
		DataChange:       true,
		Stats:            f.Stats,
	}}
}

// addedFiles calls o.AddFiles, if set, and checks what it returns.
func (o WriteOptions) addedFiles() ([]AddedFile, error) {
	if o.AddFiles == nil {
		return nil, nil
	}
	files, err := o.AddFiles()
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if err := f.check(); err != nil {
			return nil, err
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("%w: file %q is added twice", ErrInvalidCommit, f.Path)
		}
		seen[f.Path] = true
	}
	return files, nil
}

// conformFile returns the batch rec read from data file key as a batch of the
// table schema s. A file with as many columns as the table is read by
// position, its columns relabelled; one with other columns (written before
// columns were added to the table) is matched by name, as the protocol asks
// of readers after a schema change: a column the file lacks reads as nulls.
// A column of another type is an error.
func conformFile(key string, rec arrow.RecordBatch, s *arrow.Schema) (arrow.RecordBatch, error) {
	fs := rec.Schema()
	byPosition := fs.NumFields() == s.NumFields()
	cols := make([]arrow.Array, s.NumFields())
	var made []arrow.Array
	defer func() {
		for _, a := range made {
			a.Release()
		}
	}()
	for i, f := range s.Fields() {
		var col arrow.Array
		if byPosition {
			col = rec.Column(i)
		} else if idx := fs.FieldIndices(f.Name); len(idx) > 0 {
			col = rec.Column(idx[0])
		} else if f.Nullable {
			col = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, int(rec.NumRows()))
			made = append(made, col)
		} else {
			return nil, fmt.Errorf("delta: file %s lacks column %q, which is not nullable", key, f.Name)
		}
		if !arrow.TypeEqual(col.DataType(), f.Type) {
			return nil, fmt.Errorf("delta: file %s: column %q is %s, the table says %s", key, f.Name, col.DataType(), f.Type)
		}
		cols[i] = col
	}
	return array.NewRecordBatch(s, cols, rec.NumRows()), nil
}
