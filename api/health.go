package api

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

type healthJSON struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// healthz serves GET /healthz: the process is up.
func (s *Server) healthz(c echo.Context) error {
	return writeJSON(c, http.StatusOK, healthJSON{Status: "ok", Version: s.opts.Version})
}

// readyz serves GET /readyz: the database answers. A load balancer stops
// sending traffic on 503.
func (s *Server) readyz(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, healthJSON{Status: "ok", Version: s.opts.Version})
}

// metrics is a tiny Prometheus registry: requests by route and status,
// their total duration, and the responses this process stored.
type metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]*requestStat
	responses atomic.Int64 // responses stored (new, not replays)
	replays   atomic.Int64
}

type requestKey struct {
	method, route string
	status        int
}

type requestStat struct {
	n       int64
	seconds float64
}

func newMetrics() *metrics { return &metrics{requests: map[requestKey]*requestStat{}} }

func (m *metrics) request(method, route string, status int, d time.Duration) {
	k := requestKey{method, route, status}
	m.mu.Lock()
	st := m.requests[k]
	if st == nil {
		st = &requestStat{}
		m.requests[k] = st
	}
	st.n++
	st.seconds += d.Seconds()
	m.mu.Unlock()
}

// metricsText serves GET /metrics in the Prometheus text format 0.0.4.
func (s *Server) metricsText(c echo.Context) error {
	var b strings.Builder
	s.metrics.mu.Lock()
	keys := make([]requestKey, 0, len(s.metrics.requests))
	for k := range s.metrics.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	b.WriteString("# HELP suara_http_requests_total HTTP requests by route, method and status.\n# TYPE suara_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "suara_http_requests_total{method=%q,route=%q,status=\"%d\"} %d\n", k.method, k.route, k.status, s.metrics.requests[k].n)
	}
	b.WriteString("# HELP suara_http_request_duration_seconds_sum Time spent answering, by route, method and status.\n# TYPE suara_http_request_duration_seconds_sum counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "suara_http_request_duration_seconds_sum{method=%q,route=%q,status=\"%d\"} %g\n", k.method, k.route, k.status, s.metrics.requests[k].seconds)
	}
	s.metrics.mu.Unlock()
	fmt.Fprintf(&b, "# HELP suara_submission_queue_length Responses waiting for the group-commit writer.\n# TYPE suara_submission_queue_length gauge\nsuara_submission_queue_length %d\n", s.store.QueueLen())
	fmt.Fprintf(&b, "# HELP suara_responses_stored_total Responses stored by this process.\n# TYPE suara_responses_stored_total counter\nsuara_responses_stored_total %d\n", s.metrics.responses.Load())
	fmt.Fprintf(&b, "# HELP suara_responses_replayed_total Submissions answered from an earlier identical client_id.\n# TYPE suara_responses_replayed_total counter\nsuara_responses_replayed_total %d\n", s.metrics.replays.Load())
	ws := s.store.WriterStats()
	fmt.Fprintf(&b, "# HELP suara_writer_batches_total Batch transactions with new responses that the group-commit writer sent.\n# TYPE suara_writer_batches_total counter\nsuara_writer_batches_total %d\n", ws.Batches)
	fmt.Fprintf(&b, "# HELP suara_writer_replay_lookups_total Replay lookups the writer sent in a round trip of their own.\n# TYPE suara_writer_replay_lookups_total counter\nsuara_writer_replay_lookups_total %d\n", ws.Lookups)
	fmt.Fprintf(&b, "# HELP suara_writer_resend_lookups_total Resends of remembered client_ids whose receipts the writer does not know, looked up before its queue, outside any batch.\n# TYPE suara_writer_resend_lookups_total counter\nsuara_writer_resend_lookups_total %d\n", ws.ResendLookups)
	fmt.Fprintf(&b, "# HELP suara_writer_memory_answers_total Resends answered from the writer's memory of client_ids and their receipts, with no lookup.\n# TYPE suara_writer_memory_answers_total counter\nsuara_writer_memory_answers_total %d\n", ws.MemoryAnswers)
	fmt.Fprintf(&b, "# HELP suara_writer_forgotten_lookups_total Submissions captured before the writer's memory of client_ids (older resends, phones that were offline or whose clocks run behind) looked up before the writer's queue.\n# TYPE suara_writer_forgotten_lookups_total counter\nsuara_writer_forgotten_lookups_total %d\n", ws.ForgottenLookups)
	fmt.Fprintf(&b, "# HELP suara_writer_rewrites_total Batches written again after the unique index caught a client_id stored earlier.\n# TYPE suara_writer_rewrites_total counter\nsuara_writer_rewrites_total %d\n", ws.Rewrites)
	fmt.Fprintf(&b, "# HELP suara_writer_busy_seconds_total Time the group-commit committers spent on batches; a rate near SUARA_COMMITTERS means the writer limits the submission rate.\n# TYPE suara_writer_busy_seconds_total counter\nsuara_writer_busy_seconds_total %.3f\n", ws.Busy.Seconds())
	fmt.Fprintf(&b, "# HELP suara_build_info The running version.\n# TYPE suara_build_info gauge\nsuara_build_info{version=%q} 1\n", s.opts.Version)
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}
