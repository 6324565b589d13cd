package store

import (
	"context"

	"suara/domain"
)

// Audit records an administrative change. Call it inside the change's
// transaction so that the record and the change land together.
func (s *Store) Audit(ctx context.Context, e domain.AuditEntry) error {
	r := auditRow{ID: newID(), At: s.now(), ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
		Before: string(orNull(e.Before)), After: string(orNull(e.After))}
	return translate(s.db.WithContext(ctx).Create(&r).Error, "audit entry")
}

func orNull(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

// FindAudit returns audit entries, newest first, optionally for one entity.
func (s *Store) FindAudit(ctx context.Context, entityID string, page domain.Page) ([]domain.AuditEntry, string, error) {
	return s.FindAuditEntries(ctx, domain.AuditFilter{EntityID: entityID, Page: page})
}

// FindAuditEntries returns the audit entries that f selects, newest first.
func (s *Store) FindAuditEntries(ctx context.Context, f domain.AuditFilter) ([]domain.AuditEntry, string, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.Cursor != "" {
		q = q.Where("id < ?", f.Cursor)
	}
	var rows []auditRow
	if err := q.Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "audit entries")
	}
	rows, next := cut(rows, f.Limit, func(r auditRow) string { return r.ID })
	return mapRows(rows, func(r auditRow) domain.AuditEntry {
		return domain.AuditEntry{ID: r.ID, At: r.At, ActorID: r.ActorID, Action: r.Action, Entity: r.Entity,
			EntityID: r.EntityID, Before: []byte(r.Before), After: []byte(r.After)}
	}), next, nil
}

// UserEmails returns the e-mail address of each of the users that exist,
// by id (for naming the actors of audit entries).
func (s *Store) UserEmails(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []userRow
	if err := s.db.WithContext(ctx).Select("id, email").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "users")
	}
	for _, r := range rows {
		out[r.ID] = r.Email
	}
	return out, nil
}
