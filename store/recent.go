package store

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/google/uuid"
)

// recentClients remembers the (institution, client id) pairs that this
// process's writer stored or answered lately, as 64-bit hashes in a ring
// of fixed size. A resend of a pair the ring holds is answered as a replay
// before the writer's queue, from the ring or after a lookup
// (Writer.answerResend). Batches
// are written without asking first, and the unique index on
// (institution_id, client_id) catches what the ring missed: a resend after
// a restart, past the ring, or stored by another replica breaks the
// index, and the batch is then written again after a lookup. The index
// decides; the ring only saves the round trip of asking first.
//
// The ring also knows how far back it remembers: a response captured
// before the ring began, or no later than the last pair it forgot was
// added, may have been stored and forgotten, so it is looked up before
// the queue too (mayHaveForgotten). In a burst of 8,000 responses/s the ring
// holds 16 s; without that, every resend of an older response broke a
// whole batch on the unique index (docs/performance.md).
//
// With each pair the ring keeps the stored response's id and receipt,
// which is all a resend is answered with, so that a resend it holds costs
// no round trip at all (answer) for receiptAge after the pair was added.
// The database is asked when the ring does not know them: a pair it
// forgot, one older than that, or one whose response was deleted in this
// process (forgetReceipt; a receipt read from the database while a
// deletion ran is not kept, see deletions). receiptAge bounds how long
// another replica, which a deletion here does not reach, answers a
// deleted response's resends from its memory.
type recentClients struct {
	mu        sync.Mutex
	seed      maphash.Seed
	check     maphash.Seed // of storedReceipt.check
	now       func() time.Time
	ring      []uint64
	added     []int64         // when each pair of ring was added, in Unix nanoseconds
	receipts  []storedReceipt // what each pair of ring was stored as
	memory    int64           // what was stored before this may be forgotten: when the ring began, then after the last pair it forgot
	next      int
	set       map[uint64]int32 // the hashes in ring, each once, and where
	lookupAll int              // batches still to be looked up before they are written (missed)
	// deletions counts forgetReceipt's calls: a caller that read receipts
	// from the database passes the count it saw before reading, and add
	// keeps none of them if a deletion came in between.
	deletions uint64
}

// receiptAge is how long after its pair was added a receipt answers a
// resend from memory: the resends of a burst come within seconds.
const receiptAge = 10 * time.Minute

// storedReceipt is what a resend is answered with: the stored response's
// id and receipt (SKM-XXXX-XXXX, its eight letters). check is a second
// hash of the pair, with another seed, so that two pairs whose hashes in
// the ring collide never answer for each other. 40 bytes a pair.
type storedReceipt struct {
	check   uint64
	id      uuid.UUID
	receipt [8]byte
	known   bool
}

// rewriteBackoff is how many batches are looked up after one that the
// ring let through broke the unique index: resends the ring cannot know
// (a flood of old client ids, or another replica's) then cost about one
// rewritten batch in this many (one per committer that let its batch
// through at the same time), and a lookup in the others, as before the
// ring.
const rewriteBackoff = 64

// newRecentClients makes a ring of size pairs on the clock now (the
// store's, which also bounds the responses' capture times).
func newRecentClients(size int, now func() time.Time) *recentClients {
	return &recentClients{seed: maphash.MakeSeed(), check: maphash.MakeSeed(), now: now, memory: now().UnixNano(),
		ring: make([]uint64, 0, size), added: make([]int64, 0, size), receipts: make([]storedReceipt, 0, size),
		set: make(map[uint64]int32, size)}
}

// receiptOf is what answers a resend of the pair (inst, client) stored as
// response id with receipt; its known is false for a nil ring, or an id
// or receipt of another form than the writer's (which answer would not
// give back byte for byte).
func (rc *recentClients) receiptOf(inst, client, id, receipt string) storedReceipt {
	if rc == nil {
		return storedReceipt{}
	}
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id || len(receipt) != len("SKM-XXXX-XXXX") || receipt[:4] != "SKM-" || receipt[8] != '-' {
		return storedReceipt{}
	}
	r := storedReceipt{check: pairHash(rc.check, inst, client), id: u, known: true}
	copy(r.receipt[:4], receipt[4:8])
	copy(r.receipt[4:], receipt[9:])
	return r
}

// remember adds the pair (inst, client), stored as response id with
// receipt, as add does.
func (rc *recentClients) remember(inst, client, id, receipt string, seen uint64) {
	if rc == nil {
		return
	}
	rc.add([]uint64{pairHash(rc.seed, inst, client)}, []storedReceipt{rc.receiptOf(inst, client, id, receipt)}, seen)
}

