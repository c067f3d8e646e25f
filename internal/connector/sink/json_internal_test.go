package sink

import (
	"encoding/json"
	"testing"
)

// appendString writes what json.Marshal writes, for every kind of character.
func TestAppendStringMatchesMarshal(t *testing.T) {
	cases := []string{"", "plain", `quote " backslash \ slash /`, "<html> & co", "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f",
		"é ü 日本 🏗", "\u2028 and \u2029", "bad \xff utf-8 \xc3", "mixed \"<\xe2\x80\xa8>\" end"}
	for i := range 300 {
		b := make([]byte, i%23)
		for j := range b {
			b[j] = byte((i*131 + j*57) % 256)
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, json.Marshal = %s", s, got, want)
		}
	}
}
