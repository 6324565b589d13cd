package api

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// maxSearch bounds the comment search text.
const maxSearch = 200

// maxCommentScans bounds how many store pages one comment page may read
// when the search drops comments whose match was masked.
const maxCommentScans = 10

type commentJSON struct {
	ResponseID string    `json:"response_id"`
	SurveyID   string    `json:"survey_id"`
	UnitID     string    `json:"unit_id"`
	UnitName   string    `json:"unit_name"`
	Day        string    `json:"day"`
	ReceivedAt time.Time `json:"received_at"`
	Comment    string    `json:"comment"`
	Masked     bool      `json:"masked"`
	MinScore   *int      `json:"min_score"`
	Status     string    `json:"status"`
}

func toCommentJSON(cm domain.Comment) commentJSON {
	masked := domain.MaskPII(cm.Text)
	return commentJSON{ResponseID: cm.ResponseID, SurveyID: cm.SurveyID, UnitID: cm.UnitID, UnitName: cm.UnitName,
		Day: cm.Day, ReceivedAt: cm.ReceivedAt.UTC(), Comment: masked, Masked: masked != cm.Text, MinScore: cm.MinScore, Status: cm.Status}
}

// listComments serves GET /api/v1/units/{id}/comments: the citizens'
// comments of a unit's subtree, newest day first, with personal data
// masked. The search matches the masked text, so a search cannot find
// out a masked phone number or NIK.
func (s *Server) listComments(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	f := domain.CommentFilter{UnitPath: u.Path, From: p.From, To: p.To, Page: pg}
	if q := strings.TrimSpace(c.QueryParam("q")); len(q) > maxSearch {
		fields = append(fields, domain.FieldError{Field: "q", Code: "max_len", Args: map[string]any{"max": maxSearch}})
	} else {
		f.Search = q
	}
	if v := c.QueryParam("max_score"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 4 {
			fields = append(fields, domain.FieldError{Field: "max_score", Code: "out_of_range", Args: map[string]any{"min": 1, "max": 4}})
		}
		f.MaxScore = n
	}
	if v := c.QueryParam("status"); v != "" {
		if !domain.ValidCommentStatus(v) {
			fields = append(fields, domain.Field("status", "invalid_choice"))
		}
		f.Status = v
	}
	if pg.Cursor != "" {
		if day, id, ok := strings.Cut(pg.Cursor, "|"); !ok || !validDate(day) || !domain.IsUUID(id) {
			fields = append(fields, domain.Field("cursor", "invalid_cursor"))
		}
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	needle := strings.ToLower(f.Search)
	var out []domain.Comment
	next := ""
	for scans := 0; scans < maxCommentScans; scans++ {
		page, cursor, err := s.store.FindComments(c.Request().Context(), f)
		if err != nil {
			return err
		}
		for _, cm := range page {
			if needle == "" || strings.Contains(strings.ToLower(domain.MaskPII(cm.Text)), needle) {
				out = append(out, cm)
			}
		}
		next = cursor
		if next == "" || len(out) >= pg.Limit {
			break
		}
		f.Cursor, f.Limit = next, pg.Limit-len(out)
	}
	return writeJSON(c, http.StatusOK, listOf(out, next, toCommentJSON))
}

type commentStatusRequest struct {
	Status string `json:"status" validate:"required,oneof=new read action"`
}

type commentStatusJSON struct {
	ResponseID string `json:"response_id"`
	Status     string `json:"status"`
}

// responseInScope returns a response with a comment and its unit when the
// caller may see it; anything else is 404.
func (s *Server) responseInScope(c echo.Context) (domain.Response, domain.Unit, error) {
	ctx := c.Request().Context()
	r, err := s.store.FindResponse(ctx, c.Param("id"))
	if err != nil {
		return r, domain.Unit{}, err
	}
	u, err := s.store.FindUnit(ctx, r.UnitID)
	if err != nil {
		return r, u, err
	}
	if !principal(c).CanSee(u.Path) || r.Comment == "" {
		return r, u, domain.NotFound("comment")
	}
	return r, u, nil
}

// setCommentStatus serves PATCH /api/v1/responses/{id}/comment-status:
// mark a comment new, read or needing action.
func (s *Server) setCommentStatus(c echo.Context) error {
	var in commentStatusRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	r, u, err := s.responseInScope(c)
	if err != nil {
		return err
	}
	if err := canManage(c, u); err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		before, err := tx.CommentStatus(ctx, r.ID)
		if err != nil {
			return err
		}
		if err := tx.SetCommentStatus(ctx, r, in.Status, principal(c).User.ID); err != nil {
			return err
		}
		return audit(c, tx, "comment.status", "response", r.ID,
			commentStatusJSON{ResponseID: r.ID, Status: before}, commentStatusJSON{ResponseID: r.ID, Status: in.Status})
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, commentStatusJSON{ResponseID: r.ID, Status: in.Status})
}

