package reliability

import (
	"fmt"
	"testing"
	"time"

	"suara/store/storetest"
)

// TestCrashRestart kills `suara serve` with SIGKILL twice under load and
// restarts it on the same database and port each time, while 8 phones
// keep retrying with their client_ids: every acknowledged response is
// stored exactly once with its answers, none twice, and the rollups equal
// a recount. On SQLite and PostgreSQL.
func TestCrashRestart(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			begin := time.Now()
			step := func(what string) { t.Logf("%6.1fs %s", time.Since(begin).Seconds(), what) }
			db := storetest.DSN(t, dialect)
			addr := "127.0.0.1:" + itoa(freePort(t))
			srv := startServer(t, db, addr)
			f := setup(t, db, srv.url())
			step("server up, survey made")

			done, result := startLoad(t, loadConfig(srv.url(), f.slug, 400))
			for kill := 1; kill <= 2; kill++ {
				// Each incarnation stores some, then dies mid-load.
				waitStored(t, 100, func() int { return stored(srv.url()) }, done)
				srv.kill()
				step(fmt.Sprintf("kill %d: SIGKILL under load; restarting on %s", kill, addr))
				srv = startServer(t, db, addr)
				step("restarted")
			}
			res := result()
			step("load done")
			srv.stop()
			step("server stopped")
			checkStatuses(t, res)
			fig := verify(t, db, res, nil)
			step("verified")
			t.Logf("crash and restart (%s, 2 × SIGKILL): %s", dialect, fig)
		})
	}
}
