package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestNoClientAddressStored: the responses and answers tables have no
// column for an address, a user agent or a device token, no stored value
// holds the ones a submission came with, and the access log does not
// write them either (docs/privacy.md).
func TestNoClientAddressStored(t *testing.T) {
	logs := &syncBuffer{}
	opts := Options{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	eachDBWith(t, opts, func(t *testing.T, e *env) {
		const (
			ip     = "198.51.100.173"
			agent  = "Sentinel-Agent/7.7 (Android 14; SM-A155F)"
			device = "d3v1c3t0k3nabcdef0123456789"
		)
		rec := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(1), allAnswers(3), map[string]any{"comment": "Pelayanan cepat"}),
			from(ip+":5555"), header("User-Agent", agent), header(deviceHeader, device), header("X-Forwarded-For", "203.0.113.1"))
		wantStatus(t, rec, http.StatusCreated)
		forbidden := regexp.MustCompile(`(?i)(^|_)(ip|addr|address|remote|agent|ua|device|fingerprint|forwarded)($|_)`)
		for _, table := range []string{"responses", "answers"} {
			cols, err := e.st.DB().Migrator().ColumnTypes(table)
			if err != nil {
				t.Fatal(err)
			}
			if len(cols) == 0 {
				t.Fatalf("no columns read for %s", table)
			}
			for _, c := range cols {
				if forbidden.MatchString(c.Name()) {
					t.Errorf("%s.%s looks like client data", table, c.Name())
				}
			}
			var rows []map[string]any
			if err := e.st.DB().WithContext(context.Background()).Table(table).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatalf("%s is empty", table)
			}
			for _, r := range rows {
				for k, v := range r {
					s := strings.ToLower(toString(v))
					for _, secret := range []string{ip, "203.0.113.1", strings.ToLower(agent), device} {
						if strings.Contains(s, strings.ToLower(secret)) {
							t.Errorf("%s.%s holds %q", table, k, secret)
						}
					}
				}
			}
		}
	})
	for _, secret := range []string{"198.51.100.173", "203.0.113.1", "Sentinel-Agent", "d3v1c3t0k3n"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	if !strings.Contains(logs.String(), `"route":"/api/v1/public/surveys/:slug/responses"`) {
		t.Errorf("the access log did not log the submission at all:\n%s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}
