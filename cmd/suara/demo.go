package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"suara/domain"
	"suara/store"
)

// demo fills an empty database with a believable kabupaten, or with N
// generated units and M responses for load and scale tests.
func demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	var units int
	var responses int64
	var year int
	var seed uint64
	var force bool
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c, getenv)
	fs.IntVar(&units, "units", 0, "generate this many service units (default: the demo kabupaten's 14)")
	fs.Int64Var(&responses, "responses", 12000, "responses to generate over the year")
	fs.IntVar(&year, "year", time.Now().Year(), "the year the responses fall in (up to today)")
	fs.Uint64Var(&seed, "seed", 14, "random seed, for repeatable data")
	fs.BoolVar(&force, "force", false, "add the demo even if the database has units already")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, _, err := openMigrated(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if existing, err := st.FindUnits(ctx, domain.Scope{All: true}); err != nil {
		return err
	} else if len(existing) > 0 && !force {
		return fmt.Errorf("the database already has %d units; use --force to add the demo anyway", len(existing))
	}
	g := &generator{st: st, rnd: mrand.New(mrand.NewPCG(seed, seed^0x5eed)), year: year, out: stdout}
	start := time.Now()
	if err := g.build(ctx, units); err != nil {
		return err
	}
	if err := g.fill(ctx, responses); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo ready: %d units, %d responses in %s.\n", len(g.leaves)+len(g.parents), g.total, time.Since(start).Round(time.Millisecond))
	return g.users(ctx)
}

type generator struct {
	st      *store.Store
	rnd     *mrand.Rand
	year    int
	out     io.Writer
	version domain.TemplateVersion
	root    domain.Unit
	parents []domain.Unit
	leaves  []leaf
	total   int64
}

// leaf is a unit that citizens answer for, with the traits that give its
// numbers a believable shape.
type leaf struct {
	unit     domain.Unit
	survey   domain.Survey
	services []domain.Service
	quality  float64 // the unit's typical answer, 1..4
	trend    float64 // change per month
	weight   float64 // share of the visitors
}

// element offsets: waiting time and complaint handling are the usual weak
// spots; fees are often free.
var elementOffset = map[string]float64{
	"persyaratan": 0.05, "prosedur": 0, "waktu": -0.45, "biaya": 0.55, "produk": 0.05,
	"kompetensi": 0.15, "perilaku": 0.2, "sarpras": -0.15, "pengaduan": -0.3,
}

