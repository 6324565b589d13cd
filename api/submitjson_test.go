package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
)

// commonSubmissions are answers as the citizen page (JSON.stringify of
// its payload) and suara-load send them: each must take the fast path.
var commonSubmissions = []string{
	submitSeeds[0],
	submitSeeds[1],
	`{"client_id":"0192f0e4-7a1b-7c3d-9e4f-a1b2c3d4e5f6","profile":{"gender":"P","age":"34","education":"SMA","occupation":"Swasta"},"answers":{"U1":4,"U2":3,"U3":3,"U4":2,"U5":4,"U6":4,"U7":3,"U8":4,"U9":3},"captured_at":"2026-11-30T01:02:03.000Z"}`,
	`{"client_id":"0192f0e4-7a1b-7c3d-9e4f-a1b2c3d4e5f7","unit_id":"0192f0e4-0000-7000-8000-000000000001","service_id":"0192f0e4-0000-7000-8000-000000000002","profile":{"age":41,"gender":"L"},"answers":{"U1":1,"U9":4},"comment":"Persyaratan kurang jelas di papan informasi.","captured_at":"2026-11-30T01:02:03Z"}`,
	"{ \"client_id\" : \"a\" ,\n \"answers\" : { } , \"profile\":{}\t}\r\n",
	`{}`,
}

func TestSubmitDecodeFastReadsCommonShapes(t *testing.T) {
	for _, body := range commonSubmissions {
		var fast submitRequest
		if !fast.decodeFast([]byte(body)) {
			t.Errorf("the fast path refused a common body: %s", body)
			continue
		}
		want := decodeLikeEncodingJSON(t, []byte(body))
		if diff := cmp.Diff(want, fast); diff != "" {
			t.Errorf("%s: fast path differs from encoding/json (-want +got):\n%s", body, diff)
		}
	}
}

// TestSubmitDecodeFastLeavesTheRest: bodies the general decoder must read,
// to fill them as encoding/json does or to name what is wrong.
func TestSubmitDecodeFastLeavesTheRest(t *testing.T) {
	for _, body := range []string{
		`{"client_id":"a\"b"}`,              // an escape
		`{"comment":"baris\nbaru"}`,         // an escape
		`{"client_id":null}`,                // null keeps the field as it was
		`{"profile":null}`,                  // null map
		`{"Client_ID":"a"}`,                 // encoding/json matches names without case
		`{"client_id":"a","client_id":"b"}`, // a repeated key
		`{"answers":{"U1":1,"U1":2}}`,       // a repeated map key
		`{"answers":{"U1":true}}`,           // neither string nor number
		`{"answers":{"U1":[1]}}`,            // nested
		`{"answers":{"U1":01}}`,             // a leading zero: invalid JSON
		`{"answers":{"U1":1e400}}`,          // out of float64's range
		`{"answers":{"U1":1.}}`,             // invalid number
		`{"answers":{"U1":-}}`,              // invalid number
		`{"client_id":5}`,                   // wrong type
		`{"future_field":1}`,                // unknown key (tolerated by the general decoder)
		`{"client_id":"a",}`,                // trailing comma
		`{"answers":{"U1":1,}}`,             // trailing comma
		`{"client_id":"a"} {}`,              // trailing data
		`{"client_id":"a"`,                  // truncated
		"{\"client_id\":\"a\x01\"}",         // a control character
		"{\"client_id\":\"\xff\"}",          // invalid UTF-8
		"\ufeff{}",                          // a byte-order mark
		`[]`, `null`, ``, ` `,
	} {
		in := submitRequest{ClientID: "before"}
		if in.decodeFast([]byte(body)) {
			t.Errorf("the fast path read %q; the general decoder must", body)
		}
		if in.ClientID != "before" || in.Answers != nil {
			t.Errorf("%q: a refused body changed the value: %+v", body, in)
		}
	}
}

