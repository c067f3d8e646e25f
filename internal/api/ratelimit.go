package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit is how many requests one token may make to one company in a
// window. The zero value means no limit.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// DefaultRateLimit is 3,600 requests an hour per token and company.
var DefaultRateLimit = RateLimit{Requests: 3600, Window: time.Hour}

// ParseRateLimit reads "3600/h", "100/min", "10/s", "5000/24h" or "off".
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "off" || s == "none" || s == "0" {
		return RateLimit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	reqs, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || reqs <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: write requests per period, like 3600/h, 100/min or 10/s, or off", s)
	}
	per = strings.TrimSpace(per)
	var w time.Duration
	switch per {
	case "s", "sec", "second":
		w = time.Second
	case "m", "min", "minute":
		w = time.Minute
	case "h", "hour":
		w = time.Hour
	case "d", "day":
		w = 24 * time.Hour
	default:
		if w, err = time.ParseDuration(per); err != nil || w < time.Second {
			return RateLimit{}, fmt.Errorf("rate limit %q: the period %q is not s, min, h, day or a duration of a second or more", s, per)
		}
	}
	return RateLimit{Requests: reqs, Window: w}, nil
}

// String is the limit as ParseRateLimit reads it.
func (l RateLimit) String() string {
	if l.Requests == 0 {
		return "off"
	}
	switch l.Window {
	case time.Second:
		return fmt.Sprintf("%d/s", l.Requests)
	case time.Minute:
		return fmt.Sprintf("%d/min", l.Requests)
	case time.Hour:
		return fmt.Sprintf("%d/h", l.Requests)
	}
	return fmt.Sprintf("%d/%s", l.Requests, l.Window)
}

// limiter counts requests per key in fixed windows that start at a key's
// first request: simple to explain in headers (how many are left, when the
// count starts again). Counts live in this process.
type limiter struct {
	limit RateLimit
	mu    sync.Mutex
	wins  map[string]*window
	swept time.Time
}

type window struct {
	start time.Time
	count int
}

func newLimiter(l RateLimit) *limiter {
	return &limiter{limit: l, wins: map[string]*window{}}
}

// take counts one request of key at now and says whether it may go ahead,
// how many remain in the window and when the window resets.
func (l *limiter) take(key string, now time.Time) (ok bool, remaining int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.limit.Window {
		for k, w := range l.wins {
			if now.Sub(w.start) >= l.limit.Window {
				delete(l.wins, k)
			}
		}
		l.swept = now
	}
	w := l.wins[key]
	if w == nil || now.Sub(w.start) >= l.limit.Window {
		w = &window{start: now}
		l.wins[key] = w
	}
	reset = w.start.Add(l.limit.Window)
	if w.count >= l.limit.Requests {
		return false, 0, reset
	}
	w.count++
	return true, l.limit.Requests - w.count, reset
}

// limit applies the rate limit to a request of a token in a company, setting
// the X-Rate-Limit-* headers; it answers 429 with Retry-After when the limit
// is reached.
func (a *API) limit(w http.ResponseWriter, tokenID, companyID string) *Error {
	if a.limiter == nil {
		return nil
	}
	now := a.now()
	ok, remaining, reset := a.limiter.take(tokenID+"|"+companyID, now)
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(a.limiter.limit.Requests))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if ok {
		return nil
	}
	wait := int(reset.Sub(now).Seconds() + 0.999)
	e := newError(http.StatusTooManyRequests, CodeRateLimited,
		"rate limit reached: %d requests per %s for this token in this company; try again in %d s", a.limiter.limit.Requests, a.limiter.limit.Window, wait)
	e.header = http.Header{"Retry-After": {strconv.Itoa(wait)}}
	return e
}
