package store_test

import (
	"testing"

	"github.com/google/uuid"

	"suara/store"
	"suara/store/storetest"
)

// BenchmarkSubmit measures the group-commit writer alone: validated
// submissions from parallel callers, each returning once its batch has
// committed. With -benchmem, allocs/op is per submission, database driver
// included. PostgreSQL runs too when SUARA_TEST_DATABASE_URL is set.
func BenchmarkSubmit(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(d, func(b *testing.B) {
			s := storetest.Open(b, d, store.Options{})
			f := newFixture(b, s)
			b.SetParallelism(8) // 8 × GOMAXPROCS callers: batches form as under load
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					sub := f.submission(f.child, uuid.NewString(), "2026-03-02", [9]int{1 + i%4, 2, 3, 4, 1 + i%3, 2, 3, 4, 4})
					if _, created, err := s.Submit(ctx, sub); err != nil || !created {
						b.Fatalf("Submit: created=%v err=%v", created, err)
					}
				}
			})
		})
	}
}
