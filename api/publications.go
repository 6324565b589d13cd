package api

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// snapshotFormat is the version of the frozen publication JSON.
const snapshotFormat = 1

// publicationSnapshot is everything frozen when a unit publishes a period.
// The index is kept as it was rendered in both languages, so that nothing
// a later release changes (names, rounding, grading) alters a published
// number; the answer counts and the method let anyone recompute it.
type publicationSnapshot struct {
	Format        int                `json:"format"`
	Unit          publicUnitJSON     `json:"unit"`
	IKM           map[string]ikmJSON `json:"ikm"` // by language: "id", "en"
	Counts        openCountsJSON     `json:"counts"`
	Method        methodJSON         `json:"method"`
	FollowUps     []followUpJSON     `json:"followups"`
	EngineVersion string             `json:"engine_version"`
}

// openCountsJSON is the open data of a publication: how many respondents
// gave each score on each element.
type openCountsJSON struct {
	Respondents int64          `json:"respondents"`
	Elements    []openCountRow `json:"elements"`
}

type openCountRow struct {
	Element     string `json:"element"`    // U1…U9
	ElementID   string `json:"element_id"` // persyaratan…
	ScoreNum    int    `json:"score_num"`  // the score is score_num / score_den (den 1: one question per element)
	ScoreDen    int    `json:"score_den"`
	Respondents int64  `json:"respondents"`
}

// methodJSON is the manifest of the method: enough to recompute the IKM
// from the counts by hand (skm-method.md §3).
type methodJSON struct {
	Definition string              `json:"definition"`
	Name       string              `json:"name"`
	Regulation string              `json:"regulation"`
	Elements   []methodElementJSON `json:"elements"`
	ScaleMin   int                 `json:"scale_min"`
	ScaleMax   int                 `json:"scale_max"`
	Conversion int                 `json:"conversion"`
	Weight     string              `json:"weight"`
	Rounding   domain.Text         `json:"rounding"`
	Formula    domain.Text         `json:"formula"`
	Bands      []methodBandJSON    `json:"bands"`
}

type methodElementJSON struct {
	ID   string      `json:"id"`
	Code string      `json:"code"`
	Name domain.Text `json:"name"`
}

type methodBandJSON struct {
	Lower       string      `json:"lower"`
	Grade       string      `json:"grade"`
	Performance domain.Text `json:"performance"`
}

func methodOf(def *survey.Definition) methodJSON {
	m := methodJSON{Definition: def.Code, Name: def.Name, Regulation: "Peraturan Menteri PANRB Nomor 14 Tahun 2017",
		ScaleMin: def.ScaleMin, ScaleMax: def.ScaleMax, Conversion: def.Conversion, Weight: string(def.Weight),
		Rounding: domain.Text{
			ID: "Setengah ke atas (half-up). NRR ditampilkan 2 desimal; IKM dihitung eksak dan dibulatkan sekali saja, di akhir, ke 2 desimal.",
			EN: "Half-up. NRR is shown with 2 decimals; the IKM is computed exactly and rounded once, at the end, to 2 decimals."},
		Formula: domain.Text{
			ID: "NRR unsur = jumlah nilai / jumlah responden yang menjawab unsur itu; bobot = 1/k untuk k unsur yang dijawab; IKM = (Σ NRR × bobot) × 25. Mutu dari batas bawah tabel interval.",
			EN: "Element NRR = sum of scores / respondents who answered that element; weight = 1/k over the k elements answered; IKM = (Σ NRR × weight) × 25. Grade from the interval table's lower bounds."},
	}
	if m.Weight == "" {
		m.Weight = string(survey.WeightExact)
	}
	for _, e := range def.Elements {
		m.Elements = append(m.Elements, methodElementJSON{ID: e.ID, Code: e.Code, Name: e.Name})
	}
	for _, b := range def.Bands {
		m.Bands = append(m.Bands, methodBandJSON{Lower: b.Lower, Grade: b.Grade, Performance: b.Performance})
	}
	return m
}

func openCountsOf(def *survey.Definition, c *survey.Counts) openCountsJSON {
	out := openCountsJSON{Respondents: c.Respondents, Elements: []openCountRow{}}
	for _, e := range def.Elements {
		ec := c.Elements[e.ID]
		if ec == nil {
			continue
		}
		ec.Each(func(sc survey.Score, n int64) {
			out.Elements = append(out.Elements, openCountRow{Element: e.Code, ElementID: e.ID, ScoreNum: sc.Num, ScoreDen: sc.Den, Respondents: n})
		})
	}
	return out
}

