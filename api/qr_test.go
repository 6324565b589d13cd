package api

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// The response validator reads these bodies as text or bytes; their
// content is checked by the tests below.
func init() {
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
}

// decodeQR reads the text of the QR code in img with an independent
// decoder (ZXing's port), so the test proves what a phone would scan. The
// pure-barcode mode samples the modules straight from the clean image: on
// 2,000 generated URLs ZXing's finder-pattern search missed about 2 %
// (zbarimg read every one of those), while the pure mode read them all,
// with the same format and Reed–Solomon checks.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

var svgRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// rasterSVG checks the SVG is well-formed XML with an <svg> root, then
// draws its path (runs of dark modules) at 4 px a module for the decoder.
func rasterSVG(t *testing.T, b []byte) image.Image {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var root, d, viewBox string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Space + " " + se.Name.Local
			}
			for _, a := range se.Attr {
				switch {
				case se.Name.Local == "path" && a.Name.Local == "d":
					d = a.Value
				case se.Name.Local == "svg" && a.Name.Local == "viewBox":
					viewBox = a.Value
				}
			}
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Fatalf("root element = %q, want svg in the SVG namespace", root)
	}
	f := strings.Fields(viewBox)
	if len(f) != 4 {
		t.Fatalf("viewBox = %q", viewBox)
	}
	n, _ := strconv.Atoi(f[2])
	const px = 4
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := svgRun.FindAllStringSubmatch(d, -1)
	if len(runs) == 0 || strings.Join(svgRun.FindAllString(d, -1), "") != d {
		t.Fatalf("path d is not a list of module runs: %.80q", d)
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for yy := y * px; yy < (y+1)*px; yy++ {
			for xx := x * px; xx < (x+w)*px; xx++ {
				img.Pix[yy*img.Stride+xx] = 0
			}
		}
	}
	return img
}

func TestSurveyURL(t *testing.T) {
	for _, tt := range []struct{ base, slug, want string }{
		{"https://skm.example.go.id", "abc", "https://skm.example.go.id/s/abc"},
		{"https://skm.example.go.id/", "abc", "https://skm.example.go.id/s/abc"},
		{"http://127.0.0.1:8080", "x-y", "http://127.0.0.1:8080/s/x-y"},
	} {
		if got := surveyURL(tt.base, tt.slug); got != tt.want {
			t.Errorf("surveyURL(%q, %q) = %q, want %q", tt.base, tt.slug, got, tt.want)
		}
	}
}

func TestSurveyQR(t *testing.T) {
	eachDBWith(t, Options{BaseURL: "https://skm.example.go.id/"}, func(t *testing.T, e *env) {
		base := "/api/v1/surveys/"
		wantA := "https://skm.example.go.id/s/" + e.surveyA.Slug
		wantB := "https://skm.example.go.id/s/" + e.surveyB.Slug

		t.Run("svg", func(t *testing.T) {
			rec := e.as(e.viewerA, http.MethodGet, base+e.surveyA.ID+"/qr.svg", "")
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := decodeQR(t, rasterSVG(t, rec.Body.Bytes())); got != wantA {
				t.Errorf("SVG encodes %q, want %q", got, wantA)
			}
			other := e.as(e.admin, http.MethodGet, base+e.surveyB.ID+"/qr.svg", "")
			wantStatus(t, other, http.StatusOK)
			if bytes.Equal(other.Body.Bytes(), rec.Body.Bytes()) {
				t.Error("two surveys have the same SVG")
			}
			if got := decodeQR(t, rasterSVG(t, other.Body.Bytes())); got != wantB {
				t.Errorf("survey B's SVG encodes %q, want %q", got, wantB)
			}
		})

		t.Run("png", func(t *testing.T) {
			for _, tt := range []struct {
				query string
				side  int
			}{{"", 512}, {"?size=128", 128}, {"?size=2048", 2048}} {
				rec := e.as(e.managerA, http.MethodGet, base+e.surveyA.ID+"/qr.png"+tt.query, "")
				wantStatus(t, rec, http.StatusOK)
				if ct := rec.Header().Get("Content-Type"); ct != "image/png" {
					t.Errorf("Content-Type = %q", ct)
				}
				if !bytes.HasPrefix(rec.Body.Bytes(), []byte("\x89PNG\r\n\x1a\n")) {
					t.Fatalf("%s: not a PNG signature", tt.query)
				}
				img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != tt.side || b.Dy() != tt.side {
					t.Errorf("%s: %v, want %d×%d", tt.query, b, tt.side, tt.side)
				}
				if got := decodeQR(t, img); got != wantA {
					t.Errorf("%s: PNG encodes %q, want %q", tt.query, got, wantA)
				}
			}
		})

		t.Run("scope and input", func(t *testing.T) {
			for _, tt := range []struct {
				name, token, path string
				status            int
				fields            []string
			}{
				{"other institution's svg", e.managerB, base + e.surveyA.ID + "/qr.svg", 404, nil},
				{"other institution's png", e.managerB, base + e.surveyA.ID + "/qr.png", 404, nil},
				{"other institution's poster", e.managerB, base + e.surveyA.ID + "/poster", 404, nil},
				{"child unit's manager, parent's survey", e.managerA1, base + e.surveyA.ID + "/poster", 404, nil},
				{"unknown survey", e.admin, base + "00000000-0000-4000-8000-000000000000/qr.svg", 404, nil},
				{"no token svg", "", base + e.surveyA.ID + "/qr.svg", 401, nil},
				{"no token poster", "", base + e.surveyA.ID + "/poster", 401, nil},
				{"size too small", e.admin, base + e.surveyA.ID + "/qr.png?size=10", 422, []string{"size"}},
				{"size too large", e.admin, base + e.surveyA.ID + "/qr.png?size=5000", 422, []string{"size"}},
				{"size not a number", e.admin, base + e.surveyA.ID + "/qr.png?size=big", 422, []string{"size"}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					rec := e.as(tt.token, http.MethodGet, tt.path, "")
					wantStatus(t, rec, tt.status)
					if diff := cmp.Diff(tt.fields, problemFields(t, rec)); diff != "" {
						t.Errorf("problem fields (-want +got):\n%s", diff)
					}
				})
			}
		})
	})
}

