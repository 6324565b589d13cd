package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"suara/domain"
	"suara/store"
)

// BenchmarkExport measures the response exports on a database filled
// beforehand, e.g. on PostgreSQL:
//
//	suara demo --db "$URL" --units 1 --responses 100000
//	SUARA_BENCH_DATABASE_URL="$URL" go test -run '^$' -bench BenchmarkExport -benchtime 3x ./api
//
// It exports the survey with the most responses, whole, through the full
// server (auth, gzip off: the client does not ask for it) into a counting
// writer, and reports the rows, the bytes and the peak live heap sampled
// every 5 ms while the export runs. It is skipped without the variable:
// it needs a big database, which CI does not build.
func BenchmarkExport(b *testing.B) {
	dsn := os.Getenv("SUARA_BENCH_DATABASE_URL")
	if dsn == "" {
		b.Skip("SUARA_BENCH_DATABASE_URL is not set")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var top struct {
		SurveyID string
		N        int64
	}
	if err := st.DB().Raw("SELECT survey_id, COUNT(*) AS n FROM responses GROUP BY survey_id ORDER BY n DESC LIMIT 1").Scan(&top).Error; err != nil || top.N == 0 {
		b.Fatalf("no responses to export: %v", err)
	}
	u := domain.User{Email: "bench-" + time.Now().Format("20060102150405.000000") + "@bench.suara.id", Role: domain.RoleAdmin}
	if err := st.CreateUser(ctx, &u, "bench-password-123"); err != nil {
		b.Fatal(err)
	}
	token, hash := newToken()
	if err := st.CreateSession(ctx, u.ID, hash, time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	srv := New(st, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, ext := range []string{"csv", "xlsx"} {
		b.Run(ext, func(b *testing.B) {
			var peak uint64
			cpu0 := cpuTime()
			for b.Loop() {
				runtime.GC()
				stop := samplePeakHeap(&peak)
				req := httptest.NewRequest(http.MethodGet, "/api/v1/surveys/"+top.SurveyID+"/responses."+ext, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				w := &countingWriter{h: http.Header{}}
				srv.ServeHTTP(w, req)
				stop()
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				b.ReportMetric(float64(w.n)/1e6, "MB-out")
			}
			// Process CPU (user + system) per export: the Go side's cost,
			// less sensitive to a busy machine than the wall clock.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(top.N), "rows")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// samplePeakHeap records the largest live heap seen until stop is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var finished atomic.Bool
	go func() {
		s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			rtmetrics.Read(s)
			if v := s[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				finished.Store(true)
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		for !finished.Load() {
			runtime.Gosched()
		}
	}
}

type countingWriter struct {
	h      http.Header
	status int
	n      int64
}

func (w *countingWriter) Header() http.Header { return w.h }
func (w *countingWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += int64(len(p))
	return len(p), nil
}
func (w *countingWriter) Flush() {}
