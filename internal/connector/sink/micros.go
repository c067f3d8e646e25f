package sink

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// MicrosOf returns a function converting Arrow timestamps of unit u to
// microseconds since the epoch (rounding toward the past), the precision of
// the SQL destinations' timestamp types.
func MicrosOf(u arrow.TimeUnit) (func(int64) int64, error) {
	switch u {
	case arrow.Second:
		return func(v int64) int64 { return v * 1e6 }, nil
	case arrow.Millisecond:
		return func(v int64) int64 { return v * 1e3 }, nil
	case arrow.Microsecond:
		return func(v int64) int64 { return v }, nil
	case arrow.Nanosecond:
		return func(v int64) int64 {
			q := v / 1e3
			if v%1e3 < 0 {
				q--
			}
			return q
		}, nil
	}
	return nil, fmt.Errorf("timestamp unit %s is not supported", u)
}
