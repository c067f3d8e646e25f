package sink_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

func TestMicrosOf(t *testing.T) {
	cases := []struct {
		unit arrow.TimeUnit
		in   int64
		want int64
	}{
		{arrow.Second, -2, -2_000_000},
		{arrow.Millisecond, 1_500, 1_500_000},
		{arrow.Microsecond, 42, 42},
		{arrow.Nanosecond, 1_999, 1},
		{arrow.Nanosecond, -1, -1}, // rounds toward the past, not toward zero
		{arrow.Nanosecond, -1_000, -1},
	}
	for _, c := range cases {
		f, err := sink.MicrosOf(c.unit)
		if err != nil {
			t.Fatal(err)
		}
		if got := f(c.in); got != c.want {
			t.Errorf("%s %d: got %d, want %d", c.unit, c.in, got, c.want)
		}
	}
}
