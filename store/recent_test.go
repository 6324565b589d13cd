package store

import (
	"fmt"
	"testing"
)

func TestRecentClients(t *testing.T) {
	rc := newRecentClients(4)
	pair := func(i int) []uint64 { return rc.hashes([]string{"inst"}, []string{fmt.Sprint("client-", i)}) }
	if rc.mayHold(pair(1)) {
		t.Error("an empty ring holds client 1")
	}
	for i := 1; i <= 4; i++ {
		rc.add(pair(i))
	}
	if !rc.mayHold(pair(1)) || !rc.mayHold(pair(4)) {
		t.Error("a full ring lost one of its clients")
	}
	if rc.mayHold(rc.hashes([]string{"other-inst"}, []string{"client-1"})) {
		t.Error("client 1 of another institution is held")
	}
	rc.add(pair(5)) // forgets client 1, the oldest
	if rc.mayHold(pair(1)) || !rc.mayHold(pair(2)) || !rc.mayHold(pair(5)) {
		t.Error("the ring did not forget exactly its oldest client")
	}
	rc.add(pair(2)) // held already: keeps its place, forgets nothing
	if !rc.mayHold(pair(3)) || len(rc.set) != 4 || len(rc.ring) != 4 {
		t.Errorf("adding a held client changed the ring: %d hashes, %d slots, want 4 and 4", len(rc.set), len(rc.ring))
	}
	rc.add(pair(6)) // forgets client 2, remembered from its first addition
	if rc.mayHold(pair(2)) || !rc.mayHold(pair(3)) {
		t.Error("the ring did not forget client 2 at its first addition's turn")
	}
	batch := []string{"inst", "inst"}
	if !rc.mayHold(rc.hashes(batch, []string{"client-9", "client-3"})) {
		t.Error("a batch with one held client is not held")
	}

	rc.missed()
	for i := range rewriteBackoff {
		if !rc.mayHold(pair(100 + i)) {
			t.Fatalf("batch %d after a miss was not looked up", i+1)
		}
	}
	if rc.mayHold(pair(100)) {
		t.Errorf("batches after the backoff of %d are still looked up", rewriteBackoff)
	}

	var none *recentClients // SQLite's writer has no ring: everything may be stored
	none.add(pair(1))
	none.missed()
	if !none.mayHold(pair(1)) {
		t.Error("a nil ring says a client was not stored")
	}
}
