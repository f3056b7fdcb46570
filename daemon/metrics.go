package daemon

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the daemon's Prometheus metrics, in a registry of their own so
// that no other package's metrics leak into GET /metrics.
type metrics struct {
	registry *prometheus.Registry

	files         *prometheus.GaugeVec // by folder and state
	uploads       prometheus.Counter
	uploadedBytes prometheus.Counter
	downloads     prometheus.Counter
	downloadBytes prometheus.Counter
	requests      *prometheus.CounterVec // by API method
	passDuration  prometheus.Histogram
	lastSuccess   *prometheus.GaugeVec // by folder
	quotaUsed     prometheus.Gauge
	quotaLeft     prometheus.Gauge
	quotaReset    prometheus.Gauge
	uploadsPaused prometheus.Gauge
	loginNeeded   prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		files: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "photosync_files",
			Help: "Files of a synced folder by state: in_sync, queued or failed.",
		}, []string{"folder", "state"}),
		uploads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "photosync_uploads_total",
			Help: "Files uploaded and created as media items since the daemon started.",
		}),
		uploadedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "photosync_uploaded_bytes_total",
			Help: "Bytes of the files counted by photosync_uploads_total.",
		}),
		downloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "photosync_downloads_total",
			Help: "Remote items written into synced folders since the daemon started.",
		}),
		downloadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "photosync_downloaded_bytes_total",
			Help: "Bytes of the items counted by photosync_downloads_total.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "photosync_api_requests_total",
			Help: "Library API requests sent since the daemon started, by method, retries included.",
		}, []string{"method"}),
		passDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "photosync_pass_duration_seconds",
			Help:    "Duration of sync passes.",
			Buckets: prometheus.ExponentialBuckets(0.05, 4, 9), // 50 ms to about 55 min
		}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "photosync_last_success_timestamp_seconds",
			Help: "Unix time of the end of the folder's last pass that had no failure.",
		}, []string{"folder"}),
		quotaUsed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "photosync_quota_requests_used",
			Help: "Library API requests counted in the current quota day.",
		}),
		quotaLeft: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "photosync_quota_requests_left",
			Help: "Library API requests left in the current quota day, poll reserve included.",
		}),
		quotaReset: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "photosync_quota_reset_timestamp_seconds",
			Help: "Unix time of the next quota reset, midnight in America/Los_Angeles.",
		}),
		uploadsPaused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "photosync_uploads_paused",
			Help: "1 while the quota scheduler holds uploads back, else 0.",
		}),
		loginNeeded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "photosync_login_needed",
			Help: "1 while the API rejects the login, else 0.",
		}),
	}
	m.registry.MustRegister(m.files, m.uploads, m.uploadedBytes, m.downloads, m.downloadBytes, m.requests, m.passDuration,
		m.lastSuccess, m.quotaUsed, m.quotaLeft, m.quotaReset, m.uploadsPaused, m.loginNeeded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// setFolder sets the file gauges and the last success of one folder.
func (m *metrics) setFolder(f FolderStatus) {
	m.files.WithLabelValues(f.Path, "in_sync").Set(float64(f.InSync))
	m.files.WithLabelValues(f.Path, "queued").Set(float64(f.Queued))
	m.files.WithLabelValues(f.Path, "failed").Set(float64(f.Failed))
	if !f.LastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(f.Path).Set(float64(f.LastSuccess.Unix()))
	}
}

// dropFolder removes the series of a folder that left the config.
func (m *metrics) dropFolder(path string) {
	m.files.DeletePartialMatch(prometheus.Labels{"folder": path})
	m.lastSuccess.DeleteLabelValues(path)
}

// setAccount sets the quota and login gauges.
func (m *metrics) setAccount(a AccountStatus) {
	m.quotaUsed.Set(float64(a.Quota.Used))
	m.quotaLeft.Set(float64(a.Quota.Left))
	m.quotaReset.Set(float64(a.Quota.Reset.Unix()))
	m.uploadsPaused.Set(boolGauge(a.UploadsPaused))
	m.loginNeeded.Set(boolGauge(a.LoginNeeded))
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
