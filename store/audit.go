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
	q := s.db.WithContext(ctx).Order("id DESC")
	if entityID != "" {
		q = q.Where("entity_id = ?", entityID)
	}
	if page.Cursor != "" {
		q = q.Where("id < ?", page.Cursor)
	}
	var rows []auditRow
	if err := q.Limit(page.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "audit entries")
	}
	rows, next := cut(rows, page.Limit, func(r auditRow) string { return r.ID })
	return mapRows(rows, func(r auditRow) domain.AuditEntry {
		return domain.AuditEntry{ID: r.ID, At: r.At, ActorID: r.ActorID, Action: r.Action, Entity: r.Entity,
			EntityID: r.EntityID, Before: []byte(r.Before), After: []byte(r.After)}
	}), next, nil
}
