package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestFormatsAndLevels(t *testing.T) {
	tests := []struct {
		name, format, level string
		wantJSON            bool
		wantDebug           bool
	}{
		{"default is text at info", "", "", false, false},
		{"json", "json", "info", true, false},
		{"text at debug", "text", "debug", false, true},
		{"upper-case json", "JSON", "warn", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := New(&buf, Options{Format: tt.format, Level: tt.level})
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("debug line")
			log.Warn("warn line", "company", "acme")
			out := strings.TrimSpace(buf.String())
			lines := strings.Split(out, "\n")
			if got := strings.Contains(out, "debug line"); got != tt.wantDebug {
				t.Errorf("debug line written = %v, want %v", got, tt.wantDebug)
			}
			last := lines[len(lines)-1]
			var rec map[string]any
			isJSON := json.Unmarshal([]byte(last), &rec) == nil
			if isJSON != tt.wantJSON {
				t.Fatalf("line %q: JSON = %v, want %v", last, isJSON, tt.wantJSON)
			}
			if isJSON && (rec["msg"] != "warn line" || rec["company"] != "acme" || rec["level"] != "WARN") {
				t.Errorf("JSON record = %v", rec)
			}
			if !isJSON && !strings.Contains(last, `msg="warn line" company=acme`) {
				t.Errorf("text record = %q", last)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, Options{Format: "xml"}); err == nil || !strings.Contains(err.Error(), "text, json") {
		t.Errorf("bad format: %v", err)
	}
	if _, err := New(&bytes.Buffer{}, Options{Level: "loud"}); err == nil || !strings.Contains(err.Error(), "debug, info, warn, error") {
		t.Errorf("bad level: %v", err)
	}
}