type publicationJSON struct {
	ID          string    `json:"id"`
	UnitID      string    `json:"unit_id"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	PublishedAt time.Time `json:"published_at"`
	Respondents int64     `json:"respondents"`
	IKM         *float64  `json:"ikm"`
	Grade       *string   `json:"grade"`
	Performance *string   `json:"performance"`
	Method      string    `json:"method"`
}

func snapshotOf(p domain.Publication) (publicationSnapshot, error) {
	var snap publicationSnapshot
	err := json.Unmarshal(p.Snapshot, &snap)
	return snap, err
}

// frozenIKM is the publication's index in lang (Indonesian when missing).
func (snap publicationSnapshot) frozenIKM(lang string) ikmJSON {
	if v, ok := snap.IKM[lang]; ok {
		return v
	}
	return snap.IKM[langID]
}

func toPublicationJSON(p domain.Publication, lang string) (publicationJSON, error) {
	snap, err := snapshotOf(p)
	if err != nil {
		return publicationJSON{}, err
	}
	ikm := snap.frozenIKM(lang)
	return publicationJSON{ID: p.ID, UnitID: p.UnitID, From: p.From, To: p.To, PublishedAt: p.PublishedAt.UTC(),
		Respondents: ikm.Respondents, IKM: ikm.IKM, Grade: ikm.Grade, Performance: ikm.Performance, Method: ikm.Method}, nil
}

type publishRequest struct {
	From string `json:"from" validate:"required,date"`
	To   string `json:"to" validate:"required,date"`
}

// publish serves POST /api/v1/units/{id}/publications: freeze the index
// of a period with its counts, its method and the follow-ups of the
// moment. A period is published once (409 the second time); answers that
// arrive afterwards are reported as late responses, never merged.
func (s *Server) publish(c echo.Context) error {
	var in publishRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	if in.To < in.From {
		return domain.Invalid(domain.Field("to", "date_order"))
	}
	u, err := s.manageUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	q := store.CountQuery{From: in.From, To: in.To}
	counts, err := s.store.SubtreeCounts(ctx, u, q)
	if err != nil {
		return err
	}
	def := survey.SKM()
	res := survey.Compute(def, counts)
	if !res.Defined {
		return domain.Invalid(domain.Field("to", "no_respondents"))
	}
	pop, err := s.population(c, u, q, nil)
	if err != nil {
		return err
	}
	fus, err := s.store.FindFollowUps(ctx, u.ID)
	if err != nil {
		return err
	}
	period := survey.Period{From: in.From, To: in.To}
	snap := publicationSnapshot{Format: snapshotFormat, Unit: publicUnitJSON{ID: u.ID, Name: u.Name},
		IKM:    map[string]ikmJSON{langID: toIKMJSON(u.ID, period, res, counts, pop, langID), langEN: toIKMJSON(u.ID, period, res, counts, pop, langEN)},
		Counts: openCountsOf(def, counts), Method: methodOf(def), FollowUps: make([]followUpJSON, 0, len(fus)), EngineVersion: s.opts.Version}
	for _, f := range fus {
		snap.FollowUps = append(snap.FollowUps, toFollowUpJSON(f))
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	p := domain.Publication{UnitID: u.ID, InstitutionID: u.InstitutionID, From: in.From, To: in.To,
		PublishedBy: principal(c).User.ID, Snapshot: raw}
	var out publicationJSON
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreatePublication(ctx, &p); err != nil {
			return err
		}
		var err error
		if out, err = toPublicationJSON(p, langID); err != nil {
			return err
		}
		return audit(c, tx, "publication.create", "publication", p.ID, nil, out)
	})
	if err != nil {
		return err
	}
	if lang := language(c.Request()); lang != langID {
		out, _ = toPublicationJSON(p, lang)
	}
	return writeJSON(c, http.StatusCreated, out)
}

func (s *Server) publicationList(c echo.Context, u domain.Unit) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ps, err := s.store.FindPublications(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	lang := language(c.Request())
	items := make([]publicationJSON, 0, len(ps))
	for _, p := range ps {
		pj, err := toPublicationJSON(p, lang)
		if err != nil {
			return err
		}
		items = append(items, pj)
	}
	out, err := pageIn(items, pg, func(p publicationJSON) string { return p.ID }, func(p publicationJSON) publicationJSON { return p })
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// listPublications serves GET /api/v1/units/{id}/publications.
func (s *Server) listPublications(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	return s.publicationList(c, u)
}

// publicPublications serves GET /api/v1/public/units/{id}/publications.
func (s *Server) publicPublications(c echo.Context) error {
	u, err := s.store.FindUnit(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return s.publicationList(c, u)
}

type publicFollowUpJSON struct {
	ID        string    `json:"id"`
	Element   string    `json:"element"`
	Activity  string    `json:"activity"`
	Due       string    `json:"due"`
	Status    string    `json:"status"`
	Result    string    `json:"result"`
	UpdatedAt time.Time `json:"updated_at"`
}

// publicIKMJSON is the public index: the IKM body, plus what the public
// page shows around it. Without a publication, published is false and the
// index is the current year's, computed live (the route's behaviour
// before publications existed).
type publicIKMJSON struct {
	ikmJSON
	UnitName      string               `json:"unit_name"`
	Published     bool                 `json:"published"`
	PublicationID *string              `json:"publication_id"`
	PublishedAt   *time.Time           `json:"published_at"`
	LateResponses int64                `json:"late_responses"`
	FollowUps     []publicFollowUpJSON `json:"followups"`
}

// publicUnitIKM serves GET /api/v1/public/units/{id}/ikm: the latest
// publication's frozen numbers, the responses that arrived after it for
// its period (a correction, never merged), and the unit's follow-ups with
// their current status. A unit that never published gets the current
// year's index, live, with published false.
func (s *Server) publicUnitIKM(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := s.store.FindUnit(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	lang := language(c.Request())
	out := publicIKMJSON{UnitName: u.Name, FollowUps: []publicFollowUpJSON{}}
	ps, err := s.store.FindPublications(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		p := ps[0]
		snap, err := snapshotOf(p)
		if err != nil {
			return err
		}
		at := p.PublishedAt.UTC()
		out.ikmJSON, out.Published, out.PublicationID, out.PublishedAt = snap.frozenIKM(lang), true, &p.ID, &at
		if out.LateResponses, err = s.store.CountLateResponses(ctx, u, p.From, p.To, p.PublishedAt); err != nil {
			return err
		}
	} else {
		year := survey.DayOf(s.now(), u.TimeZone)[:4]
		if out.ikmJSON, err = s.unitIndex(c, u, store.CountQuery{From: year + "-01-01", To: year + "-12-31"}, nil); err != nil {
			return err
		}
	}
	fus, err := s.store.FindFollowUps(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, f := range fus {
		out.FollowUps = append(out.FollowUps, publicFollowUpJSON{ID: f.ID, Element: f.Element, Activity: f.Activity, Due: f.Due,
			Status: f.Status, Result: f.Result, UpdatedAt: f.UpdatedAt.UTC()})
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return writeJSON(c, http.StatusOK, out)
}

type openDataJSON struct {
	PublicationID string         `json:"publication_id"`
	UnitID        string         `json:"unit_id"`
	UnitName      string         `json:"unit_name"`
	From          string         `json:"from"`
	To            string         `json:"to"`
	PublishedAt   time.Time      `json:"published_at"`
	IKM           *float64       `json:"ikm"`
	Grade         *string        `json:"grade"`
	Counts        openCountsJSON `json:"counts"`
	Method        methodJSON     `json:"method"`
}

// publicationOf finds a publication of the unit in the path (404 if it is
// another unit's).
func (s *Server) publicationOf(c echo.Context) (domain.Publication, publicationSnapshot, error) {
	p, err := s.store.FindPublication(c.Request().Context(), c.Param("pid"))
	if err != nil {
		return p, publicationSnapshot{}, err
	}
	if p.UnitID != c.Param("id") {
		return p, publicationSnapshot{}, domain.NotFound("publication")
	}
	snap, err := snapshotOf(p)
	return p, snap, err
}

// publicationCountsJSON serves GET
// /api/v1/public/units/{id}/publications/{pid}/counts.json: the answer
// counts per element and score of a publication, with the method's
// manifest, so that anyone can recompute the published IKM.
func (s *Server) publicationCountsJSON(c echo.Context) error {
	p, snap, err := s.publicationOf(c)
	if err != nil {
		return err
	}
	ikm := snap.frozenIKM(langID)
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return writeJSON(c, http.StatusOK, openDataJSON{PublicationID: p.ID, UnitID: p.UnitID, UnitName: snap.Unit.Name, From: p.From, To: p.To,
		PublishedAt: p.PublishedAt.UTC(), IKM: ikm.IKM, Grade: ikm.Grade, Counts: snap.Counts, Method: snap.Method})
}

// publicationCountsCSV serves the same counts as CSV, one row per element
// and score; the manifest is the JSON's (Link: rel="describedby").
func (s *Server) publicationCountsCSV(c echo.Context) error {
	p, snap, err := s.publicationOf(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Content-Disposition", `attachment; filename="skm-`+p.From+`-`+p.To+`-counts.csv"`)
	h.Set("Link", `<counts.json>; rel="describedby"; type="application/json"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"unit_id", "from", "to", "element", "element_id", "score_num", "score_den", "respondents"})
	for _, r := range snap.Counts.Elements {
		_ = w.Write([]string{p.UnitID, p.From, p.To, r.Element, r.ElementID, strconv.Itoa(r.ScoreNum), strconv.Itoa(r.ScoreDen), strconv.FormatInt(r.Respondents, 10)})
	}
	w.Flush()
	return w.Error()
}
