package load

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Percentile returns the p-th percentile (0..100) of ds, nearest rank.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(len(s)-1, i))]
}

// Acknowledged returns the acknowledged submissions.
func (r *Result) Acknowledged() []Ack {
	var out []Ack
	for _, a := range r.Acks {
		if a.Acked {
			out = append(out, a)
		}
	}
	return out
}

// Throughput is new acknowledged responses per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Created) / r.Elapsed.Seconds()
}

// Print writes the human summary of a run, plus one machine-readable line
// starting with "RESULT" for scripts.
func (r *Result) Print(w io.Writer) {
	acked := len(r.Acknowledged())
	fmt.Fprintf(w, "elapsed          %s\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "submissions      %d sent, %d acknowledged (%d new), %d not acknowledged\n",
		len(r.Acks), acked, r.Created, len(r.Acks)-acked)
	fmt.Fprintf(w, "replays          %d sent, %d answered wrongly\n", r.Replays, r.ReplayBad)
	fmt.Fprintf(w, "requests         %d HTTP requests, %d retries\n", r.Requests, r.Retries)
	fmt.Fprintf(w, "throughput       %.1f new responses/s, %.1f requests/s\n", r.Throughput(), float64(r.Requests)/r.Elapsed.Seconds())
	fmt.Fprintf(w, "latency/request  p50 %s  p95 %s  p99 %s  max %s\n", ms(Percentile(r.Latencies, 50)), ms(Percentile(r.Latencies, 95)),
		ms(Percentile(r.Latencies, 99)), ms(Percentile(r.Latencies, 100)))
	fmt.Fprintf(w, "latency/ack      p50 %s  p95 %s  p99 %s (first send to acknowledgement)\n", ms(Percentile(r.AckLatencies, 50)),
		ms(Percentile(r.AckLatencies, 95)), ms(Percentile(r.AckLatencies, 99)))
	if len(r.ReplayLatencies) > 0 {
		fmt.Fprintf(w, "latency/replay   p50 %s  p95 %s  p99 %s  max %s (replays alone)\n", ms(Percentile(r.ReplayLatencies, 50)),
			ms(Percentile(r.ReplayLatencies, 95)), ms(Percentile(r.ReplayLatencies, 99)), ms(Percentile(r.ReplayLatencies, 100)))
	}
	codes := make([]int, 0, len(r.ByStatus))
	for c := range r.ByStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, r.ByStatus[c]))
	}
	for k, n := range r.NetErrors {
		parts = append(parts, fmt.Sprintf("net:%s×%d", k, n))
	}
	sort.Strings(parts[len(codes):])
	fmt.Fprintf(w, "status           %s\n", strings.Join(parts, " "))
	fmt.Fprintf(w, "RESULT rate=%.2f acked=%d created=%d unacked=%d requests=%d retries=%d replays=%d replay_bad=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f elapsed_s=%.3f errors=%d\n",
		r.Throughput(), acked, r.Created, len(r.Acks)-acked, r.Requests, r.Retries, r.Replays, r.ReplayBad,
		msf(Percentile(r.Latencies, 50)), msf(Percentile(r.Latencies, 95)), msf(Percentile(r.Latencies, 99)), r.Elapsed.Seconds(), r.errors())
}

// errors counts answers that were neither success nor a retryable refusal.
func (r *Result) errors() int {
	n := 0
	for c, k := range r.ByStatus {
		if c != 200 && c != 201 && !retryable(c) {
			n += k
		}
	}
	return n
}

func ms(d time.Duration) string { return strconv.FormatFloat(msf(d), 'f', 2, 64) + "ms" }

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteAcks writes one line per submission:
// "ack|unacked <TAB> client_id <TAB> survey_id <TAB> response_id <TAB> answers <TAB> status".
func WriteAcks(path string, acks []Ack) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, a := range acks {
		state := "unacked"
		if a.Acked {
			state = "ack"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", state, a.ClientID, a.SurveyID, or(a.ResponseID, "-"), a.Answers, a.Status)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadAcks reads a file written by WriteAcks.
func ReadAcks(path string) ([]Ack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Ack
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 6 || (p[0] != "ack" && p[0] != "unacked") {
			return nil, fmt.Errorf("%s:%d: not an acknowledgement line", path, line)
		}
		n, err1 := strconv.Atoi(p[4])
		st, err2 := strconv.Atoi(p[5])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: bad number", path, line)
		}
		a := Ack{Acked: p[0] == "ack", ClientID: p[1], SurveyID: p[2], Answers: n, Status: st}
		if p[3] != "-" {
			a.ResponseID = p[3]
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
