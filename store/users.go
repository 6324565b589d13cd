package store

import (
	"context"
	"strings"
	"time"

	"suara/domain"
)

// CreateUser stores a user with an argon2id hash of password.
func (s *Store) CreateUser(ctx context.Context, u *domain.User, password string) error {
	r := userRow{ID: newID(), Email: strings.ToLower(strings.TrimSpace(u.Email)), PasswordHash: HashPassword(password),
		Role: string(u.Role), UnitIDs: mustJSON(nonNil(u.UnitIDs))}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		err = translate(err, "user")
		if domain.KindOf(err) == domain.KindConflict {
			return &domain.Error{Kind: domain.KindConflict, Code: "email_taken", Msg: "e-mail already in use",
				Fields: []domain.FieldError{domain.Field("email", "taken")}, Err: err}
		}
		return err
	}
	*u = r.domain()
	return nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&userRow{}).Count(&n).Error
	return n, translate(err, "users")
}

// FindUserByEmail returns the user with the given e-mail (any case).
func (s *Store) FindUserByEmail(ctx context.Context, email string) (domain.User, error) {
	var r userRow
	if err := s.db.WithContext(ctx).Take(&r, "email = ?", strings.ToLower(strings.TrimSpace(email))).Error; err != nil {
		return domain.User{}, translate(err, "user")
	}
	return r.domain(), nil
}

// FindUser returns the user with the given id.
func (s *Store) FindUser(ctx context.Context, id string) (domain.User, error) {
	var r userRow
	if !domain.IsUUID(id) {
		return domain.User{}, domain.NotFound("user")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.User{}, translate(err, "user")
	}
	return r.domain(), nil
}

// FindUsers returns users ordered by e-mail.
func (s *Store) FindUsers(ctx context.Context, page domain.Page) ([]domain.User, string, error) {
	q := s.db.WithContext(ctx).Order("email")
	if page.Cursor != "" {
		q = q.Where("email > ?", page.Cursor)
	}
	var rows []userRow
	if err := q.Limit(page.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "users")
	}
	rows, next := cut(rows, page.Limit, func(r userRow) string { return r.Email })
	return mapRows(rows, userRow.domain), next, nil
}

// UpdateUser changes the fields that upd sets. A new password, a new role
// or disabling the user ends the user's sessions.
func (s *Store) UpdateUser(ctx context.Context, id string, upd domain.UserUpdate) (domain.User, error) {
	set := map[string]any{"updated_at": s.now()}
	endSessions := false
	if upd.Password != nil {
		set["password_hash"] = HashPassword(*upd.Password)
		endSessions = true
	}
	if upd.Role != nil {
		set["role"] = string(*upd.Role)
		endSessions = true
	}
	if upd.UnitIDs != nil {
		set["unit_ids"] = mustJSON(nonNil(*upd.UnitIDs))
	}
	if upd.Disabled != nil {
		set["disabled"] = *upd.Disabled
		endSessions = endSessions || *upd.Disabled
	}
	err := s.InTx(ctx, func(tx *Store) error {
		res := tx.db.Model(&userRow{}).Where("id = ?", id).Updates(set)
		if res.Error != nil {
			return translate(res.Error, "user")
		}
		if res.RowsAffected == 0 {
			return domain.NotFound("user")
		}
		if endSessions {
			return translate(tx.db.Where("user_id = ?", id).Delete(&sessionRow{}).Error, "sessions")
		}
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.FindUser(ctx, id)
}

// DeleteUser removes a user and their sessions.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.db.Where("user_id = ?", id).Delete(&sessionRow{}).Error; err != nil {
			return translate(err, "sessions")
		}
		res := tx.db.Delete(&userRow{}, "id = ?", id)
		if res.Error != nil {
			return translate(res.Error, "user")
		}
		if res.RowsAffected == 0 {
			return domain.NotFound("user")
		}
		return nil
	})
}

// CreateSession stores a session under the hash of its token; the token
// itself is never stored.
func (s *Store) CreateSession(ctx context.Context, userID, tokenHash string, expires time.Time) error {
	r := sessionRow{TokenHash: tokenHash, UserID: userID, CreatedAt: s.now(), ExpiresAt: expires.UTC()}
	return translate(s.db.WithContext(ctx).Create(&r).Error, "session")
}

// FindPrincipal returns the user of a live session and the paths of their
// units. An expired session, a disabled user or an unknown token is
// KindUnauthorized.
func (s *Store) FindPrincipal(ctx context.Context, tokenHash string) (domain.Principal, error) {
	unauthorized := domain.Errorf(domain.KindUnauthorized, "unauthorized", "no valid session")
	var sr sessionRow
	if err := s.db.WithContext(ctx).Take(&sr, "token_hash = ?", tokenHash).Error; err != nil {
		if domain.KindOf(translate(err, "session")) == domain.KindNotFound {
			return domain.Principal{}, unauthorized
		}
		return domain.Principal{}, translate(err, "session")
	}
	if !s.now().Before(sr.ExpiresAt) {
		return domain.Principal{}, unauthorized
	}
	u, err := s.FindUser(ctx, sr.UserID)
	if domain.KindOf(err) == domain.KindNotFound || u.Disabled {
		return domain.Principal{}, unauthorized
	} else if err != nil {
		return domain.Principal{}, err
	}
	p := domain.Principal{User: u, SessionID: tokenHash}
	units, err := s.FindUnitsByID(ctx, u.UnitIDs)
	if err != nil {
		return domain.Principal{}, err
	}
	for _, unit := range units {
		p.Paths = append(p.Paths, unit.Path)
	}
	return p, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return translate(s.db.WithContext(ctx).Delete(&sessionRow{}, "token_hash = ?", tokenHash).Error, "session")
}

// DeleteExpiredSessions removes sessions that ended before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	return translate(s.db.WithContext(ctx).Where("expires_at < ?", s.now()).Delete(&sessionRow{}).Error, "sessions")
}