type commentOriginalJSON struct {
	ResponseID string `json:"response_id"`
	Comment    string `json:"comment"`
	Masked     string `json:"masked"`
}

// commentOriginal serves GET /api/v1/responses/{id}/comment-original: the
// comment as the citizen wrote it, for administrators only, and every
// reading leaves an audit entry (written before the text is sent).
func (s *Server) commentOriginal(c echo.Context) error {
	r, _, err := s.responseInScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		return audit(c, tx, "comment.read_original", "response", r.ID, nil, nil)
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, commentOriginalJSON{ResponseID: r.ID, Comment: r.Comment, Masked: domain.MaskPII(r.Comment)})
}

// Bounds of ?days= of the silent units.
const (
	defaultSilentDays = 7
	maxSilentDays     = 365
)

type silentUnitJSON struct {
	UnitID          string  `json:"unit_id"`
	Name            string  `json:"name"`
	Code            string  `json:"code"`
	LastResponseDay *string `json:"last_response_day"`
	DaysSilent      int     `json:"days_silent"`
	OpenSince       string  `json:"open_since"`
}

type silentJSON struct {
	UnitID string           `json:"unit_id"`
	Days   int              `json:"days"`
	Today  string           `json:"today"`
	Items  []silentUnitJSON `json:"items"`
}

// silentUnits serves GET /api/v1/units/{id}/silent?days=N: the units of a
// subtree that an open survey covers (one of its own or of an ancestor:
// "no wrong door") and that got no response, in their whole subtree, for
// N days or more. Days come from the rollups, never from a scan of the
// responses. A unit that never got one counts its silence from the day
// its earliest open survey started.
func (s *Server) silentUnits(c echo.Context) error {
	days := defaultSilentDays
	if v := c.QueryParam("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSilentDays {
			return domain.Invalid(domain.FieldError{Field: "days", Code: "out_of_range", Args: map[string]any{"min": 1, "max": maxSilentDays}})
		}
		days = n
	}
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	today := survey.DayOf(s.now(), u.TimeZone)
	subtree, err := s.store.FindSubtree(ctx, u.Path)
	if err != nil {
		return err
	}
	paths := map[string]string{}
	ids := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, id := range ids {
		paths[id] = "/" + strings.Join(ids[:i+1], "/") + "/"
	}
	for _, d := range subtree {
		paths[d.ID] = d.Path
		ids = append(ids, d.ID)
	}
	svs, err := s.store.SurveysOfUnits(ctx, ids)
	if err != nil {
		return err
	}
	var open []domain.Survey
	for _, sv := range svs {
		if !sv.Closed && sv.StartsOn <= today && today <= sv.EndsOn {
			open = append(open, sv)
		}
	}
	last, err := s.store.LastResponseDays(ctx, u)
	if err != nil {
		return err
	}
	// The last day of each unit's whole subtree: children come after
	// their parent in path order, so walk backwards and pass days up.
	lastSub := make(map[string]string, len(subtree))
	for i := len(subtree) - 1; i >= 0; i-- {
		d := subtree[i]
		if last[d.ID] > lastSub[d.ID] {
			lastSub[d.ID] = last[d.ID]
		}
		if d.ParentID != nil && lastSub[d.ID] > lastSub[*d.ParentID] {
			lastSub[*d.ParentID] = lastSub[d.ID]
		}
	}
	out := silentJSON{UnitID: u.ID, Days: days, Today: today, Items: []silentUnitJSON{}}
	for _, d := range subtree {
		since := ""
		for _, sv := range open {
			if strings.HasPrefix(d.Path, paths[sv.UnitID]) && (since == "" || sv.StartsOn < since) {
				since = sv.StartsOn
			}
		}
		if since == "" {
			continue // no open survey asks this unit's citizens
		}
		var silent int
		if day := lastSub[d.ID]; day != "" {
			silent = daysBetween(day, today)
		} else {
			silent = daysBetween(since, today) + 1 // every day since it opened, today included
		}
		if silent >= days {
			out.Items = append(out.Items, silentUnitJSON{UnitID: d.ID, Name: d.Name, Code: d.Code,
				LastResponseDay: nonEmpty(lastSub[d.ID]), DaysSilent: silent, OpenSince: since})
		}
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		if a.DaysSilent != b.DaysSilent {
			return a.DaysSilent > b.DaysSilent
		}
		return a.Name < b.Name
	})
	return writeJSON(c, http.StatusOK, out)
}

// daysBetween is the number of days from a to b (YYYY-MM-DD); 0 when
// either does not parse.
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(domain.DateLayout, a)
	tb, err2 := time.Parse(domain.DateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}
