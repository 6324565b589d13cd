package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// quietTrace keeps GORM's logger from formatting every statement. GORM
// hands Trace a closure that renders the SQL with its values inlined (a
// regexp over the whole statement), and the slog logger calls it before
// deciding whether to log; on the submission path that was a seventh of
// the server's CPU. Only slow or failed statements reach the inner logger.
type quietTrace struct {
	logger.Interface
	slow time.Duration
}

func (q quietTrace) LogMode(l logger.LogLevel) logger.Interface {
	return quietTrace{Interface: q.Interface.LogMode(l), slow: q.slow}
}

func (q quietTrace) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound)
	if !failed && time.Since(begin) < q.slow {
		return
	}
	q.Interface.Trace(ctx, begin, fc, err)
}
