package store

import (
	"fmt"
	"slices"
	"testing"
)

func TestRecentClients(t *testing.T) {
	rc := newRecentClients(4)
	pair := func(i int) []uint64 { return rc.hashes([]string{"inst"}, []string{fmt.Sprint("client-", i)}) }
	anyHeld := func(rc *recentClients, hs []uint64) bool {
		held, all := rc.held(hs)
		return all || slices.Contains(held, true)
	}
	if anyHeld(rc, pair(1)) {
		t.Error("an empty ring holds client 1")
	}
	for i := 1; i <= 4; i++ {
		rc.add(pair(i))
	}
	if !anyHeld(rc, pair(1)) || !anyHeld(rc, pair(4)) {
		t.Error("a full ring lost one of its clients")
	}
	if anyHeld(rc, rc.hashes([]string{"other-inst"}, []string{"client-1"})) {
		t.Error("client 1 of another institution is held")
	}
	rc.add(pair(5)) // forgets client 1, the oldest
	if anyHeld(rc, pair(1)) || !anyHeld(rc, pair(2)) || !anyHeld(rc, pair(5)) {
		t.Error("the ring did not forget exactly its oldest client")
	}
	rc.add(pair(2)) // held already: keeps its place, forgets nothing
	if !anyHeld(rc, pair(3)) || len(rc.set) != 4 || len(rc.ring) != 4 {
		t.Errorf("adding a held client changed the ring: %d hashes, %d slots, want 4 and 4", len(rc.set), len(rc.ring))
	}
	rc.add(pair(6)) // forgets client 2, remembered from its first addition
	if anyHeld(rc, pair(2)) || !anyHeld(rc, pair(3)) {
		t.Error("the ring did not forget client 2 at its first addition's turn")
	}
	batch := []string{"inst", "inst", "inst"}
	if held, all := rc.held(rc.hashes(batch, []string{"client-9", "client-3", "client-7"})); all || !slices.Equal(held, []bool{false, true, false}) {
		t.Errorf("held = %v (all: %v) for clients 9, 3 and 7, want only client 3", held, all)
	}
	if held, all := rc.held(rc.hashes(batch, []string{"client-9", "client-8", "client-7"})); all || held != nil {
		t.Errorf("held = %v (all: %v) for clients none holds, want nil", held, all)
	}

	rc.missed()
	for i := range rewriteBackoff {
		if _, all := rc.held(pair(100 + i)); !all {
			t.Fatalf("batch %d after a miss was not looked up", i+1)
		}
	}
	if _, all := rc.held(pair(100)); all {
		t.Errorf("batches after the backoff of %d are still looked up", rewriteBackoff)
	}

	var none *recentClients // SQLite's writer has no ring: everything may be stored
	none.add(pair(1))
	none.missed()
	if _, all := none.held(pair(1)); !all {
		t.Error("a nil ring does not have the whole batch looked up")
	}
}
