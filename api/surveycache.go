package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
)

// surveyCacheTTL bounds how long a replica may answer citizens from a
// survey it read earlier. A submission would otherwise read the survey and
// its unit on every request, which is most of its database work. Writes
// through this replica clear the cache at once; another replica's change
// (closing a survey, moving a unit) shows here within the TTL.
const surveyCacheTTL = 2 * time.Second

type cachedSurvey struct {
	survey  domain.Survey
	unit    domain.Unit
	expires time.Time
}

type surveyCache struct {
	mu      sync.Mutex
	entries map[string]cachedSurvey
}

// get returns the survey behind slug and its unit, from memory when fresh.
// Only found, readable surveys are kept: a miss always asks the database.
func (c *surveyCache) get(ctx context.Context, now time.Time, slug string, load func(context.Context, string) (domain.Survey, domain.Unit, error)) (domain.Survey, domain.Unit, error) {
	c.mu.Lock()
	e, ok := c.entries[slug]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.survey, e.unit, nil
	}
	sv, u, err := load(ctx, slug)
	if err != nil {
		return sv, u, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 10000 {
		c.entries = map[string]cachedSurvey{} // bounded: start over rather than track age
	}
	c.entries[slug] = cachedSurvey{survey: sv, unit: u, expires: now.Add(surveyCacheTTL)}
	c.mu.Unlock()
	return sv, u, nil
}

func (c *surveyCache) reset() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// forgetSurveysOnWrite clears the survey cache after any management write,
// so that this replica never answers from a survey it has itself changed.
func (s *Server) forgetSurveysOnWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			s.surveys.reset()
		}
		return err
	}
}
