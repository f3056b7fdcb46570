package photosapi

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/photosync/photosync/photosapi/api"
)

// Backoff constants follow the retry settings Google ships in its own
// Library API clients: 1 s initial wait, growing 1.3 times per retry, at
// most 10 s.
const (
	backoffInitial    = time.Second
	backoffMultiplier = 1.3
	backoffMax        = 10 * time.Second
	// rateLimitWait is the minimum wait after a 429 without Retry-After,
	// because Google's best-practice page requests at least 30 s.
	rateLimitWait = 30 * time.Second
	// jitterShare spreads each wait by up to 20% either way so that
	// clients failing together do not retry together.
	jitterShare = 0.2
)

// idempotency is the rule for sending a call again after a failure.
type idempotency int

const (
	// idempotent calls (reads, patches, album membership, uploads, which
	// only mint a new token) retry on every retryable error.
	idempotent idempotency = iota
	// notIdempotent calls (albums.create, mediaItems.batchCreate,
	// albums.addEnrichment) would create a second album, item or
	// enrichment if the first request was processed. They retry only when
	// the server did not process the request: the request never fully
	// went out, or the server responded with 429 or 503. Google uses those
	// two for rate limits and overload, so the client takes them as
	// rejected before any work was done.
	// NOTE: no Google document promises that a 503 comes before any work.
	// For batchCreate the server's byte deduplication limits the harm.
	notIdempotent
)

// backoff returns the wait before retry number retry (from 0) after err.
// It reports false when the server asked for a longer wait than
// Options.MaxRetryAfter, so the caller should get the error instead.
func (c *Client) backoff(retry int, err error) (time.Duration, bool) {
	base := float64(backoffInitial) * math.Pow(backoffMultiplier, float64(retry))
	wait := time.Duration(min(base, float64(backoffMax)))

	var e *api.Error
	if errors.As(err, &e) {
		if e.RetryAfter > 0 {
			// The server's own wait wins, without jitter, because the
			// server sets it from when its limit resets.
			if e.RetryAfter > c.opts.MaxRetryAfter {
				return 0, false
			}
			return e.RetryAfter, true
		}
		if e.HTTPStatus == http.StatusTooManyRequests {
			wait = rateLimitWait
		}
	}
	spread := (c.opts.Jitter()*2 - 1) * jitterShare
	return time.Duration(float64(wait) * (1 + spread)), true
}

// mayRetry reports whether a failed attempt of a call with the given
// idempotency may be sent again. sent reports whether the whole request
// reached the connection. A request that never fully went out, such as
// one whose token refresh failed, cannot have been processed.
func mayRetry(kind idempotency, err error, sent bool) bool {
	if !api.IsRetryable(err) {
		return false
	}
	if kind == idempotent || !sent {
		return true
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus == http.StatusServiceUnavailable
	}
	return false
}

func randomFraction() float64 { return rand.Float64() }