// TestSubmitDecodeThroughDecodeWith: the server's decoder, which tries the
// fast path first, gives the same value and the same refusals either way.
func TestSubmitDecodeThroughDecodeWith(t *testing.T) {
	srv := fuzzServer()
	for _, body := range append([]string{`{"comment":"dua\nbaris","answers":{"U1":4}}`}, commonSubmissions...) {
		var in submitRequest
		if err := decodeBody(srv, []byte(body), &in, tolerant, maxBody); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if diff := cmp.Diff(decodeLikeEncodingJSON(t, []byte(body)), in); diff != "" {
			t.Errorf("%s (-want +got):\n%s", body, diff)
		}
	}
	var in submitRequest
	err := decodeBody(srv, []byte(`{"client_id":5}`), &in, tolerant, maxBody)
	if fields := fieldCodes(err); fields["client_id"] != "invalid_type" {
		t.Fatalf("a number for client_id: %v, want invalid_type on client_id", err)
	}
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	for _, f := range domain.FieldErrors(err) {
		out[f.Field] = f.Code
	}
	return out
}

// FuzzSubmitDecodeFast: whatever the fast path reads, encoding/json reads
// too, to the same value; whatever it refuses, it leaves untouched.
func FuzzSubmitDecodeFast(f *testing.F) {
	for _, s := range append(append([]string{}, submitSeeds...), commonSubmissions...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast submitRequest
		if !fast.decodeFast(body) {
			if !cmp.Equal(fast, submitRequest{}) {
				t.Fatalf("%q: refused, but the value changed: %+v", body, fast)
			}
			return
		}
		if diff := cmp.Diff(decodeLikeEncodingJSON(t, body), fast); diff != "" {
			t.Fatalf("%q: fast path differs from encoding/json (-want +got):\n%s", body, diff)
		}
	})
}

// decodeLikeEncodingJSON reads body as the general decoder does, and
// fails the test if encoding/json refuses it or finds data after it.
func decodeLikeEncodingJSON(t *testing.T, body []byte) submitRequest {
	t.Helper()
	var want submitRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("%q: encoding/json refused it: %v", body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%q: encoding/json found more after the object (%v)", body, err)
	}
	return want
}

// BenchmarkSubmitDecode: the fast path against encoding/json on the load
// tool's answer shape (docs/performance.md).
func BenchmarkSubmitDecode(b *testing.B) {
	body := []byte(commonSubmissions[2])
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in submitRequest
			if !in.decodeFast(body) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in submitRequest
			if err := json.NewDecoder(bytes.NewReader(body)).Decode(&in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFastDecodersHaveNoRules: decodeWith skips the validator for a body
// the fast path read, which is right only while the type has no rules.
func TestFastDecodersHaveNoRules(t *testing.T) {
	for _, v := range []fastDecoder{&submitRequest{}} {
		typ := reflect.TypeOf(v).Elem()
		for i := range typ.NumField() {
			if tag, ok := typ.Field(i).Tag.Lookup("validate"); ok {
				t.Errorf("%s.%s has validate:%q, which the fast path would skip", typ.Name(), typ.Field(i).Name, tag)
			}
		}
	}
}

// TestWriteReceiptMatchesEncodingJSON: the receipt's hand-made answer is
// byte for byte what encoding/json writes.
func TestWriteReceiptMatchesEncodingJSON(t *testing.T) {
	srv := fuzzServer()
	for _, r := range []receiptJSON{
		{ID: "01a229f4-1778-7177-9651-62119f57027e", Receipt: "SKM-HJ3M-HUFK"},
		{},
		{ID: `a"b\c`, Receipt: "<&>"},
		{ID: "é", Receipt: "\x01\x7f"},
	} {
		rec := httptest.NewRecorder()
		if err := writeReceipt(srv.e.NewContext(httptest.NewRequest(http.MethodPost, "/", nil), rec), http.StatusCreated, r); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := jsonEncode(&want, r); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusCreated || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != want.String() {
			t.Errorf("%+v: %d %q %q, want 201 application/json %q", r, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), want.String())
		}
	}
}
