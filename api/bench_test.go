package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"suara/domain"
	"suara/store"
	"suara/store/storetest"
)

// BenchmarkSubmitResponse measures one citizen submission through the
// whole handler stack (middleware, decoding, validation, the writer,
// the JSON answer) without the network. With -benchmem, allocs/op is per
// submission. PostgreSQL runs too when SUARA_TEST_DATABASE_URL is set.
func BenchmarkSubmitResponse(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			// One clock for the server and the store, as in production: a
			// capture time before the writer's memory would be looked up.
			st := storetest.Open(b, d, store.Options{Now: func() time.Time { return testNow }})
			unit := domain.Unit{Name: "Kota Bench", Code: "BENCH", TimeZone: "Asia/Jakarta"}
			if err := st.CreateUnit(ctx, &unit); err != nil {
				b.Fatal(err)
			}
			ts, err := st.FindTemplates(ctx)
			if err != nil {
				b.Fatal(err)
			}
			sv := domain.Survey{UnitID: unit.ID, TemplateVersionID: ts[0].LatestVersionID, Title: "SKM Bench",
				StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 1000}
			if err := st.CreateSurvey(ctx, &sv); err != nil {
				b.Fatal(err)
			}
			srv := New(st, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return testNow }})
			path := "/api/v1/public/surveys/" + sv.Slug + "/responses"
			const body = `{"client_id":%q,"answers":{"U1":%d,"U2":3,"U3":4,"U4":2,"U5":3,"U6":4,"U7":3,"U8":%d,"U9":3},` +
				`"profile":{"gender":"female","age":34,"education":"sma","occupation":"swasta"},"comment":"Antrean lama."}`
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(fmt.Sprintf(body, uuid.NewString(), 1+i%4, 1+i%3)))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusCreated {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