func (g *generator) build(ctx context.Context, n int) error {
	tmpls, err := g.st.FindTemplates(ctx)
	if err != nil {
		return err
	}
	for _, t := range tmpls {
		if t.BuiltIn {
			g.version, err = g.st.FindTemplateVersion(ctx, t.LatestVersionID)
			if err != nil {
				return err
			}
		}
	}
	suffix := strings.ToUpper(uuid.NewString()[:4])
	g.root = domain.Unit{Name: "Pemerintah Kabupaten Sukamaju", Code: "SKMJ-" + suffix, TimeZone: "Asia/Jakarta"}
	if err := g.st.CreateUnit(ctx, &g.root); err != nil {
		return err
	}
	if n > 0 {
		return g.buildGenerated(ctx, n, suffix)
	}
	type spec struct {
		name, code string
		services   []string
		quality    float64
		children   []spec
	}
	tree := []spec{
		{name: "Dinas Kesehatan", code: "DINKES", children: []spec{
			{name: "Puskesmas Cempaka", code: "PKM-CEMPAKA", services: []string{"Poli Umum", "KIA", "Laboratorium"}, quality: 3.0},
			{name: "Puskesmas Melati", code: "PKM-MELATI", services: []string{"Poli Umum", "Poli Gigi", "Imunisasi"}, quality: 3.35},
			{name: "Puskesmas Kenanga", code: "PKM-KENANGA", services: []string{"Poli Umum", "KIA"}, quality: 2.75},
			{name: "RSUD Sukamaju", code: "RSUD", services: []string{"Rawat Jalan", "IGD", "Farmasi"}, quality: 3.1},
		}},
		{name: "Dinas Kependudukan dan Pencatatan Sipil", code: "DUKCAPIL", services: []string{"KTP-el", "Kartu Keluarga", "Akta Kelahiran"}, quality: 3.05},
		{name: "Mal Pelayanan Publik Sukamaju", code: "MPP", children: []spec{
			{name: "Loket Dukcapil MPP", code: "MPP-DUKCAPIL", services: []string{"KTP-el", "Kartu Identitas Anak"}, quality: 3.25},
			{name: "Loket DPMPTSP MPP", code: "MPP-DPMPTSP", services: []string{"NIB", "Izin Usaha Mikro", "PBG"}, quality: 3.15},
			{name: "Loket Samsat MPP", code: "MPP-SAMSAT", services: []string{"Pajak Kendaraan", "STNK"}, quality: 3.4},
			{name: "Loket BPJS Kesehatan MPP", code: "MPP-BPJS", services: []string{"Pendaftaran", "Perubahan Data"}, quality: 3.3},
		}},
		{name: "Dinas Penanaman Modal dan PTSP", code: "DPMPTSP", services: []string{"Perizinan Berusaha", "PBG"}, quality: 2.9},
		{name: "Kecamatan Sukamaju Kota", code: "KEC-KOTA", services: []string{"Surat Keterangan", "Legalisasi"}, quality: 3.2},
	}
	var add func(parent domain.Unit, s spec) error
	add = func(parent domain.Unit, s spec) error {
		u := domain.Unit{Name: s.name, Code: s.code + "-" + suffix, TimeZone: "Asia/Jakarta", ParentID: &parent.ID}
		if err := g.st.CreateUnit(ctx, &u); err != nil {
			return err
		}
		if len(s.children) > 0 {
			g.parents = append(g.parents, u)
			for _, c := range s.children {
				if err := add(u, c); err != nil {
					return err
				}
			}
			return nil
		}
		return g.addLeaf(ctx, u, s.services, s.quality)
	}
	for _, s := range tree {
		if err := add(g.root, s); err != nil {
			return err
		}
	}
	// The Mal Pelayanan Publik has one QR code for every counter: "no
	// wrong door" — the citizen picks the counter they used.
	for _, p := range g.parents {
		if strings.HasPrefix(p.Code, "MPP-") {
			sv := domain.Survey{UnitID: p.ID, TemplateVersionID: g.version.ID, Title: "SKM " + p.Name + " " + fmt.Sprint(g.year),
				StartsOn: fmt.Sprintf("%d-01-01", g.year), EndsOn: fmt.Sprintf("%d-12-31", g.year), Population: 24000}
			if err := g.st.CreateSurvey(ctx, &sv); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "  survey %-40s /s/%s\n", p.Name, sv.Slug)
		}
	}
	return nil
}

