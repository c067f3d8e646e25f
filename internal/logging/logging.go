// Package logging sets up Trestle's structured logs (log/slog): readable text on a
// terminal, JSON lines for log collectors.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

// Options choose the log format and level.
type Options struct {
	// Format is "text", "json", or "auto" (text; the default).
	Format string
	// Level is "debug", "info", "warn" or "error".
	Level string
}

// New returns a logger writing to w.
func New(w io.Writer, o Options) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(orDefault(o.Level, "info"))); err != nil {
		return nil, fmt.Errorf("log level %q is not one of debug, info, warn, error", o.Level)
	}
	ho := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(orDefault(o.Format, "auto")) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	case "text", "auto":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	default:
		return nil, fmt.Errorf("log format %q is not one of text, json", o.Format)
	}
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
