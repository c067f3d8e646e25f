package files_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
)

// swapSteps are the steps of a swap, per strategy, in order.
var swapSteps = map[string][]string{
	"rename": {"marker", "move old", "move new", "clean up"},
	"copy":   {"marker", "copy new", "delete old", "clean up"},
	"stream": {"marker", "copy new", "delete old", "clean up"},
}

// crashAt makes the next swap stop at step, as if the process died there.
func crashAt(t *testing.T, step string) {
	files.SetSwapHook(func(s string) error {
		if s == step {
			return errCrash
		}
		return nil
	})
	t.Cleanup(func() { files.SetSwapHook(nil) })
}

// TestSwapCrash stops a Commit at each step of the swap, for each strategy,
// and checks that the next New, or the next Begin of the table, leaves the
// table whole: the old rows when the crash came before the commit marker,
// the new ones after, and nothing in the staging folder.
func TestSwapCrash(t *testing.T) {
	tbl := sink.Table{Name: "people", Schema: people}
	for _, strategy := range strategies {
		for i, step := range swapSteps[strategy] {
			for _, via := range []string{"New", "Begin"} {
				t.Run(strategy+"/"+step+"/"+via, func(t *testing.T) {
					store, _ := newStore(t, strategy)
					s := newSink(t, store, files.Parquet)
					load(t, s, tbl, peopleRows("old", 1, 2))
					other := newSink(t, store, files.Parquet) // open before the crash
					l := begin(t, s, tbl, peopleRows("new", 3, 4, 5))
					crashAt(t, step)
					if err := l.Commit(t.Context()); !errors.Is(err, errCrash) {
						t.Fatalf("Commit = %v, want the simulated crash", err)
					}
					files.SetSwapHook(nil)
					// The process died: no Abort. Recover.
					switch via {
					case "New":
						newSink(t, store, files.Parquet)
					case "Begin":
						l2, err := other.BeginFull(t.Context(), tbl)
						if err != nil {
							t.Fatal(err)
						}
						defer l2.Abort(t.Context())
					}
					expect := want(peopleRows("new", 3, 4, 5))
					if i == 0 {
						expect = want(peopleRows("old", 1, 2))
					}
					if got := rows(t, store, files.Parquet, tbl.Name); !slices.Equal(got, expect) {
						t.Errorf("after recovery the table holds %q, want %q", got, expect)
					}
					if left := keys(t, store, files.StagingDir+"/"); len(left) > 0 {
						t.Errorf("staging folder still holds %q", left)
					}
				})
			}
		}
	}
}

// TestRecoveryCrash: a recovery that itself stops half way is completed by
// the next one.
func TestRecoveryCrash(t *testing.T) {
	tbl := sink.Table{Name: "people", Schema: people}
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			store, _ := newStore(t, strategy)
			s := newSink(t, store, files.Parquet)
			load(t, s, tbl, peopleRows("old", 1, 2))
			l := begin(t, s, tbl, peopleRows("new", 3))
			crashAt(t, swapSteps[strategy][2])
			if err := l.Commit(t.Context()); !errors.Is(err, errCrash) {
				t.Fatalf("Commit = %v, want the simulated crash", err)
			}
			crashAt(t, "clean up")
			if _, err := files.New(t.Context(), store, files.Parquet); !errors.Is(err, errCrash) {
				t.Fatalf("first recovery = %v, want the simulated crash", err)
			}
			files.SetSwapHook(nil)
			newSink(t, store, files.Parquet)
			if got, w := rows(t, store, files.Parquet, tbl.Name), want(peopleRows("new", 3)); !slices.Equal(got, w) {
				t.Errorf("table holds %q, want %q", got, w)
			}
			if left := keys(t, store, files.StagingDir+"/"); len(left) > 0 {
				t.Errorf("staging folder still holds %q", left)
			}
		})
	}
}

// TestCommitFailure: a store error during the swap before the point of no
// return puts the table back as it was; after it (deleting the previous
// files on a store without renames) Abort finishes the swap. Either way the
// table is whole and the staging folder empty after Abort.
func TestCommitFailure(t *testing.T) {
	boom := errors.New("store error")
	tests := []struct {
		strategy string
		fail     func(op, key string) error
		newRows  bool // the table ends with the load's rows
	}{
		{"rename", func(op, key string) error {
			if op == "rename" && key == "people" {
				return boom
			}
			return nil
		}, false},
		{"rename", func(op, key string) error {
			if op == "rename" && strings.HasPrefix(key, files.StagingDir) && !strings.HasSuffix(key, ".old") {
				return boom
			}
			return nil
		}, false},
		{"copy", func(op, key string) error {
			if op == "copy" && strings.Contains(key, "/part-00001-") {
				return boom
			}
			return nil
		}, false},
		{"stream", func(op, key string) error {
			if op == "put" && strings.HasPrefix(key, "people/part-00001") {
				return boom
			}
			return nil
		}, false},
		{"copy", func(op, key string) error {
			if op == "delete" && strings.HasPrefix(key, "people/") {
				return boom
			}
			return nil
		}, true},
	}
	tbl := sink.Table{Name: "people", Schema: people}
	for _, tc := range tests {
		t.Run(tc.strategy, func(t *testing.T) {
			store, f := newStore(t, tc.strategy)
			s := newSink(t, store, files.Parquet)
			files.SetRowsPerFile(s, 1) // several staged files
			load(t, s, tbl, peopleRows("old", 1, 2))
			l := begin(t, s, tbl, peopleRows("new", 3, 4, 5))
			f.setFail(tc.fail)
			if err := l.Commit(t.Context()); !errors.Is(err, boom) {
				t.Fatalf("Commit = %v, want the store's error", err)
			}
			f.setFail(nil)
			expect := want(peopleRows("old", 1, 2))
			if tc.newRows {
				expect = want(peopleRows("new", 3, 4, 5))
			} else if got := rows(t, store, files.Parquet, tbl.Name); !slices.Equal(got, expect) {
				t.Errorf("after the failed Commit the table holds %q, want %q", got, expect)
			}
			if err := l.Abort(t.Context()); err != nil {
				t.Fatalf("Abort: %v", err)
			}
			if got := rows(t, store, files.Parquet, tbl.Name); !slices.Equal(got, expect) {
				t.Errorf("after Abort the table holds %q, want %q", got, expect)
			}
			if left := keys(t, store, files.StagingDir+"/"); len(left) > 0 {
				t.Errorf("staging folder still holds %q", left)
			}
		})
	}
}
