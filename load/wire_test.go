package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"suara/load"
)

const fakeForm = `{"survey":{"id":"sv-1"},"unit":{"id":"u-1"},"questions":[
 {"code":"U1","kind":"element","required":true,"options":[{"value":"1"},{"value":"2"},{"value":"3"},{"value":"4"}]},
 {"code":"komentar","kind":"text","required":true}]}`

// TestPhonesFollowTheServer drives load.Run against a server that sends
// an interim 103 before one answer, drops a connection before answering,
// refuses once with 503, answers once with a body too long to read, and
// ends some connections with "Connection: close": each submission must be
// resent with its client id and device token, on a new connection when
// the old one ended, and counted once.
func TestPhonesFollowTheServer(t *testing.T) {
	var (
		mu       sync.Mutex
		n        int
		attempts = map[string][]string{} // client id → device token of each attempt
		dials    int
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, fakeForm)
			return
		}
		var body struct {
			ClientID string         `json:"client_id"`
			Answers  map[string]int `json:"answers"`
			Comment  string         `json:"comment"`
		}
		if r.URL.Path != "/api/v1/public/surveys/s/responses" || r.Header.Get("Content-Type") != "application/json" ||
			json.NewDecoder(r.Body).Decode(&body) != nil || body.ClientID == "" || body.Answers["U1"] == 0 || body.Comment == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		n++
		k := n
		attempts[body.ClientID] = append(attempts[body.ClientID], r.Header.Get("X-Suara-Device"))
		mu.Unlock()
		switch {
		case k == 2:
			w.WriteHeader(http.StatusEarlyHints) // an interim answer; the final one follows
		case k == 3: // the connection drops before an answer
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case k == 5:
			http.Error(w, `{"code":"busy"}`, http.StatusServiceUnavailable)
			return
		case k == 7: // more than the load tool reads: it must not keep the connection
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(strings.Repeat(" ", 1<<20+1)))
			return
		case k%4 == 0:
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"r-%s","receipt":"X"}`, body.ClientID)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			dials++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()

	res, err := load.Run(context.Background(), load.Config{BaseURL: srv.URL, Slugs: []string{"s"}, Concurrency: 1, Requests: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Acks) != 6 || len(res.Acknowledged()) != 6 || res.Created != 6 {
		t.Fatalf("sent %d, acknowledged %d, created %d; want 6 each", len(res.Acks), len(res.Acknowledged()), res.Created)
	}
	for _, a := range res.Acks {
		if a.ResponseID != "r-"+a.ClientID || a.Status != http.StatusCreated {
			t.Errorf("ack %+v: want status 201 and the server's id", a)
		}
	}
	if want := map[int]int{201: 6, 503: 1}; !maps.Equal(res.ByStatus, want) {
		t.Errorf("statuses %v, want %v", res.ByStatus, want)
	}
	if want := map[string]int{"eof": 1, "other": 1}; !maps.Equal(res.NetErrors, want) {
		t.Errorf("network errors %v, want %v", res.NetErrors, want)
	}
	if res.Requests != 9 || res.Retries != 3 {
		t.Errorf("%d requests with %d retries, want 9 with 3", res.Requests, res.Retries)
	}
	mu.Lock()
	defer mu.Unlock()
	resent := 0
	for id, devices := range attempts {
		if len(devices) > 1 {
			resent++
			if len(devices) != 2 || devices[0] != devices[1] || devices[0] == "" {
				t.Errorf("client id %s sent with devices %q; want twice with the same token", id, devices)
			}
		}
	}
	if len(attempts) != 6 || resent != 3 {
		t.Errorf("%d client ids, %d resent; want 6, 3", len(attempts), resent)
	}
	// The form's connection, then one per connection that ended: dropped
	// at the 3rd request, closed after the 4th, the 7th (too long) and
	// the 8th.
	if dials != 6 {
		t.Errorf("%d connections, want 6", dials)
	}
}

// TestRunEndAbortsAHangingRequest: a request the server never answers
// ends with the run (duration and grace), not after the request timeout.
func TestRunEndAbortsAHangingRequest(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			fmt.Fprint(w, fakeForm)
			return
		}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	begin := time.Now()
	res, err := load.Run(context.Background(), load.Config{BaseURL: srv.URL, Slugs: []string{"s"}, Concurrency: 2,
		Duration: 100 * time.Millisecond, Grace: 100 * time.Millisecond, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 20*time.Second {
		t.Errorf("the run took %v; a hanging request must end with it", took)
	}
	if len(res.Acks) != 2 || len(res.Acknowledged()) != 0 || res.Requests != 0 {
		t.Errorf("acks %v, %d requests counted; want one unacknowledged submission per phone and no answer", res.Acks, res.Requests)
	}
}

// TestAnswerJSON: the hand-written encoding is the object encoding/json
// makes of the same answer, escapes included.
func TestAnswerJSON(t *testing.T) {
	answers := []load.Answer{
		{ClientID: "c-1", Profile: map[string]any{}, Answers: map[string]int{}},
		{ClientID: "c-2", UnitID: "u", ServiceID: "s", Comment: "Antrean \"lama\"\n\t<b>&</b> \u2028 é \x01",
			Profile: map[string]any{"gender": "P", "age": 37, "odd \"key\"": "x\\y", "ratio": 0.5},
			Answers: map[string]int{"U1": 4, "U9": 1}},
		{ClientID: "c-3", Comment: "bad \xff utf-8", CapturedAt: "2026-11-29T13:05:00Z"},
	}
	for _, a := range answers {
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got := a.AppendJSON([]byte("prefix"))[len("prefix"):]
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("AppendJSON = %s\nencoding/json = %s", got, want)
		}
	}
}
