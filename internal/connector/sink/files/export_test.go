package files

import "github.com/trestle-dev/trestle/internal/connector/sink"

// SetSwapHook makes every step of a swap and of a recovery call fn first; an
// error from fn stops there, as a crash would. nil removes the hook.
func SetSwapHook(fn func(step string) error) { swapHook = fn }

// SetRowsPerFile sets how many rows a part or data file holds at most.
func SetRowsPerFile(s *Sink, n int64) { s.rowsPerFile = n }

// Exited returns the channel closed when a delta full load's goroutine has
// returned.
func Exited(l sink.Load) <-chan struct{} { return l.(*deltaFull).exited }

// CSVLine renders one CSV line as a csv load writes it.
func CSVLine(fields []string, nulls []bool) string { return string(appendCSVLine(nil, fields, nulls)) }
