// Package load drives Suara's public submission route over real HTTP, as
// many phones would, and verifies against the database afterwards that
// every acknowledged answer is stored exactly once and that the rollups
// equal a recount. cmd/suara-load is its command line; tests call it
// directly.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run.
type Config struct {
	// BaseURL of a running server, e.g. http://127.0.0.1:8080. Only
	// loopback addresses are accepted unless AllowRemote is set.
	BaseURL string
	// Slugs of the open surveys to answer; each submission picks one.
	Slugs []string
	// Concurrency is the number of simulated phones sending at once (default 8).
	Concurrency int
	// Duration bounds the run; Requests bounds the new submissions. At
	// least one is needed; the run ends at whichever comes first.
	Duration time.Duration
	Requests int
	// ReplayFraction of the sends re-send an answer the server already
	// acknowledged, with the same client_id and body (a phone that lost
	// the reply). The server must answer 200 with the first receipt.
	ReplayFraction float64
	// Seed makes the answers repeatable (client ids are always random).
	Seed uint64
	// MaxAttempts per submission, counting the first (default 8). Retries
	// follow 503, 429, 502, 504 and network errors, with the same client_id.
	MaxAttempts int
	// Grace is how long submissions in flight may keep retrying after
	// Duration has passed (default 10 s).
	Grace time.Duration
	// Timeout bounds each request, from its first byte written to the
	// answer's last byte read (default 30 s). Each phone keeps one
	// keep-alive connection (wire.go).
	Timeout     time.Duration
	AllowRemote bool
	// Progress, if set, receives one line per ProgressEvery (default 1 s)
	// with that interval's rate and latencies: a burst of slow answers
	// (a fold, a checkpoint) shows when it happened.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Ack is one submission's outcome: acknowledged (Status 201, or 200 for a
// replay of an earlier run) with the server's response id, or not.
type Ack struct {
	ClientID   string
	SurveyID   string
	ResponseID string
	Answers    int  // element answers sent
	Acked      bool // the server answered 201 or 200 with a receipt
	Status     int  // last HTTP status; 0 for a network error
}

// Result is what a run measured.
type Result struct {
	Elapsed      time.Duration
	Acks         []Ack // one per new client id sent, acknowledged or not
	Created      int   // 201 answers
	Replays      int   // replays sent (answered 200 with the first id, or counted in ReplayMismatch)
	ReplayBad    int   // replays answered with another response id or not 200
	Requests     int   // HTTP requests sent, retries included
	Retries      int
	ByStatus     map[int]int    // HTTP status → count, every attempt
	NetErrors    map[string]int // network error kind → count
	Latencies    []time.Duration
	AckLatencies []time.Duration // first send to acknowledgement, retries included
	// ReplayLatencies are the replays' own, first send to answer: resends
	// take another path in the server (answered before the queue, from its
	// memory or after a lookup), so a slow tail of theirs is told apart
	// from the new responses'.
	ReplayLatencies []time.Duration
}

// Run sends submissions until the duration or request budget is spent.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	forms := make([]*Form, 0, len(cfg.Slugs))
	for _, slug := range cfg.Slugs {
		f, err := FetchForm(ctx, client, cfg.BaseURL, slug)
		if err != nil {
			return nil, err
		}
		forms = append(forms, f)
	}

	r := &runner{cfg: cfg, forms: forms, res: &Result{ByStatus: map[int]int{}, NetErrors: map[string]int{}}}
	hard, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	if cfg.Duration > 0 {
		r.deadline = start.Add(cfg.Duration)
		t := time.AfterFunc(cfg.Duration+cfg.Grace, cancel)
		defer t.Stop()
	}
	if cfg.Progress != nil {
		stop := r.reportProgress(start)
		defer stop()
	}
	wires := make([]*wire, cfg.Concurrency)
	for i := range wires {
		var err error
		if wires[i], err = newWire(hard, cfg.BaseURL, cfg.Timeout); err != nil {
			return nil, err
		}
	}
	var wg sync.WaitGroup
	for i, w := range wires {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.close()
			r.phone(hard, w, rand.New(rand.NewPCG(cfg.Seed, uint64(i)+1)))
		}()
	}
	wg.Wait()
	r.res.Elapsed = time.Since(start)
	return r.res, nil
}

func (cfg *Config) check() error {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Second
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = time.Second
	}
	if cfg.Duration <= 0 && cfg.Requests <= 0 {
		return errors.New("load: set a duration or a number of requests")
	}
	if cfg.ReplayFraction < 0 || cfg.ReplayFraction >= 1 {
		return errors.New("load: the replay fraction must be in [0, 1)")
	}
	if len(cfg.Slugs) == 0 {
		return errors.New("load: no survey slug")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("load: bad URL %q", cfg.BaseURL)
	}
	if !cfg.AllowRemote && !IsLoopback(u.Hostname()) {
		return fmt.Errorf("load: %s is not a loopback address; a load run stays on this machine", u.Hostname())
	}
	return nil
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type runner struct {
	cfg      Config
	forms    []*Form
	deadline time.Time
	started  atomic.Int64 // new submissions started

	mu  sync.Mutex
	res *Result
	// acked holds the bodies of acknowledged submissions, for replays.
	acked []sent
}

type sent struct {
	body       []byte
	device     string
	form       *Form
	responseID string
}

