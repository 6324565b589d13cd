package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"suara/domain"
)

// CreateUnit stores a new unit under its parent (or as a new institution
// when ParentID is nil) and fills its ID, Path, InstitutionID and times.
func (s *Store) CreateUnit(ctx context.Context, u *domain.Unit) error {
	r := unitRow{ID: newID(), ParentID: u.ParentID, Name: u.Name, Code: u.Code, TimeZone: u.TimeZone}
	if u.ParentID != nil {
		parent, err := s.FindUnit(ctx, *u.ParentID)
		if domain.KindOf(err) == domain.KindNotFound {
			return domain.Invalid(domain.Field("parent_id", "not_found"))
		} else if err != nil {
			return err
		}
		r.InstitutionID, r.Path = parent.InstitutionID, domain.UnitPath(parent.Path, r.ID)
	} else {
		r.InstitutionID, r.Path = r.ID, domain.UnitPath("", r.ID)
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return codeConflict(translate(err, "unit"))
	}
	*u = r.domain()
	return nil
}

// codeConflict names the field of a unique-code conflict.
func codeConflict(err error) error {
	if domain.KindOf(err) == domain.KindConflict {
		return &domain.Error{Kind: domain.KindConflict, Code: "code_taken", Msg: "code already in use",
			Fields: []domain.FieldError{domain.Field("code", "taken")}, Err: err}
	}
	return err
}

// FindUnit returns the unit with the given id.
func (s *Store) FindUnit(ctx context.Context, id string) (domain.Unit, error) {
	var r unitRow
	if !domain.IsUUID(id) {
		return domain.Unit{}, domain.NotFound("unit")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	return r.domain(), nil
}

// FindUnitsByID returns the units with the given ids that exist.
func (s *Store) FindUnitsByID(ctx context.Context, ids []string) ([]domain.Unit, error) {
	var rows []unitRow
	if len(ids) == 0 {
		return nil, nil
	}
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Order("path").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	return mapRows(rows, unitRow.domain), nil
}

// FindUnits returns the units in scope, ordered by path so that a parent
// comes before its children (a tree in one pass).
func (s *Store) FindUnits(ctx context.Context, scope domain.Scope) ([]domain.Unit, error) {
	q := s.db.WithContext(ctx).Order("path")
	q, ok := scoped(q, "path", scope)
	if !ok {
		return nil, nil
	}
	var rows []unitRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	return mapRows(rows, unitRow.domain), nil
}

// FindSubtree returns a unit and everything below it, ordered by path.
func (s *Store) FindSubtree(ctx context.Context, path string) ([]domain.Unit, error) {
	var rows []unitRow
	if err := s.db.WithContext(ctx).Where("path LIKE ?", likePrefix(path)).Order("path").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	return mapRows(rows, unitRow.domain), nil
}

// ChildUnits returns the direct children of a unit, ordered by name.
func (s *Store) ChildUnits(ctx context.Context, id string) ([]domain.Unit, error) {
	var rows []unitRow
	if err := s.db.WithContext(ctx).Where("parent_id = ?", id).Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	return mapRows(rows, unitRow.domain), nil
}

// UpdateUnit changes the fields that upd sets and returns the new unit.
func (s *Store) UpdateUnit(ctx context.Context, id string, upd domain.UnitUpdate) (domain.Unit, error) {
	set := map[string]any{"updated_at": s.now()}
	if upd.Name != nil {
		set["name"] = *upd.Name
	}
	if upd.Code != nil {
		set["code"] = *upd.Code
	}
	if upd.TimeZone != nil {
		set["time_zone"] = *upd.TimeZone
	}
	res := s.db.WithContext(ctx).Model(&unitRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return domain.Unit{}, codeConflict(translate(res.Error, "unit"))
	}
	if res.RowsAffected == 0 {
		return domain.Unit{}, domain.NotFound("unit")
	}
	return s.FindUnit(ctx, id)
}

// DeleteUnit removes a unit that has no children, surveys or responses.
// A unit with history is kept: its numbers may have been published.
func (s *Store) DeleteUnit(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx *Store) error {
		db := tx.db.WithContext(ctx)
		for _, dep := range []struct{ table, col, what string }{
			{"units", "parent_id", "unit_has_children"},
			{"surveys", "unit_id", "unit_has_surveys"},
			{"responses", "unit_id", "unit_has_responses"},
		} {
			var n int64
			if err := db.Table(dep.table).Where(dep.col+" = ?", id).Limit(1).Count(&n).Error; err != nil {
				return translate(err, "unit")
			}
			if n > 0 {
				return domain.Errorf(domain.KindConflict, dep.what, "unit %s is still in use (%s)", id, dep.table)
			}
		}
		if err := db.Where("unit_id = ?", id).Delete(&serviceRow{}).Error; err != nil {
			return translate(err, "unit")
		}
		res := db.Delete(&unitRow{}, "id = ?", id)
		if res.Error != nil {
			return translate(res.Error, "unit")
		}
		if res.RowsAffected == 0 {
			return domain.NotFound("unit")
		}
		return nil
	})
}

// scoped restricts q to rows whose column (a unit path) lies in scope. It
// reports false when the scope is empty, so callers return nothing.
func scoped(q *gorm.DB, column string, scope domain.Scope) (*gorm.DB, bool) {
	if scope.All {
		return q, true
	}
	if len(scope.Paths) == 0 {
		return q, false
	}
	var cond []string
	var args []any
	for _, p := range scope.Paths {
		cond = append(cond, column+" LIKE ?")
		args = append(args, likePrefix(p))
	}
	return q.Where("("+strings.Join(cond, " OR ")+")", args...), true
}

// likePrefix returns a LIKE pattern matching every path under p. Paths hold
// only UUIDs and slashes, so there is nothing to escape.
func likePrefix(p string) string { return p + "%" }

func mapRows[R, D any](rows []R, f func(R) D) []D {
	out := make([]D, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}
