package api

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"suara/domain"
)

// publicCacheTTL bounds how long a replica may answer citizens from a
// survey, unit or service it read earlier. A submission would otherwise
// read the survey, its unit and the chosen service on every request, which
// was most of its database work. Writes through this replica clear the
// caches at once; another replica's change (closing a survey, moving a
// unit, removing a service) shows here within the TTL. So, for that long,
// another replica may store an answer to a unit or service just deleted
// (the schema has no foreign keys); deleting a unit that citizens are
// answering is an operator's mistake this does not guard against.
const publicCacheTTL = 2 * time.Second

// publicLoadTimeout bounds a load that requests share; each request still
// waits only until its own deadline.
const publicLoadTimeout = 5 * time.Second

// ttlCache keeps values for publicCacheTTL. Only values that loaded
// without error are kept: a miss, a 404 included, always asks the
// database, so a survey or service created a moment ago is found at once.
// Requests that miss the same key at once share one load: when a server
// starts under load, or an entry expires, the database gets one query per
// key rather than one per waiting request.
type ttlCache[V any] struct {
	mu      sync.Mutex
	entries map[string]ttlEntry[V]
	gen     uint64 // counts resets: a load that began before one is not kept
	loads   singleflight.Group
}

type ttlEntry[V any] struct {
	value   V
	expires time.Time
}

// get returns the value behind key, from memory when fresh.
func (c *ttlCache[V]) get(ctx context.Context, now time.Time, key string, load func(context.Context, string) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.value, nil
	}
	// The generation is part of the flight's key: a request that comes
	// after a reset never shares a load that began before it. The load
	// runs on for the others when the request that began it gives up, and
	// each request waits no longer than its own deadline.
	flight := c.loads.DoChan(strconv.FormatUint(gen, 10)+"\x00"+key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publicLoadTimeout)
		defer cancel()
		return load(lctx, key)
	})
	var res singleflight.Result
	select {
	case res = <-flight:
	case <-ctx.Done():
		var zero V
		return zero, &domain.Error{Kind: domain.KindUnavailable, Code: "timeout", Msg: "not loaded in time", Err: ctx.Err()}
	}
	v, _ := res.Val.(V)
	if res.Err != nil {
		return v, res.Err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return v, nil // a write cleared the cache while this loaded: v may be older than it
	}
	if c.entries == nil || len(c.entries) > 10000 {
		c.entries = map[string]ttlEntry[V]{} // bounded: start over rather than track age
	}
	c.entries[key] = ttlEntry[V]{value: v, expires: now.Add(publicCacheTTL)}
	return v, nil
}

func (c *ttlCache[V]) reset() {
	c.mu.Lock()
	c.entries = nil
	c.gen++
	c.mu.Unlock()
}

// publicCaches are what the citizen's routes read on every request.
type publicCaches struct {
	surveys  ttlCache[surveyWithUnit] // by slug
	units    ttlCache[domain.Unit]    // by id: a unit answered for below the survey's own
	services ttlCache[domain.Service] // by id
}

type surveyWithUnit struct {
	survey domain.Survey
	unit   domain.Unit
}

func (p *publicCaches) reset() {
	p.surveys.reset()
	p.units.reset()
	p.services.reset()
}

// forgetSurveysOnWrite clears the public caches after any management
// write, so that this replica never answers from a survey, unit or service
// it has itself changed.
func (s *Server) forgetSurveysOnWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			s.public.reset()
		}
		return err
	}
}
