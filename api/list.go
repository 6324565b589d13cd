package api

import (
	"encoding/base64"
	"strconv"

	"github.com/labstack/echo/v4"

	"suara/domain"
)

// Page sizes of every list.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// listJSON is the body of every list: a page of items and the cursor of
// the next page ("" on the last page).
type listJSON[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// pageOf reads ?limit= (default 50, at most 500) and ?cursor=. Cursors are
// opaque to clients: the store's key of the last item, base64url-encoded.
func pageOf(c echo.Context) (domain.Page, error) {
	pg := domain.Page{Limit: defaultLimit}
	var fields []domain.FieldError
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			fields = append(fields, domain.FieldError{Field: "limit", Code: "out_of_range", Args: map[string]any{"min": 1, "max": maxLimit}})
		} else {
			pg.Limit = n
		}
	}
	if v := c.QueryParam("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(b) == 0 {
			fields = append(fields, domain.Field("cursor", "invalid_cursor"))
		} else {
			pg.Cursor = string(b)
		}
	}
	if len(fields) > 0 {
		return pg, domain.Invalid(fields...)
	}
	return pg, nil
}

// listOf makes a list body from a page the store cut, mapping each item.
func listOf[D, T any](items []D, next string, f func(D) T) listJSON[T] {
	out := listJSON[T]{Items: make([]T, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, f(it))
	}
	if next != "" {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return out
}

// pageIn cuts a page from a whole list held in memory (short lists the
// store returns entire: units, services, templates, follow-ups). key
// identifies an item; the cursor is the key of the last item sent.
func pageIn[D, T any](items []D, pg domain.Page, key func(D) string, f func(D) T) (listJSON[T], error) {
	start := 0
	if pg.Cursor != "" {
		start = -1
		for i, it := range items {
			if key(it) == pg.Cursor {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return listJSON[T]{}, domain.Invalid(domain.Field("cursor", "invalid_cursor"))
		}
	}
	end := min(start+pg.Limit, len(items))
	next := ""
	if end < len(items) {
		next = key(items[end-1])
	}
	return listOf(items[start:end], next, f), nil
}