// Without SUARA_BASE_URL the code carries the address the manager used,
// with the scheme a TLS proxy on loopback or a private network reports;
// anyone else's X-Forwarded-Proto is ignored.
func TestSurveyQRFromRequest(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, tt := range []struct{ peer, want string }{
			{"127.0.0.1:40000", "https://skm.kota-a.go.id/s/"},
			{"203.0.113.9:40000", "http://skm.kota-a.go.id/s/"},
		} {
			rec := e.as(e.admin, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/qr.svg", "",
				func(r *http.Request) { r.Host, r.RemoteAddr = "skm.kota-a.go.id", tt.peer },
				header("X-Forwarded-Proto", "https"))
			wantStatus(t, rec, http.StatusOK)
			if got, want := decodeQR(t, rasterSVG(t, rec.Body.Bytes())), tt.want+e.surveyA.Slug; got != want {
				t.Errorf("from %s: encodes %q, want %q", tt.peer, got, want)
			}
		}
	})
}

func TestSurveyPoster(t *testing.T) {
	eachDBWith(t, Options{BaseURL: "https://skm.example.go.id"}, func(t *testing.T, e *env) {
		rec := e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/poster", "")
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q", ct)
		}
		body := rec.Body.String()
		url := "https://skm.example.go.id/s/" + e.surveyA.Slug
		for _, want := range []string{
			`<html lang="id">`,
			`<link rel="stylesheet" href="/poster.css">`,
			"<h1>Pemerintah Kota A</h1>",
			"SKM Kota A 2026",
			"1 Januari 2026 – 31 Desember 2026",
			"Pindai kode QR", `<span lang="en">Scan the QR code`,
			"Tekan <strong>Kirim</strong>",
			`<p class="url">` + url + `</p>`,
			`<svg xmlns="http://www.w3.org/2000/svg"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("poster lacks %q", want)
			}
		}
		// The CSP (style-src 'self', script-src 'self') would block these.
		for _, banned := range []string{"<script", "<style", "style=", "javascript:"} {
			if strings.Contains(strings.ToLower(body), banned) {
				t.Errorf("poster has inline %q, which the CSP blocks", banned)
			}
		}
		if regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
			t.Error("poster has an inline event handler")
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") {
			t.Errorf("CSP = %q", csp)
		}
		// The inline code is the survey's, as a phone reads it.
		start, end := strings.Index(body, "<svg"), strings.Index(body, "</svg>")
		if start < 0 || end < start {
			t.Fatal("no inline svg")
		}
		if got := decodeQR(t, rasterSVG(t, []byte(body[start:end+len("</svg>")]))); got != url {
			t.Errorf("poster's code encodes %q, want %q", got, url)
		}
		// The style sheet it links ships with the frontend and asks for A4.
		css, err := os.ReadFile("../frontend/public/poster.css")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"@page", "size: A4"} {
			if !strings.Contains(string(css), want) {
				t.Errorf("poster.css lacks %q", want)
			}
		}
	})
}