// phone is one simulated citizen device: it sends one submission at a
// time and retries it like the page does until it is acknowledged.
func (r *runner) phone(ctx context.Context, w *wire, rnd *rand.Rand) {
	for ctx.Err() == nil {
		if !r.deadline.IsZero() && time.Now().After(r.deadline) {
			return
		}
		if r.cfg.ReplayFraction > 0 && rnd.Float64() < r.cfg.ReplayFraction {
			if s, ok := r.pickAcked(rnd); ok {
				r.replay(ctx, w, rnd, s)
				continue
			}
		}
		if r.cfg.Requests > 0 && r.started.Add(1) > int64(r.cfg.Requests) {
			return
		}
		f := r.forms[rnd.IntN(len(r.forms))]
		a := f.NewAnswer(rnd)
		body := a.AppendJSON(nil)
		device := deviceToken(rnd)
		begin := time.Now()
		status, id := r.send(ctx, w, rnd, f.Slug, body, device)
		ack := Ack{ClientID: a.ClientID, SurveyID: f.Survey.ID, ResponseID: id, Answers: len(a.Answers), Status: status,
			Acked: id != "" && (status == http.StatusCreated || status == http.StatusOK)}
		r.mu.Lock()
		r.res.Acks = append(r.res.Acks, ack)
		if ack.Acked {
			r.res.AckLatencies = append(r.res.AckLatencies, time.Since(begin))
			r.acked = append(r.acked, sent{body: body, form: f, responseID: id, device: device})
			if status == http.StatusCreated {
				r.res.Created++
			}
		}
		r.mu.Unlock()
	}
}

func (r *runner) pickAcked(rnd *rand.Rand) (sent, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.acked) == 0 {
		return sent{}, false
	}
	return r.acked[rnd.IntN(len(r.acked))], true
}

// replay re-sends an acknowledged body; the server must answer 200 with
// the same response id.
func (r *runner) replay(ctx context.Context, w *wire, rnd *rand.Rand, s sent) {
	begin := time.Now()
	status, id := r.send(ctx, w, rnd, s.form.Slug, s.body, s.device)
	if ctx.Err() != nil && status == 0 {
		return // the run ended mid-send: not the server's fault
	}
	r.mu.Lock()
	r.res.Replays++
	r.res.ReplayLatencies = append(r.res.ReplayLatencies, time.Since(begin))
	if status != http.StatusOK || id != s.responseID {
		r.res.ReplayBad++
	}
	r.mu.Unlock()
}

// send posts body until the server answers something final, retrying
// with back-off on 503, 429, 502, 504 and network errors. It returns the
// final status (0 when it gave up on a network error) and the response id
// of a 201 or 200.
func (r *runner) send(ctx context.Context, w *wire, rnd *rand.Rand, slug string, body []byte, device string) (int, string) {
	path := w.base + "/api/v1/public/surveys/" + url.PathEscape(slug) + "/responses"
	backoff := 50 * time.Millisecond
	status := 0
	for attempt := 1; ; attempt++ {
		t0 := time.Now()
		st, retryAfter, data, err := w.post(path, device, body)
		var wait time.Duration
		if err != nil {
			status = 0
			if ctx.Err() != nil {
				return 0, ""
			}
			r.count(0, netKind(err), 0)
		} else {
			status = st
			r.count(status, "", time.Since(t0))
			if status == http.StatusCreated || status == http.StatusOK {
				var out struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(data, &out) == nil && out.ID != "" {
					return status, out.ID
				}
			}
			if !retryable(status) {
				return status, ""
			}
			if s, err := strconv.Atoi(retryAfter); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
		}
		if attempt >= r.cfg.MaxAttempts {
			return status, ""
		}
		// Exponential back-off with jitter, as the page does; a server's
		// Retry-After is honoured up to 5 s so that a run stays bounded.
		if wait == 0 {
			wait = backoff/2 + time.Duration(rnd.Int64N(int64(backoff)))
			backoff = min(2*backoff, 2*time.Second)
		}
		wait = min(wait, 5*time.Second)
		r.mu.Lock()
		r.res.Retries++
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return status, ""
		case <-time.After(wait):
		}
	}
}

// deviceToken is the random id a citizen's browser keeps and sends with
// each answer (X-Suara-Device); every simulated citizen has its own.
func deviceToken(rnd *rand.Rand) string {
	return fmt.Sprintf("load-%016x%016x", rnd.Uint64(), rnd.Uint64())
}

func retryable(status int) bool {
	switch status {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (r *runner) count(status int, netErr string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Requests++
	if netErr != "" {
		r.res.NetErrors[netErr]++
		return
	}
	r.res.ByStatus[status]++
	r.res.Latencies = append(r.res.Latencies, d)
}

func netKind(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Op
	}
	return "other"
}

// reportProgress prints one line per ProgressEvery until the returned
// function is called: the new responses and the requests (network errors
// included) per second, and the latencies of the requests that the server
// answered in that interval.
func (r *runner) reportProgress(start time.Time) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(r.cfg.ProgressEvery)
		defer t.Stop()
		var seenLat, seenCreated, seenReq int
		last := start
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				r.mu.Lock()
				lat := slices.Clone(r.res.Latencies[seenLat:])
				created, reqs := r.res.Created-seenCreated, r.res.Requests-seenReq
				seenLat, seenCreated, seenReq = len(r.res.Latencies), r.res.Created, r.res.Requests
				r.mu.Unlock()
				secs := now.Sub(last).Seconds()
				last = now
				fmt.Fprintf(r.cfg.Progress, "progress %6.1fs  %7.1f new/s  %7.1f req/s  p50 %s  p99 %s  max %s\n",
					now.Sub(start).Seconds(), float64(created)/secs, float64(reqs)/secs,
					ms(Percentile(lat, 50)), ms(Percentile(lat, 99)), ms(Percentile(lat, 100)))
			}
		}
	}()
	return func() { close(done); <-ended }
}
