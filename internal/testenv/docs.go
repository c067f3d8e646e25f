package testenv

import (
	"os"
	"strings"
	"testing"
)

// GeneratedDoc keeps the part of a Markdown file between the markers begin and
// end equal to want (text generated from the code, so that the docs cannot
// drift). When it differs, the test fails, saying to run rerun (the command
// that regenerates it); with update set (a test's -update-docs flag) the part
// is rewritten instead.
func GeneratedDoc(t testing.TB, path, begin, end, want string, update bool, rerun string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated part between %q and %q", path, begin, end)
	}
	if text[i+len(begin):j] == want {
		return
	}
	if update {
		if err := os.WriteFile(path, []byte(text[:i+len(begin)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the code; run %s", path, rerun)
}