func (g *generator) buildGenerated(ctx context.Context, n int, suffix string) error {
	// Regions of ~50 units each keep the tree realistic: root → region → unit.
	var region domain.Unit
	for i := range n {
		if i%50 == 0 {
			region = domain.Unit{Name: fmt.Sprintf("Wilayah %d", i/50+1), Code: fmt.Sprintf("W%03d-%s", i/50+1, suffix),
				TimeZone: "Asia/Jakarta", ParentID: &g.root.ID}
			if err := g.st.CreateUnit(ctx, &region); err != nil {
				return err
			}
			g.parents = append(g.parents, region)
		}
		u := domain.Unit{Name: fmt.Sprintf("Unit Layanan %d", i+1), Code: fmt.Sprintf("U%05d-%s", i+1, suffix),
			TimeZone: "Asia/Jakarta", ParentID: &region.ID}
		if err := g.st.CreateUnit(ctx, &u); err != nil {
			return err
		}
		if err := g.addLeaf(ctx, u, []string{"Layanan A", "Layanan B"}, 2.7+g.rnd.Float64()*0.8); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) addLeaf(ctx context.Context, u domain.Unit, services []string, quality float64) error {
	l := leaf{unit: u, quality: quality, trend: 0.01 + g.rnd.Float64()*0.02, weight: 0.5 + g.rnd.Float64()}
	for i, name := range services {
		svc := domain.Service{UnitID: u.ID, Name: name, Code: fmt.Sprintf("S%d", i+1)}
		if err := g.st.CreateService(ctx, &svc); err != nil {
			return err
		}
		l.services = append(l.services, svc)
	}
	l.survey = domain.Survey{UnitID: u.ID, TemplateVersionID: g.version.ID, Title: fmt.Sprintf("SKM %s %d", u.Name, g.year),
		StartsOn: fmt.Sprintf("%d-01-01", g.year), EndsOn: fmt.Sprintf("%d-12-31", g.year), Population: int64(2000 + g.rnd.IntN(20000))}
	if err := g.st.CreateSurvey(ctx, &l.survey); err != nil {
		return err
	}
	g.leaves = append(g.leaves, l)
	return nil
}

var comments = []string{
	"Antrian terlalu lama, mohon ditambah petugas loket.",
	"Petugas ramah dan membantu. Terima kasih.",
	"Ruang tunggu panas, kipas angin rusak.",
	"Prosesnya cepat, tidak perlu bolak-balik.",
	"Informasi persyaratan di papan pengumuman kurang jelas.",
	"Tolong sediakan tempat parkir yang lebih luas.",
	"Pelayanan sudah baik, pertahankan.",
	"Sistem antrean online sering error.",
	"Kotak saran tidak pernah dibuka sepertinya.",
	"Saya menunggu hampir dua jam. Hubungi saya di 0812-3456-7890 kalau ada perbaikan.",
	"Toilet kurang bersih.",
	"Petugasnya kompeten, menjelaskan dengan sabar.",
}

// fill generates responses spread over the year up to today, more on
// weekdays, with each unit's quality, a gentle upward trend and noise.
func (g *generator) fill(ctx context.Context, total int64) error {
	elementOf := map[string]string{}
	for _, q := range g.version.ElementQuestions() {
		elementOf[q.Code] = q.Element
	}
	start := time.Date(g.year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(g.year, 12, 31, 0, 0, 0, 0, time.UTC)
	if today := time.Now().UTC(); today.Before(end) {
		end = today
	}
	days := int(end.Sub(start).Hours()/24) + 1
	var weightSum float64
	for _, l := range g.leaves {
		weightSum += l.weight
	}
	bulk := g.st.NewBulk()
	defer bulk.Close(ctx) //nolint:errcheck // ends a failed load; a good one is closed below
	last := time.Now()
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	// Each response's unit and day are drawn first, and the responses are
	// made unit by unit, day by day: the bulk loader then finds a unit's
	// rollup rows together, and adds them near each other in the rollup
	// tables' keys instead of all over them.
	perLeaf := make([]int64, len(g.leaves))
	for range total {
		perLeaf[g.pickLeaf(weightSum)]++
	}
	perDay := make([]int64, days)
	for i := range g.leaves {
		clear(perDay)
		for range perLeaf[i] {
			d := g.rnd.IntN(days)
			if wd := start.AddDate(0, 0, d).Weekday(); (wd == time.Saturday || wd == time.Sunday) && g.rnd.Float64() < 0.8 {
				d = min(d+2, days-1) // most visits fall on working days
			}
			perDay[d]++
		}
		for d, n := range perDay {
			day := start.AddDate(0, 0, d)
			for range n {
				if err := g.addResponse(ctx, bulk, &g.leaves[i], day, jakarta, elementOf); err != nil {
					return err
				}
				if time.Since(last) > 2*time.Second {
					fmt.Fprintf(g.out, "  %d of %d responses…\n", bulk.Total(), total)
					last = time.Now()
				}
			}
		}
	}
	if err := bulk.Close(ctx); err != nil {
		return err
	}
	g.total = bulk.Total()
	return nil
}

// addResponse makes one response at a unit on a day.
func (g *generator) addResponse(ctx context.Context, bulk *store.Bulk, l *leaf, day time.Time, jakarta *time.Location,
	elementOf map[string]string) error {
	captured := time.Date(day.Year(), day.Month(), day.Day(), 8+g.rnd.IntN(8), g.rnd.IntN(60), 0, 0, jakarta)
	month := float64(day.Month() - 1)
	answers := map[string]int{}
	for _, q := range g.version.ElementQuestions() { // in order: the same seed makes the same answers
		code, el := q.Code, q.Element
		x := l.quality + l.trend*month + elementOffset[el] + g.rnd.NormFloat64()*0.55
		answers[code] = int(math.Max(1, math.Min(4, math.Round(x))))
	}
	r := domain.Response{ClientID: uuid.NewString(), SurveyID: l.survey.ID, UnitID: l.unit.ID, InstitutionID: l.unit.InstitutionID,
		TemplateVersionID: g.version.ID, Day: captured.Format(domain.DateLayout), CapturedAt: captured, Answers: answers,
		Profile: g.profile()}
	if len(l.services) > 0 {
		r.ServiceID = &l.services[g.rnd.IntN(len(l.services))].ID
	}
	if g.rnd.Float64() < 0.2 {
		r.Comment = comments[g.rnd.IntN(len(comments))]
	}
	return bulk.Add(ctx, &store.Submission{Response: r, UnitPath: l.unit.Path, ElementOf: elementOf})
}

// pickLeaf draws a leaf's index by the leaves' weights.
func (g *generator) pickLeaf(weightSum float64) int {
	x := g.rnd.Float64() * weightSum
	for i := range g.leaves {
		x -= g.leaves[i].weight
		if x <= 0 {
			return i
		}
	}
	return len(g.leaves) - 1
}

func (g *generator) profile() map[string]string {
	pick := func(options []string, weights []float64) string {
		x := g.rnd.Float64()
		for i, w := range weights {
			x -= w
			if x <= 0 {
				return options[i]
			}
		}
		return options[len(options)-1]
	}
	p := map[string]string{
		"gender":     pick([]string{"female", "male"}, []float64{0.54, 0.46}),
		"education":  pick([]string{"sd", "smp", "sma", "d1d3", "s1", "s2", "s3"}, []float64{0.12, 0.16, 0.38, 0.1, 0.2, 0.03, 0.01}),
		"occupation": pick([]string{"pns", "tni", "polri", "swasta", "wirausaha", "lainnya"}, []float64{0.1, 0.02, 0.02, 0.3, 0.3, 0.26}),
	}
	if g.rnd.Float64() < 0.9 {
		p["age"] = fmt.Sprint(17 + g.rnd.IntN(55))
	}
	return p
}

// users creates the demo administrator and a puskesmas manager, with
// fresh passwords printed once.
func (g *generator) users(ctx context.Context) error {
	password := func() string {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	suffix := strings.ToLower(strings.TrimPrefix(g.root.Code, "SKMJ-"))
	adminPass := password()
	admin := domain.User{Email: "admin+" + suffix + "@demo.suara.id", Role: domain.RoleAdmin}
	if err := g.st.CreateUser(ctx, &admin, adminPass); err != nil {
		return err
	}
	fmt.Fprintf(g.out, "Demo administrator: %s / %s\n", admin.Email, adminPass)
	if len(g.leaves) > 0 {
		mgrPass := password()
		mgr := domain.User{Email: "manager+" + suffix + "@demo.suara.id", Role: domain.RoleManager, UnitIDs: []string{g.leaves[0].unit.ID}}
		if err := g.st.CreateUser(ctx, &mgr, mgrPass); err != nil {
			return err
		}
		fmt.Fprintf(g.out, "Demo manager of %s: %s / %s\n", g.leaves[0].unit.Name, mgr.Email, mgrPass)
	}
	return nil
}
