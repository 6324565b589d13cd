package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// security adds login_throttles: failed logins counted per account and per
// client address, shared by every replica, so that a password guesser
// cannot spread attempts over replicas. Times are Unix seconds, compared
// in SQL the same way on PostgreSQL and SQLite. throttle_key is "account:<e-mail>"
// or "ip:<SHA-256 prefix of the address>"; rows are dropped after a
// successful login or once their window has passed.
func security() *gormigrate.Migration {
	type loginThrottle struct {
		ThrottleKey string `gorm:"primaryKey;size:300"`
		Failures    int    `gorm:"not null"`
		FirstAt     int64  `gorm:"not null"`
		LockedUntil int64  `gorm:"not null;index"`
	}
	return &gormigrate.Migration{
		ID: "202611270910_security",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().CreateTable(&loginThrottle{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&loginThrottle{})
		},
	}
}
