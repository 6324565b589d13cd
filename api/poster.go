package api

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// posterCSS is the poster's print style sheet. It is a static file of the
// frontend (frontend/public/poster.css, copied to dist/poster.css), since
// the CSP allows no inline style; nginx and the one-binary mode both serve
// it at this path.
const posterCSS = "/poster.css"

// posterPage is the printable A4 poster: the unit, the code, three steps
// in Indonesian with English beneath, and the address to type by hand.
// No script and no style attribute: the CSP forbids both.
var posterPage = template.Must(template.New("poster").Parse(`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Poster SKM — {{.Unit}}</title>
<link rel="stylesheet" href="{{.CSS}}">
</head>
<body>
<main class="poster">
<header>
<p class="kicker">Survei Kepuasan Masyarakat <span lang="en">· Citizen Satisfaction Survey</span></p>
<h1>{{.Unit}}</h1>
<p class="survey">{{.Title}}</p>
<p class="period">{{.Period}}</p>
</header>
<h2>Bagaimana pelayanan kami hari ini? <span lang="en">How was our service today?</span></h2>
<figure class="qr">{{.QR}}
<figcaption>Pindai dengan kamera ponsel <span lang="en">· Scan with your phone's camera</span></figcaption>
</figure>
<ol class="steps">
<li>Pindai kode QR di atas dengan kamera ponsel Anda, atau buka alamat di bawah.<span lang="en">Scan the QR code above with your phone's camera, or open the address below.</span></li>
<li>Jawab sembilan pertanyaan singkat: kurang dari satu menit.<span lang="en">Answer nine short questions: under a minute.</span></li>
<li>Tekan <strong>Kirim</strong>. Jawaban Anda tanpa nama dan tetap terkirim walau sinyal putus.<span lang="en">Press <strong>Kirim</strong> (Send). Your answers are anonymous and are sent even if the signal drops.</span></li>
</ol>
<p class="url">{{.URL}}</p>
<footer>Terima kasih atas penilaian Anda. <span lang="en">Thank you for your feedback.</span></footer>
</main>
</body>
</html>
`))

type posterData struct {
	Unit, Title, Period, URL, CSS string
	QR                            template.HTML
}

// surveyPoster serves GET /api/v1/surveys/{id}/poster: an HTML page the
// manager prints from the browser (A4, portrait).
func (s *Server) surveyPoster(c echo.Context) error {
	sv, u, mods, url, err := s.surveyQR(c)
	if err != nil {
		return err
	}
	d := posterData{Unit: u.Name, Title: sv.Title, URL: url, CSS: posterCSS,
		Period: idDate(sv.StartsOn) + " – " + idDate(sv.EndsOn),
		// qrSVG escapes its one text, the URL; the rest is numbers.
		QR: template.HTML(qrSVG(mods, url))}
	var b bytes.Buffer
	if err := posterPage.Execute(&b, d); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

var idMonths = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

// idDate writes a YYYY-MM-DD date the Indonesian way: 26 November 2026.
func idDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return strconv.Itoa(t.Day()) + " " + idMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}
