package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRecentClients(t *testing.T) {
	rc := newRecentClients(4, time.Now)
	pair := func(i int) []uint64 { return rc.hashes([]string{"inst"}, []string{fmt.Sprint("client-", i)}) }
	anyHeld := func(rc *recentClients, hs []uint64) bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		_, ok := rc.set[hs[0]]
		return ok
	}
	if anyHeld(rc, pair(1)) {
		t.Error("an empty ring holds client 1")
	}
	for i := 1; i <= 4; i++ {
		rc.add(pair(i), nil, 0)
	}
	if !anyHeld(rc, pair(1)) || !anyHeld(rc, pair(4)) {
		t.Error("a full ring lost one of its clients")
	}
	if anyHeld(rc, rc.hashes([]string{"other-inst"}, []string{"client-1"})) {
		t.Error("client 1 of another institution is held")
	}
	rc.add(pair(5), nil, 0) // forgets client 1, the oldest
	if anyHeld(rc, pair(1)) || !anyHeld(rc, pair(2)) || !anyHeld(rc, pair(5)) {
		t.Error("the ring did not forget exactly its oldest client")
	}
	rc.add(pair(2), nil, 0) // held already: keeps its place, forgets nothing
	if !anyHeld(rc, pair(3)) || len(rc.set) != 4 || len(rc.ring) != 4 {
		t.Errorf("adding a held client changed the ring: %d hashes, %d slots, want 4 and 4", len(rc.set), len(rc.ring))
	}
	rc.add(pair(6), nil, 0) // forgets client 2, remembered from its first addition
	if anyHeld(rc, pair(2)) || !anyHeld(rc, pair(3)) {
		t.Error("the ring did not forget client 2 at its first addition's turn")
	}
	if !holds(rc, "inst", "client-3") || holds(rc, "inst", "client-9") || holds(rc, "other-inst", "client-3") {
		t.Error("holds disagrees with the ring: want client 3 of inst only")
	}

	if rc.lookingUp() {
		t.Error("a batch is looked up before any miss")
	}
	rc.missed()
	for i := range rewriteBackoff {
		if !rc.lookingUp() {
			t.Fatalf("batch %d after a miss was not looked up", i+1)
		}
	}
	if rc.lookingUp() {
		t.Errorf("batches after the backoff of %d are still looked up", rewriteBackoff)
	}

	var none *recentClients // SQLite's writer has no ring: everything may be stored
	none.add(pair(1), nil, 0)
	none.missed()
	if !none.lookingUp() {
		t.Error("a nil ring does not have the whole batch looked up")
	}
}

// TestRecentClientsMemory: the ring says which capture times it may have
// forgotten: before it began, and then up to when the last pair it
// forgot was added.
func TestRecentClientsMemory(t *testing.T) {
	clock := time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC)
	rc := newRecentClients(2, func() time.Time { return clock })
	began := clock
	pair := func(i int) []uint64 { return rc.hashes([]string{"inst"}, []string{fmt.Sprint("client-", i)}) }
	check := func(when string, captured time.Time, want bool) {
		t.Helper()
		if got := rc.mayHaveForgotten(captured); got != want {
			t.Errorf("%s: mayHaveForgotten(%s) = %v, want %v", when, captured.Format(time.TimeOnly), got, want)
		}
	}
	check("empty ring", began.Add(-time.Second), true)
	check("empty ring", began, false)
	check("empty ring", time.Time{}, false) // no capture time: the writer decides

	clock = began.Add(10 * time.Second)
	rc.add(pair(1), nil, 0)
	clock = began.Add(20 * time.Second)
	rc.add(pair(2), nil, 0)
	check("full ring", began.Add(-time.Second), true)
	check("full ring", began.Add(5*time.Second), false) // nothing forgotten yet

	clock = began.Add(30 * time.Second)
	rc.add(pair(3), nil, 0) // forgets client 1, added at +10 s
	check("after one wrap", began.Add(10*time.Second), true)
	// Stored after +10 s: held, not forgotten.
	check("after one wrap", began.Add(10*time.Second+time.Nanosecond), false)
	rc.add(pair(2), nil, 0) // held: keeps its place, forgets nothing
	check("after a held pair", began.Add(11*time.Second), false)
	clock = began.Add(40 * time.Second)
	rc.add(pair(4), nil, 0) // forgets client 2, added at +20 s
	check("after two wraps", began.Add(20*time.Second), true)
	check("after two wraps", began.Add(21*time.Second), false)

	// The clock steps back to +5 s: what is captured now is not sent to a
	// lookup, and forgetting pairs added at +5 s does not shrink the
	// memory back to them.
	clock = began.Add(5 * time.Second)
	check("after the clock stepped back", began.Add(5*time.Second), false)
	check("after the clock stepped back", began.Add(4*time.Second), true)
	for i := 5; i <= 7; i++ {
		rc.add(pair(i), nil, 0) // forgets clients 3 (+30 s), 4 (+40 s), then 5 (+5 s)
	}
	clock = began.Add(50 * time.Second)
	check("after forgetting a pair added at +5 s", began.Add(40*time.Second), true)
	check("after forgetting a pair added at +5 s", began.Add(41*time.Second), false)

	var none *recentClients
	if none.mayHaveForgotten(began) {
		t.Error("a nil ring (SQLite) sends responses to a lookup before the queue")
	}
}

