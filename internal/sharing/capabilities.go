package sharing

import (
	"strings"
)

// Response formats.
const (
	formatParquet = "parquet"
	formatDelta   = "delta"
)

// capabilities is the parsed delta-sharing-capabilities request header.
type capabilities struct {
	formats        []string // in the client's order; empty means parquet
	readerFeatures map[string]bool
	endStream      bool
	async          bool
}

// parseCapabilities reads "key=v1,v2;key2=v3" (keys and values
// case-insensitive). Unknown keys are ignored, as the header is how the
// protocol grows; an unknown response format is refused.
func parseCapabilities(values []string) (capabilities, error) {
	var c capabilities
	for _, v := range values {
		for _, part := range strings.Split(v, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			key, val, _ := strings.Cut(part, "=")
			key = strings.ToLower(strings.TrimSpace(key))
			var vals []string
			for _, x := range strings.Split(val, ",") {
				if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
					vals = append(vals, x)
				}
			}
			switch key {
			case "responseformat":
				for _, f := range vals {
					if f != formatParquet && f != formatDelta {
						return c, badRequest("Unsupported responseformat %q: use parquet or delta", f)
					}
				}
				c.formats = vals
			case "readerfeatures":
				c.readerFeatures = map[string]bool{}
				for _, f := range vals {
					c.readerFeatures[f] = true
				}
			case "includeendstreamaction":
				c.endStream = len(vals) == 1 && vals[0] == "true"
			case "asyncquery":
				c.async = len(vals) == 1 && vals[0] == "true"
			}
		}
	}
	return c, nil
}

// format chooses the response format: the one named, or parquet when the
// client lists both and the table needs nothing more than parquet readers have
// (reader version 1).
func (c capabilities) format(minReaderVersion int) string {
	switch {
	case len(c.formats) == 0:
		return formatParquet
	case len(c.formats) == 1:
		return c.formats[0]
	}
	hasParquet := false
	for _, f := range c.formats {
		hasParquet = hasParquet || f == formatParquet
	}
	if hasParquet && minReaderVersion <= 1 {
		return formatParquet
	}
	return formatDelta
}
