package api

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/yeqown/go-qrcode/v2"

	"suara/domain"
)

// quietZone is the white border, in modules, that scanners need around a
// QR code (ISO/IEC 18004 asks for four).
const quietZone = 4

// PNG sizes in pixels: the default fits a screen or an A5 flyer; up to
// 2048 px prints sharp on A4 at 300 dpi.
const (
	qrPNGDefault = 512
	qrPNGMin     = 128
	qrPNGMax     = 2048
)

// surveyURL is the address a citizen opens: the public base URL and the
// survey's slug. The QR codes and the poster encode exactly this.
func surveyURL(base, slug string) string {
	return strings.TrimRight(base, "/") + "/s/" + slug
}

// qrModules encodes text as a QR code and returns its modules, row by
// row, true for dark, without the quiet zone. Level M (15 % recovery)
// survives a scuffed or partly covered poster and keeps the code small.
func qrModules(text string) ([][]bool, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, err
	}
	var w matrixWriter
	if err := code.Save(&w); err != nil {
		return nil, err
	}
	return w.bitmap, nil
}

// matrixWriter keeps the matrix the library hands to a writer; Suara
// draws the SVG and PNG itself, with no image-library dependency.
type matrixWriter struct{ bitmap [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error { w.bitmap = m.Bitmap(); return nil }
func (w *matrixWriter) Close() error                { return nil }

// qrSVG draws the modules as one path, a run of dark modules per segment,
// on a white square with the quiet zone. The viewBox is in modules, so the
// SVG scales to any print size without blur.
func qrSVG(mods [][]bool, title string) []byte {
	n := len(mods) + 2*quietZone
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges" role="img" aria-label="%s">`,
		n, n, n*8, n*8, xmlEscape(title))
	fmt.Fprintf(&b, `<title>%s</title>`, xmlEscape(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range mods {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+quietZone, y+quietZone, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}

// qrPNG draws the modules on a grey-scale image about size pixels wide:
// whole pixels per module (sharp edges), the rest added to the border.
func qrPNG(mods [][]bool, size int) ([]byte, error) {
	n := len(mods) + 2*quietZone
	scale := max(size/n, 1)
	side := max(size, n*scale)
	off := (side - len(mods)*scale) / 2
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range mods {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray(off+x*scale+dx, off+y*scale+dy, color.Gray{})
				}
			}
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// surveyQR returns the modules of a visible survey's QR code and its URL.
func (s *Server) surveyQR(c echo.Context) (domain.Survey, domain.Unit, [][]bool, string, error) {
	sv, u, err := s.seeSurvey(c, c.Param("id"))
	if err != nil {
		return sv, u, nil, "", err
	}
	url := surveyURL(s.baseURL(c), sv.Slug)
	mods, err := qrModules(url)
	return sv, u, mods, url, err
}

// qrFilename is the name a saved code gets: suara-<slug>.<ext>.
func qrFilename(sv domain.Survey, ext string) string {
	return fmt.Sprintf(`inline; filename="suara-%s.%s"`, sv.Slug, ext)
}

// surveyQRSVG serves GET /api/v1/surveys/{id}/qr.svg.
func (s *Server) surveyQRSVG(c echo.Context) error {
	sv, _, mods, url, err := s.surveyQR(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", qrFilename(sv, "svg"))
	return c.Blob(http.StatusOK, "image/svg+xml", qrSVG(mods, url))
}

// surveyQRPNG serves GET /api/v1/surveys/{id}/qr.png[?size=].
func (s *Server) surveyQRPNG(c echo.Context) error {
	size := qrPNGDefault
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < qrPNGMin || n > qrPNGMax {
			return domain.Invalid(domain.FieldError{Field: "size", Code: "out_of_range", Args: map[string]any{"min": qrPNGMin, "max": qrPNGMax}})
		}
		size = n
	}
	sv, _, mods, _, err := s.surveyQR(c)
	if err != nil {
		return err
	}
	b, err := qrPNG(mods, size)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", qrFilename(sv, "png"))
	return c.Blob(http.StatusOK, "image/png", b)
}