// TestRecentClientsReceipts: the ring answers a resend with the receipt
// it remembers for the pair, and with nothing when it does not know it:
// a pair added without one, another pair, a pair whose receipt it dropped
// (its response was deleted) or forgot with the pair, or a pair whose
// hash in the ring collides with another's (the check hash differs).
func TestRecentClientsReceipts(t *testing.T) {
	clock := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	rc := newRecentClients(2, func() time.Time { return clock })
	const id1, id2, id3 = "01a22969-3895-798e-bbc0-709f24b3f767", "01a22969-3896-749d-b78f-bb7872ebbd0c", "01a22969-3897-7000-8000-000000000003"
	remember := func(client, id, receipt string) { rc.remember("inst", client, id, receipt, rc.deletionsSeen()) }
	want := func(what, client, id, receipt string) {
		t.Helper()
		gotID, gotReceipt, _ := rc.answer("inst", client)
		if gotID != id || gotReceipt != receipt {
			t.Errorf("%s: answer = %q %q, want %q %q", what, gotID, gotReceipt, id, receipt)
		}
	}
	rc.add(rc.hashes([]string{"inst"}, []string{"a"}), nil, 0)
	want("a pair held without its receipt", "a", "", "")
	remember("a", id1, "SKM-AB23-CD45") // held: now with its receipt
	want("a held pair given its receipt", "a", id1, "SKM-AB23-CD45")
	want("a pair the ring does not hold", "b", "", "")
	if id, _, _ := rc.answer("other-inst", "a"); id != "" {
		t.Error("the pair of another institution was answered")
	}
	if rc.receiptOf("inst", "c", "not-an-id", "SKM-AB23-CD45").known || rc.receiptOf("inst", "c", strings.ToUpper(id1), "SKM-AB23-CD45").known ||
		rc.receiptOf("inst", "c", id1, "SKM-AB23CD45").known {
		t.Error("an id or receipt of another form was remembered")
	}

	rc.forgetReceipt("inst", "a") // its response was deleted
	want("a pair whose receipt was dropped", "a", "", "")
	if !holds(rc, "inst", "a") {
		t.Error("dropping a receipt dropped the pair")
	}
	// A receipt read from the database before a deletion is not kept.
	seen := rc.deletionsSeen()
	rc.forgetReceipt("inst", "x")
	rc.remember("inst", "a", id1, "SKM-AB23-CD45", seen)
	want("a receipt read before a deletion", "a", "", "")
	remember("a", id1, "SKM-AB23-CD45")
	want("a receipt read after it", "a", id1, "SKM-AB23-CD45")
	// Past receiptAge after its pair was added, a receipt is looked up.
	clock = clock.Add(receiptAge)
	want("a receipt of receiptAge", "a", "", "")
	if !holds(rc, "inst", "a") {
		t.Error("an old receipt dropped the pair")
	}
	clock = clock.Add(-receiptAge)

	// A collision: b's slot answers only for b.
	remember("b", id2, "SKM-EF67-GH89")
	slot := rc.set[rc.hashes([]string{"inst"}, []string{"b"})[0]]
	rc.receipts[slot].check++ // as if another pair had b's hash in the ring
	want("a pair whose check hash differs", "b", "", "")
	remember("b", id2, "SKM-EF67-GH89")
	want("b again", "b", id2, "SKM-EF67-GH89")

	remember("c", id3, "SKM-JK23-MN45") // a ring of two forgets a, and its receipt
	want("a forgotten pair", "a", "", "")
	want("the newest pair", "c", id3, "SKM-JK23-MN45")

	var none *recentClients // SQLite's writer: no memory
	if id, _, held := none.answer("inst", "c"); id != "" || held || none.receiptOf("inst", "c", id3, "SKM-JK23-MN45").known {
		t.Error("a nil ring answered")
	}
	none.forgetReceipt("inst", "c")
}

// holds says whether the ring holds the pair (inst, client).
func holds(rc *recentClients, inst, client string) bool {
	_, _, held := rc.answer(inst, client)
	return held
}