// answer says whether the ring holds the pair (inst, client) and returns
// the id and receipt of its stored response when it knows them ("" when
// not): one hash and one lock for every submission.
func (rc *recentClients) answer(inst, client string) (id, receipt string, held bool) {
	if rc == nil {
		return "", "", false
	}
	h := pairHash(rc.seed, inst, client)
	now := rc.now().UnixNano()
	rc.mu.Lock()
	slot, held := rc.set[h]
	var r storedReceipt
	if held && now-rc.added[slot] < int64(receiptAge) {
		r = rc.receipts[slot]
	}
	rc.mu.Unlock()
	if !r.known || r.check != pairHash(rc.check, inst, client) {
		return "", "", held
	}
	return r.id.String(), "SKM-" + string(r.receipt[:4]) + "-" + string(r.receipt[4:]), true
}

// forgetReceipt drops what the ring knows of the pair's stored response
// (its response was deleted): a resend is looked up again. The pair
// stays held.
func (rc *recentClients) forgetReceipt(inst, client string) {
	if rc == nil {
		return
	}
	h := pairHash(rc.seed, inst, client)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.deletions++
	if slot, held := rc.set[h]; held {
		rc.receipts[slot] = storedReceipt{}
	}
}

// deletionsSeen returns the count of deletions to pass to add with
// receipts read from the database after this call.
func (rc *recentClients) deletionsSeen() uint64 {
	if rc == nil {
		return 0
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.deletions
}

// hashes returns the keys of the pairs (insts[i], clients[i]) for holds
// and add (nil for a nil ring).
func (rc *recentClients) hashes(insts, clients []string) []uint64 {
	if rc == nil {
		return nil
	}
	hs := make([]uint64, len(insts))
	for i := range insts {
		hs[i] = pairHash(rc.seed, insts[i], clients[i])
	}
	return hs
}

// pairHash hashes the pair (inst, client) with seed.
func pairHash(seed maphash.Seed, inst, client string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(inst)
	h.WriteByte(0)
	h.WriteString(client)
	return h.Sum64()
}

// holdsAny says whether the ring holds any of the keys hs (false for a nil
// ring).
func (rc *recentClients) holdsAny(hs []uint64) bool {
	if rc == nil {
		return false
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, h := range hs {
		if _, ok := rc.set[h]; ok {
			return true
		}
	}
	return false
}

// mayHaveForgotten says whether a response captured at captured may have
// been stored before the ring's memory begins (false for a nil ring or a
// zero time). A pair is added after its response was captured, so a
// response captured later than the last pair the ring forgot is held,
// new, or stored where this ring could not see it: by another replica or
// process, by a flight whose acknowledgement was lost, or with another
// capture time (a phone whose clock runs ahead; a client that sends none
// gets the server's time). The unique index catches those, as before.
// The memory is capped at the clock's reading: after the clock stepped
// back, responses captured now are not all sent to a lookup.
func (rc *recentClients) mayHaveForgotten(captured time.Time) bool {
	if rc == nil || captured.IsZero() {
		return false
	}
	now := rc.now().UnixNano()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return captured.UnixNano() < min(rc.memory, now)
}

// lookingUp says whether the next batch is to be looked up before it is
// written: after a miss the ring backs off (missed).
func (rc *recentClients) lookingUp() bool {
	if rc == nil {
		return true // nothing remembered: ask first
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.lookupAll > 0 {
		rc.lookupAll--
		return true
	}
	return false
}

// add remembers the pairs, forgetting the oldest beyond the ring's size,
// and what each was stored as (stored: nil, or one per pair), unless a
// deletion came after deletionsSeen returned seen. A pair already held
// keeps its place: it is remembered from its first addition.
func (rc *recentClients) add(hs []uint64, stored []storedReceipt, seen uint64) {
	if rc == nil {
		return
	}
	now := rc.now().UnixNano()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.deletions != seen {
		stored = nil
	}
	for i, h := range hs {
		var r storedReceipt
		if stored != nil {
			r = stored[i]
		}
		if slot, held := rc.set[h]; held {
			if stored != nil {
				rc.receipts[slot] = r
			}
			continue
		}
		var slot int
		if len(rc.ring) < cap(rc.ring) {
			slot = len(rc.ring)
			rc.ring = append(rc.ring, h)
			rc.added = append(rc.added, now)
			rc.receipts = append(rc.receipts, r)
		} else {
			slot = rc.next
			delete(rc.set, rc.ring[slot])
			rc.memory = max(rc.memory, rc.added[slot]+1)
			rc.ring[slot], rc.added[slot], rc.receipts[slot] = h, now, r
			rc.next = (rc.next + 1) % cap(rc.ring)
		}
		rc.set[h] = int32(slot)
	}
}

// missed records that a batch the ring let through held a stored client
// id; the next rewriteBackoff batches are looked up.
func (rc *recentClients) missed() {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	rc.lookupAll = rewriteBackoff
	rc.mu.Unlock()
}
