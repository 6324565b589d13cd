package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// wire is one phone's keep-alive HTTP/1.1 connection to the server. The
// phones write their requests and read the answers themselves, one at a
// time, instead of going through net/http's Transport: its connection pool
// and its two goroutines per connection cost the load tool about half of
// its CPU, taken from the two cores the server under test shares with it
// (a phone brings its own CPU; pgbench's client is light C). What goes
// over the socket is still HTTP/1.1 and JSON that Go's client and
// encoder would send, but for a few headers (User-Agent: suara-load, no
// Accept-Encoding) and the order of the JSON keys.
type wire struct {
	ctx     context.Context
	scheme  string
	host    string // host:port, the address dialed
	header  string // the Host header: the base URL's host as given
	base    string // the base URL's escaped path, without its trailing slash
	timeout time.Duration

	conn net.Conn
	br   *bufio.Reader
	stop func() bool // unregisters the context's deadline hook
	req  []byte      // the request being written, reused
	resp []byte      // the answer's body, reused
}

// errAborted is returned by a request not sent because the run's context
// had ended. (A request in flight then fails on its deadline instead.)
var errAborted = errors.New("load: run ended")

// maxAnswer bounds the answer's body the load tool reads; a longer one
// ends the connection rather than leave unread bytes on it.
const maxAnswer = 1 << 20

func newWire(ctx context.Context, baseURL string, timeout time.Duration) (*wire, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	return &wire{ctx: ctx, scheme: u.Scheme, host: host, header: u.Host, base: strings.TrimSuffix(u.EscapedPath(), "/"), timeout: timeout}, nil
}

// post sends one request with a JSON body and returns the answer's
// status, its Retry-After header and its body (valid until the next
// call). After any other error than errAborted the connection is closed
// and the next call dials again.
func (w *wire) post(path, device string, body []byte) (status int, retryAfter string, respBody []byte, err error) {
	if w.conn == nil {
		if err := w.dial(); err != nil {
			return 0, "", nil, err
		}
	}
	// The deadline first, then the context: a run that ends after this
	// check moves the deadline to the past (the hook in dial) and the
	// read returns at once.
	if err := w.conn.SetDeadline(time.Now().Add(w.timeout)); err != nil {
		w.close()
		return 0, "", nil, err
	}
	if w.ctx.Err() != nil {
		return 0, "", nil, errAborted
	}
	b := append(w.req[:0], "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, w.header...)
	b = append(b, "\r\nUser-Agent: suara-load\r\nContent-Type: application/json\r\nX-Suara-Device: "...)
	b = append(b, device...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	w.req = b
	if _, err := w.conn.Write(b); err != nil {
		w.close()
		return 0, "", nil, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 {
		resp, err = http.ReadResponse(w.br, nil) // an interim answer (100 Continue, 103): the final one follows
	}
	if err != nil {
		w.close()
		return 0, "", nil, err
	}
	buf := bytes.NewBuffer(w.resp[:0])
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer+1))
	w.resp = buf.Bytes()
	if err == nil && len(w.resp) > maxAnswer {
		err = fmt.Errorf("load: an answer longer than %d bytes", maxAnswer)
	}
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		w.close()
		return 0, "", nil, err
	}
	if resp.Close {
		w.close() // the server (or a proxy) ends this connection
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), w.resp, nil
}

func (w *wire) dial() error {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(w.ctx, "tcp", w.host)
	if err != nil {
		return err
	}
	if w.scheme == "https" {
		host, _, _ := net.SplitHostPort(w.host)
		tc := tls.Client(conn, &tls.Config{ServerName: host})
		_ = conn.SetDeadline(time.Now().Add(w.timeout)) // post sets the next one
		if err := tc.HandshakeContext(w.ctx); err != nil {
			conn.Close()
			return fmt.Errorf("tls: %w", err)
		}
		conn = tc
	}
	w.conn = conn
	if w.br == nil {
		w.br = bufio.NewReaderSize(conn, 4096)
	} else {
		w.br.Reset(conn)
	}
	w.stop = context.AfterFunc(w.ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return nil
}

func (w *wire) close() {
	if w.conn != nil {
		w.stop()
		w.conn.Close()
		w.conn = nil
	}
}
