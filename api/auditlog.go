package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
)

type auditEntryJSON struct {
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    string          `json:"actor_id"`
	ActorEmail *string         `json:"actor_email"`
	Action     string          `json:"action"`
	Entity     string          `json:"entity"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}

// auditZone is the zone of the audit log's ?from=&to= days: the log spans
// every unit, so it uses the capital's (WIB).
var auditZone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

// listAudit serves GET /api/v1/audit (administrators): who changed what,
// when, with the state before and after, newest first. from and to are
// days in WIB, both included.
func (s *Server) listAudit(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.AuditFilter{Entity: c.QueryParam("entity"), EntityID: c.QueryParam("entity_id"), ActorID: c.QueryParam("actor"), Page: pg}
	var fields []domain.FieldError
	if f.Entity != "" && (len(f.Entity) > 32 || !codePattern.MatchString(f.Entity)) {
		fields = append(fields, domain.Field("entity", "invalid_format"))
	}
	if f.EntityID != "" && !domain.IsUUID(f.EntityID) {
		fields = append(fields, domain.Field("entity_id", "uuid"))
	}
	if f.ActorID != "" && !domain.IsUUID(f.ActorID) {
		fields = append(fields, domain.Field("actor", "uuid"))
	}
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from != "" {
		t, err := time.ParseInLocation(domain.DateLayout, from, auditZone)
		if err != nil {
			fields = append(fields, domain.Field("from", "date"))
		}
		f.From = t
	}
	if to != "" {
		t, err := time.ParseInLocation(domain.DateLayout, to, auditZone)
		if err != nil {
			fields = append(fields, domain.Field("to", "date"))
		}
		f.To = t.AddDate(0, 0, 1)
	}
	if len(fields) == 0 && from != "" && to != "" && to < from {
		fields = append(fields, domain.Field("to", "date_order"))
	}
	if pg.Cursor != "" && !domain.IsUUID(pg.Cursor) {
		fields = append(fields, domain.Field("cursor", "invalid_cursor"))
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	ctx := c.Request().Context()
	entries, next, err := s.store.FindAuditEntries(ctx, f)
	if err != nil {
		return err
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ActorID)
	}
	emails, err := s.store.UserEmails(ctx, ids)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, listOf(entries, next, func(e domain.AuditEntry) auditEntryJSON {
		out := auditEntryJSON{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
			Before: rawOrNull(e.Before), After: rawOrNull(e.After)}
		if email, ok := emails[e.ActorID]; ok {
			out.ActorEmail = &email
		}
		return out
	}))
}

func rawOrNull(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return b
}
