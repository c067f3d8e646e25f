package delta

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Stats is the per-file statistics an add (or remove) action carries as a JSON
// string in its stats field. Per-column values mirror the table schema: nested
// columns are nested maps. Numbers are json.Number, so longs keep every digit.
type Stats struct {
	// NumRecords is the number of records in the data file.
	NumRecords int64 `json:"numRecords"`
	// TightBounds says whether the column bounds are tight (nil: absent, which
	// counts as true).
	TightBounds *bool          `json:"tightBounds,omitempty"`
	MinValues   map[string]any `json:"minValues,omitempty"`
	MaxValues   map[string]any `json:"maxValues,omitempty"`
	NullCount   map[string]any `json:"nullCount,omitempty"`
}

// Tight reports whether the bounds are tight; an absent tightBounds counts as
// true.
func (s *Stats) Tight() bool { return s.TightBounds == nil || *s.TightBounds }

// ParseStats reads an action's stats string. An empty string (no statistics)
// gives nil and no error.
func ParseStats(stats string) (*Stats, error) {
	if stats == "" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(stats)))
	dec.UseNumber()
	var s Stats
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("delta: stats: %w", err)
	}
	return &s, nil
}

// String returns the statistics as the JSON string an action's stats field holds.
func (s *Stats) String() string {
	b, err := json.Marshal(s)
	if err != nil {
		// Only unsupported values in the maps (channels, functions) can fail.
		return ""
	}
	return string(b)
}
