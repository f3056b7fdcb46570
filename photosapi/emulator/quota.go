package emulator

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"time"
	_ "time/tzdata" // The quota day needs America/Los_Angeles on every host.
)

// pacific is the zone whose midnight starts a new quota day. Google resets
// daily quotas at midnight Pacific time.
var pacific = mustLoadLocation("America/Los_Angeles")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load time zone %s: %v", name, err))
	}
	return loc
}

func quotaDay(t time.Time) string {
	return t.In(pacific).Format(time.DateOnly)
}

// quotaDayCache is the Pacific day of the last request: its name and the
// instants it starts and ends, so that most requests need no formatting.
type quotaDayCache struct {
	name       string
	start, end time.Time
}

// quotaDayLocked returns quotaDay(t), from the cache when t falls in the
// cached day.
func (s *Server) quotaDayLocked(t time.Time) string {
	c := &s.quotaDay
	if c.name != "" && !t.Before(c.start) && t.Before(c.end) {
		return c.name
	}
	local := t.In(pacific)
	year, month, day := local.Date()
	c.name = local.Format(time.DateOnly)
	c.start = time.Date(year, month, day, 0, 0, 0, 0, pacific)
	c.end = time.Date(year, month, day+1, 0, 0, 0, 0, pacific)
	return c.name
}

// usageLocked returns the client's counters, reset when a new Pacific day
// has begun.
func (s *Server) usageLocked(clientID string, now time.Time) *quotaUsage {
	u, ok := s.st.Usage[clientID]
	if !ok {
		u = &quotaUsage{}
		s.st.Usage[clientID] = u
	}
	// Every caller changes a counter.
	s.st.mark(bucketUsage, clientID)
	if day := s.quotaDayLocked(now); u.Day != day {
		u.Day = day
		u.Requests = 0
		u.Downloads = 0
	}
	return u
}

// chargeQuotaLocked counts one Library API request against the client's
// daily quota and, for writes, its per-minute limit. A rejected request
// is not counted, so that a client that keeps retrying is not locked out
// for longer. Google does not document whether it counts them.
func (s *Server) chargeQuotaLocked(clientID string, write bool, now time.Time) *apiError {
	u := s.usageLocked(clientID, now)
	if limit := s.opts.DailyQuota; limit > 0 && u.Requests >= limit {
		return dailyQuotaError(clientID, limit)
	}
	if limit := s.opts.WritesPerMinute; write && limit > 0 {
		if now.Sub(u.MinuteStart) >= time.Minute || now.Before(u.MinuteStart) {
			u.MinuteStart = now.Truncate(time.Minute)
			u.Writes = 0
		}
		if u.Writes >= limit {
			return minuteQuotaError(clientID, limit)
		}
		u.Writes++
	}
	u.Requests++
	return nil
}

// chargeDownloadLocked counts one base-URL fetch against the client's
// daily media-bytes quota.
func (s *Server) chargeDownloadLocked(clientID string, now time.Time) *apiError {
	u := s.usageLocked(clientID, now)
	if limit := s.opts.MediaBytesQuota; limit > 0 && u.Downloads >= limit {
		e := quotaError(fmt.Sprintf(msgMediaQuotaExceeded, projectNumber(clientID)),
			clientID, limit, "MediaBytesRequestsPerProjectPerDay", "photoslibrary.googleapis.com/media_bytes_requests")
		return e
	}
	u.Downloads++
	return nil
}

// projectNumber makes up a stable project number for a client id, because
// Google's quota messages name the project.
func projectNumber(clientID string) string {
	h := fnv.New64a()
	h.Write([]byte(clientID))
	return strconv.FormatUint(h.Sum64()%1_000_000_000_000, 10)
}

func dailyQuotaError(clientID string, limit int) *apiError {
	return quotaError(fmt.Sprintf(msgDailyQuotaExceeded, projectNumber(clientID)),
		clientID, limit, "ApiCallsPerProjectPerDay", "photoslibrary.googleapis.com/all_requests")
}

func minuteQuotaError(clientID string, limit int) *apiError {
	return quotaError(fmt.Sprintf(msgMinuteQuotaExceeded, projectNumber(clientID)),
		clientID, limit, "WritesPerMinutePerUser", "photoslibrary.googleapis.com/write_requests")
}

// quotaError builds Google's 429 body with its ErrorInfo and Help details.
func quotaError(msg, clientID string, limit int, quotaLimit, metric string) *apiError {
	return &apiError{
		Code:    http.StatusTooManyRequests,
		Status:  "RESOURCE_EXHAUSTED",
		Message: msg,
		Reason:  "rateLimitExceeded",
		Details: []any{
			map[string]any{
				"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
				"reason": "RATE_LIMIT_EXCEEDED",
				"domain": "googleapis.com",
				"metadata": map[string]string{
					"quota_limit_value": strconv.Itoa(limit),
					"consumer":          "projects/" + projectNumber(clientID),
					"service":           "photoslibrary.googleapis.com",
					"quota_limit":       quotaLimit,
					"quota_location":    "global",
					"quota_metric":      metric,
				},
			},
			map[string]any{
				"@type": "type.googleapis.com/google.rpc.Help",
				"links": []map[string]string{{
					"description": "Request a higher quota limit.",
					"url":         "https://cloud.google.com/docs/quota#requesting_higher_quota",
				}},
			},
		},
	}
}
