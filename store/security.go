package store

import (
	"context"
	"time"
)

// loginThrottleRow counts failed logins for one key: "account:<e-mail>"
// or "ip:<digest>". Times are Unix seconds.
type loginThrottleRow struct {
	ThrottleKey string
	Failures    int
	FirstAt     int64
	LockedUntil int64
}

func (loginThrottleRow) TableName() string { return "login_throttles" }

// LoginLockedUntil returns the latest end of a lock on any of keys, or
// the zero time when none is locked now.
func (s *Store) LoginLockedUntil(ctx context.Context, keys ...string) (time.Time, error) {
	var until int64
	err := s.db.WithContext(ctx).Model(&loginThrottleRow{}).
		Where("throttle_key IN ? AND locked_until > ?", keys, s.now().Unix()).
		Select("COALESCE(MAX(locked_until), 0)").Scan(&until).Error
	if err != nil || until == 0 {
		return time.Time{}, translate(err, "login throttle")
	}
	return time.Unix(until, 0).UTC(), nil
}

// ThrottleLimit is when a key locks: after Max failures within Window it
// is locked for LockFor.
type ThrottleLimit struct {
	Max     int
	Window  time.Duration
	LockFor time.Duration
}

// RecordLoginFailure counts one failed login for key. It returns the
// failures counted in the current window, and the end of the lock when
// this very failure started one (zero otherwise), so that the caller
// audits each lock once. The count is one upsert: replicas share it.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, lim ThrottleLimit) (failures int, lockedUntil time.Time, err error) {
	now := s.now().Unix()
	windowStart := now - int64(lim.Window/time.Second)
	err = s.InTx(ctx, func(tx *Store) error {
		err := tx.db.Exec(`INSERT INTO login_throttles (throttle_key, failures, first_at, locked_until) VALUES (?, 1, ?, 0)
ON CONFLICT (throttle_key) DO UPDATE SET
  failures = CASE WHEN login_throttles.first_at <= ? THEN 1 ELSE login_throttles.failures + 1 END,
  first_at = CASE WHEN login_throttles.first_at <= ? THEN excluded.first_at ELSE login_throttles.first_at END`,
			key, now, windowStart, windowStart).Error
		if err != nil {
			return translate(err, "login throttle")
		}
		var r loginThrottleRow
		if err := tx.db.Take(&r, "throttle_key = ?", key).Error; err != nil {
			return translate(err, "login throttle")
		}
		failures = r.Failures
		if r.Failures >= lim.Max && r.LockedUntil <= now {
			until := now + int64(lim.LockFor/time.Second)
			if err := tx.db.Model(&loginThrottleRow{}).Where("throttle_key = ?", key).Update("locked_until", until).Error; err != nil {
				return translate(err, "login throttle")
			}
			lockedUntil = time.Unix(until, 0).UTC()
		}
		return nil
	})
	return failures, lockedUntil, err
}

// ClearLoginFailures forgets key's failures (after a successful login),
// and drops every row whose window and lock have both passed.
func (s *Store) ClearLoginFailures(ctx context.Context, key string, window time.Duration) error {
	now := s.now().Unix()
	err := s.db.WithContext(ctx).Where("throttle_key = ? OR (locked_until < ? AND first_at < ?)", key, now, now-int64(window/time.Second)).
		Delete(&loginThrottleRow{}).Error
	return translate(err, "login throttle")
}

// MarkSuspicious flags responses as part of a burst of identical answer
// sets. The flag does not change the index; a manager decides.
func (s *Store) MarkSuspicious(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Model(&responseRow{}).Where("id IN ?", ids).Update("suspicious", true).Error
	return translate(err, "responses")
}
