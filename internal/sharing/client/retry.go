package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults of RetryPolicy.
const (
	DefaultMaxAttempts = 5
	DefaultBaseDelay   = 200 * time.Millisecond
	DefaultMaxDelay    = 10 * time.Second
)

// maxRetryAfter caps how long a Retry-After header can make a request wait
// when the policy's MaxDelay is shorter.
const maxRetryAfter = time.Minute

// RetryPolicy says how a failed request is retried: on 429, 5xx (but 501) and
// connection errors only, with exponential backoff and full jitter (a random
// wait between 0 and min(MaxDelay, BaseDelay*2^(n-1)) before the (n+1)th
// attempt), or the wait a Retry-After header asks for when that is longer
// (up to max(MaxDelay, one minute)).
type RetryPolicy struct {
	// MaxAttempts is how many times a request is sent in all (DefaultMaxAttempts
	// when zero; 1 disables retries).
	MaxAttempts int
	// BaseDelay is the first backoff (DefaultBaseDelay when zero).
	BaseDelay time.Duration
	// MaxDelay caps one backoff (DefaultMaxDelay when zero).
	MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	return p
}

// backoff is the wait after the attempt-th failed attempt (from 1), with full
// jitter.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	ceiling := p.MaxDelay
	if attempt-1 < 32 {
		if d := p.BaseDelay << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// wait is the wait after a failed attempt whose response (nil for a
// connection error) may carry Retry-After.
func (p RetryPolicy) wait(attempt int, resp *http.Response, now time.Time) time.Duration {
	d := p.backoff(attempt)
	if resp != nil {
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			ra = min(ra, max(p.MaxDelay, maxRetryAfter))
			d = max(d, ra)
		}
	}
	return d
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryableStatus reports whether a response status is worth another attempt.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || (code >= 500 && code != http.StatusNotImplemented)
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// canceled reports whether err comes from ctx being done.
func canceled(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
