package api

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// renderReportPDF writes the report as an A4 PDF with the core fonts
// (Times, Helvetica), which know only code page 1252: every text goes
// through fpdf's cp1252 translator, and the few characters outside it
// (Σ, −, ≥) are spelled out first. compress is false only in tests, which
// read the page text.
func renderReportPDF(w io.Writer, v *reportView, compress bool) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	pdf.SetMargins(22, 20, 18)
	pdf.SetAutoPageBreak(true, 20)
	// A fixed date keeps the file reproducible for the same data.
	pdf.SetCreationDate(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	pdf.SetModificationDate(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252
	latin := strings.NewReplacer("Σ", "Jumlah", "−", "-", "≥", ">=", "≤", "<=", "×", "x")
	t := func(s string) string { return tr(latin.Replace(s)) }
	pdf.SetTitle(t("Laporan Hasil SKM "+v.UnitName+" "+v.Period), false)
	pdf.SetAuthor("Suara", false)
	pdf.SetCreator("Suara", false)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, t("Laporan Hasil SKM - "+v.UnitName+" - "+v.Period), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, t("Halaman ")+itoa(pdf.PageNo())+" / {nb}", "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	const lh = 5.2 // line height, mm
	width := 210.0 - 22 - 18

	para := func(s string) {
		pdf.SetFont("Times", "", 11)
		pdf.MultiCell(0, lh, t(s), "", "J", false)
		pdf.Ln(1.5)
	}
	small := func(s string) {
		pdf.SetFont("Times", "I", 9.5)
		pdf.MultiCell(0, 4.5, t(s), "", "L", false)
		pdf.Ln(1.5)
	}
	h2 := func(s, en string) {
		if pdf.GetY() > 240 {
			pdf.AddPage()
		}
		pdf.Ln(4)
		pdf.SetFont("Helvetica", "B", 13)
		pdf.CellFormat(0, 7, t(s), "B", 1, "L", false, 0, "")
		if en != "" {
			pdf.SetFont("Helvetica", "", 9)
			pdf.CellFormat(0, 5, t(en), "", 1, "L", false, 0, "")
		}
		pdf.Ln(2)
	}
	h3 := func(s string) {
		if pdf.GetY() > 255 {
			pdf.AddPage()
		}
		pdf.Ln(1.5)
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 6, t(s), "", 1, "L", false, 0, "")
	}
	list := func(items []string) {
		pdf.SetFont("Times", "", 11)
		for _, it := range items {
			pdf.CellFormat(6, lh, "-", "", 0, "L", false, 0, "")
			pdf.MultiCell(0, lh, t(it), "", "L", false)
		}
		pdf.Ln(1.5)
	}
	// table draws rows with wrapped cells; right-aligned columns are the
	// numbers. widths are fractions of the text width.
	table := func(widths []float64, align string, header []string, rows [][]string, boldLast int) {
		ws := make([]float64, len(widths))
		for i, f := range widths {
			ws[i] = f * width
		}
		drawRow := func(cells []string, style string, fill bool) {
			pdf.SetFont("Helvetica", style, 8.5)
			lines := make([][]string, len(cells))
			n := 1
			for i, c := range cells {
				lines[i] = wrapText(pdf, t(c), ws[i]-2)
				n = max(n, len(lines[i]))
			}
			h := float64(n)*4.2 + 1.6
			if pdf.GetY()+h > 297-20 {
				pdf.AddPage()
			}
			x0, y0 := pdf.GetX(), pdf.GetY()
			x := x0
			for i := range cells {
				if fill {
					pdf.SetFillColor(226, 234, 242)
				}
				pdf.Rect(x, y0, ws[i], h, map[bool]string{true: "FD", false: "D"}[fill])
				a := "L"
				if i < len(align) && align[i] == 'R' {
					a = "R"
				}
				for j, ln := range lines[i] {
					pdf.SetXY(x+1, y0+0.8+float64(j)*4.2)
					pdf.CellFormat(ws[i]-2, 4.2, ln, "", 0, a, false, 0, "")
				}
				x += ws[i]
			}
			pdf.SetXY(x0, y0+h)
		}
		if header != nil {
			drawRow(header, "B", true)
		}
		for i, r := range rows {
			style := ""
			if boldLast > 0 && i >= len(rows)-boldLast {
				style = "B"
			}
			drawRow(r, style, false)
		}
		pdf.Ln(3)
	}

	// Cover.
	pdf.AddPage()
	pdf.Ln(25)
	pdf.SetFont("Helvetica", "", 12)
	pdf.CellFormat(0, 7, t("LAPORAN HASIL"), "", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, t("SURVEI KEPUASAN MASYARAKAT (SKM)"), "", 1, "C", false, 0, "")
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, t(v.UnitName+" ("+v.UnitCode+")"), "", "C", false)
	pdf.SetFont("Helvetica", "", 12)
	pdf.CellFormat(0, 8, t("Periode: "+v.Period), "", 1, "C", false, 0, "")
	pdf.Ln(12)
	boxes := [][2]string{{"IKM", v.IKM}, {"MUTU", v.Grade}, {"RESPONDEN", v.Respondents}}
	bw := width / 3
	y := pdf.GetY()
	for i, b := range boxes {
		pdf.SetXY(22+float64(i)*bw, y)
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(bw, 6, t(b[0]), "", 2, "C", false, 0, "")
		pdf.SetFont("Helvetica", "B", 22)
		pdf.CellFormat(bw, 12, t(b[1]), "", 2, "C", false, 0, "")
	}
	pdf.SetXY(22, y+20)
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(0, 6, t("Kinerja unit pelayanan: "+v.Perf), "", 1, "C", false, 0, "")
	pdf.Ln(30)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 5, t("Menurut Peraturan Menteri PANRB Nomor 14 Tahun 2017. Disusun pada "+v.Generated+" dengan Suara. / Following PermenPANRB 14/2017; made with Suara."), "", "C", false)

	// BAB I.
	pdf.AddPage()
	h2("BAB I PENDAHULUAN", "Introduction")
	h3("A. Latar Belakang")
	para("Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik mewajibkan penyelenggara pelayanan publik menilai kinerja pelayanannya secara berkala. Peraturan Menteri PANRB Nomor 14 Tahun 2017 mewajibkan Survei Kepuasan Masyarakat (SKM) paling sedikit satu kali setahun. Laporan ini menyajikan hasil SKM " + v.UnitName + " untuk periode " + v.Period + ".")
	h3("B. Dasar Pelaksanaan SKM")
	list([]string{"Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;",
		"Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan UU Nomor 25 Tahun 2009;",
		"Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik."})
	h3("C. Maksud dan Tujuan")
	para("Mengetahui tingkat kepuasan masyarakat terhadap pelayanan, mengukur Indeks Kepuasan Masyarakat per unsur dan secara keseluruhan, serta menemukan unsur yang perlu diperbaiki melalui rencana tindak lanjut.")

	// BAB II.
	h2("BAB II PENGUMPULAN DATA SKM", "Data collection")
	h3("A. Pelaksana SKM")
	para("SKM dilaksanakan secara swakelola oleh tim SKM " + v.UnitName + ".")
	h3("B. Metode Pengumpulan Data")
	para("Kuesioner elektronik (aplikasi Suara) yang diisi sendiri oleh pengguna layanan melalui tautan atau kode QR, secara anonim, dengan sembilan unsur pelayanan berskala 1-4 (Lampiran 1).")
	h3("C. Lokasi Pengumpulan Data")
	list(v.Units)
	if len(v.Services) > 0 {
		para("Jenis layanan: " + strings.Join(v.Services, ", ") + ".")
	}
	h3("D. Waktu Pelaksanaan SKM")
	para("Periode pelaporan: " + v.Period + ".")
	if len(v.Surveys) > 0 {
		var rows [][]string
		for _, sv := range v.Surveys {
			rows = append(rows, []string{sv.Title, sv.Period, sv.Population})
		}
		table([]float64{.45, .38, .17}, "LLR", []string{"Survei", "Periode", "Populasi (N)"}, rows, 0)
	}
	h3("E. Penentuan Jumlah Responden")
	sample := "Jumlah sampel minimum mengikuti tabel Krejcie dan Morgan. Populasi pengguna layanan N = " + v.Population +
		", sampel minimum " + v.Required + " responden; terkumpul " + v.Respondents + " responden"
	if v.Adequate {
		sample += ", memenuhi sampel minimum"
	}
	para(sample + ".")
	if v.SampleWarning != "" {
		small(v.SampleWarning)
	}

	// BAB III.
	h2("BAB III HASIL PENGOLAHAN DATA SKM", "Results")
	h3("A. Jumlah Responden SKM")
	para("Jumlah responden: " + v.Respondents + ". Kelompok dengan kurang dari 5 responden tidak ditampilkan agar tidak ada responden yang dapat dikenali.")
	for _, b := range v.Breakdowns {
		var rows [][]string
		for _, g := range b.Groups {
			rows = append(rows, []string{g.Label, g.Respondents, g.Percent, g.IKM, g.Grade})
		}
		if len(rows) == 0 {
			rows = append(rows, []string{"Tidak ada kelompok yang dapat ditampilkan", "", "", "", ""})
		}
		if b.Hidden > 0 {
			rows = append(rows, []string{itoa(b.Hidden) + " kelompok disembunyikan (< 5 responden)", "", "", "", ""})
		}
		pdf.SetFont("Helvetica", "B", 9.5)
		pdf.CellFormat(0, 6, t(b.Title+" / "+b.TitleEN), "", 1, "L", false, 0, "")
		table([]float64{.4, .15, .15, .15, .15}, "LRRRL", []string{"Kelompok", "Responden", "Persentase", "IKM", "Mutu"}, rows, 0)
	}
	h3("B. Indeks Kepuasan Masyarakat (IKM)")
	var rows [][]string
	for _, e := range v.Elements {
		mark := ""
		if e.Priority {
			mark = " *"
		}
		rows = append(rows, []string{e.Code + mark, e.Name, e.Respondents, e.NRR, e.NRRWeighted, e.Index, e.Grade})
	}
	rows = append(rows,
		[]string{"", "Σ NRR tertimbang (IKM skala 1-4), bobot " + v.Weight, "", "", v.Index, "", ""},
		[]string{"", "IKM unit pelayanan (× 25)", "", "", "", v.IKM, v.Grade},
		[]string{"", "Mutu pelayanan: " + v.Grade + " - " + v.Perf + "; selang kepercayaan 95%: " + v.CI, "", "", "", "", ""})
	table([]float64{.08, .37, .09, .12, .13, .12, .09}, "LLRRRRL", []string{"No.", "Unsur pelayanan", "n", "NRR", "NRR tertimbang", "Nilai (×25)", "Mutu"}, rows, 3)
	small("* prioritas perbaikan. NRR = Σ nilai ÷ jumlah kuesioner yang mengisi unsur; IKM = Σ (NRR × 1/k) × 25, dihitung eksak lalu dibulatkan sekali ke 2 desimal. Mutu: A 88,31-100; B 76,61-88,30; C 65,00-76,60; D 25,00-64,99.")

	// BAB IV.
	h2("BAB IV ANALISIS HASIL SKM", "Analysis")
	h3("A. Analisis Permasalahan/Kelemahan dan Kelebihan")
	if len(v.Weakest) > 0 {
		para("Unsur dengan nilai terendah (prioritas perbaikan):")
		var items []string
		for _, e := range v.Weakest {
			items = append(items, e.Code+" "+e.Name+" - NRR "+e.NRR+", nilai "+e.Index+", mutu "+e.Grade)
		}
		list(items)
		if len(v.Strongest) > 0 {
			para("Unsur dengan nilai tertinggi (kelebihan):")
			items = nil
			for _, e := range v.Strongest {
				items = append(items, e.Code+" "+e.Name+" - NRR "+e.NRR+", nilai "+e.Index+", mutu "+e.Grade)
			}
			list(items)
		}
	} else {
		para("Belum ada data untuk dianalisis.")
	}
	h3("B. Rencana Tindak Lanjut")
	if len(v.Plan) > 0 {
		rows = nil
		for i, f := range v.Plan {
			rows = append(rows, []string{itoa(i + 1), f.Element, f.Activity, f.Due, f.Owner, f.Status})
		}
		table([]float64{.06, .2, .32, .15, .15, .12}, "LLLLLL", []string{"No.", "Prioritas unsur", "Program/kegiatan", "Waktu", "Penanggung jawab", "Status"}, rows, 0)
	} else {
		para("Belum ada rencana tindak lanjut yang dicatat.")
	}
	h3("C. Tren Nilai SKM")
	rows = nil
	for _, r := range v.Trend {
		rows = append(rows, []string{r.Period, r.Respondents, r.IKM, r.Grade, r.Change})
	}
	table([]float64{.44, .14, .14, .12, .16}, "LRRLR", []string{"Periode", "Responden", "IKM", "Mutu", "Perubahan"}, rows, 1)

	// BAB V.
	h2("BAB V KESIMPULAN", "Conclusion")
	for _, c := range v.Conclusion {
		para(c)
	}

	// Annexes.
	pdf.AddPage()
	h2("LAMPIRAN", "Annexes")
	h3("Lampiran 1. Kuesioner")
	for _, q := range v.Questions {
		label := itoa(q.No) + ". [" + q.Code
		if q.Element != "" {
			label += ", " + q.Element
		}
		pdf.SetFont("Times", "", 10.5)
		pdf.MultiCell(0, 4.8, t(label+"] "+q.Text), "", "L", false)
		if len(q.Options) > 0 {
			pdf.SetFont("Times", "", 9.5)
			pdf.SetX(30)
			pdf.MultiCell(0, 4.4, t(strings.Join(q.Options, "; ")), "", "L", false)
		}
		pdf.Ln(1)
	}
	h3("Lampiran 2. Hasil Pengolahan Data (ringkasan)")
	head := []string{""}
	sums, ns, nrrs, nrrts := []string{"Jumlah Nilai"}, []string{"n"}, []string{"NRR"}, []string{"NRR tertimbang"}
	ws := []float64{.19}
	align := "L"
	for _, e := range v.Elements {
		head = append(head, e.Code)
		sums, ns, nrrs, nrrts = append(sums, e.Sum), append(ns, e.Respondents), append(nrrs, e.NRR), append(nrrts, e.NRRWeighted)
		ws = append(ws, .09)
		align += "R"
	}
	table(ws, align, head, [][]string{sums, ns, nrrs, nrrts}, 0)
	para("*) Σ NRR tertimbang: " + v.Index + ". **) IKM unit pelayanan: " + v.IKM + " (" + v.Grade + "). Lembar pengolahan per responden tersedia sebagai XLSX.")
	h3("Lampiran 3. Dokumentasi")
	para("Dokumentasi kegiatan (foto, poster) dilampirkan oleh unit di luar sistem.")
	h3("Lampiran 4. Laporan Hasil Tindak Lanjut SKM Periode Sebelumnya (" + v.PrevPeriod + ")")
	if len(v.PrevResults) > 0 {
		rows = nil
		for i, f := range v.PrevResults {
			rows = append(rows, []string{itoa(i + 1), f.Element, f.Activity, f.Due, f.Status, f.Result})
		}
		table([]float64{.06, .18, .28, .14, .12, .22}, "LLLLLL", []string{"No.", "Unsur", "Kegiatan", "Waktu", "Status", "Hasil"}, rows, 0)
	} else {
		para("Tidak ada tindak lanjut yang jatuh tempo pada periode sebelumnya.")
	}
	return pdf.Output(w)
}

// wrapText splits cp1252 text into lines that fit w mm in the current
// font (fpdf's SplitText reads UTF-8, which the translated text is not).
func wrapText(pdf *fpdf.Fpdf, s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if pdf.GetStringWidth(try) <= w || line == "" {
				line = try
				continue
			}
			lines = append(lines, line)
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

func itoa(n int) string { return strconv.Itoa(n) }
