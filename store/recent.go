package store

import (
	"hash/maphash"
	"sync"
)

// recentClients remembers the (institution, client id) pairs that this
// process's writer stored or answered lately, as 64-bit hashes in a ring
// of fixed size. A resend of a pair the ring holds is looked up before the
// writer's queue and answered as a replay (Writer.answerResend). Batches
// are written without asking first, and the unique index on
// (institution_id, client_id) catches what the ring missed: a resend after
// a restart, past the ring, or stored by another replica breaks the
// index, and the batch is then written again after a lookup. The index
// decides; the ring only saves the round trip of asking first.
type recentClients struct {
	mu        sync.Mutex
	seed      maphash.Seed
	ring      []uint64
	next      int
	set       map[uint64]struct{} // the hashes in ring, each once
	lookupAll int                 // batches still to be looked up before they are written (missed)
}

// rewriteBackoff is how many batches are looked up after one that the
// ring let through broke the unique index: resends the ring cannot know
// (a flood of old client ids, or another replica's) then cost about one
// rewritten batch in this many (one per committer that let its batch
// through at the same time), and a lookup in the others, as before the
// ring.
const rewriteBackoff = 64

func newRecentClients(size int) *recentClients {
	return &recentClients{seed: maphash.MakeSeed(), ring: make([]uint64, 0, size), set: make(map[uint64]struct{}, size)}
}

// hashes returns the keys of the pairs (insts[i], clients[i]) for holds
// and add (nil for a nil ring).
func (rc *recentClients) hashes(insts, clients []string) []uint64 {
	if rc == nil {
		return nil
	}
	hs := make([]uint64, len(insts))
	var h maphash.Hash
	h.SetSeed(rc.seed)
	for i := range insts {
		h.Reset()
		h.WriteString(insts[i])
		h.WriteByte(0)
		h.WriteString(clients[i])
		hs[i] = h.Sum64()
	}
	return hs
}

// holds says whether the ring holds the pair (inst, client).
func (rc *recentClients) holds(inst, client string) bool {
	h := rc.hashes([]string{inst}, []string{client})[0]
	rc.mu.Lock()
	defer rc.mu.Unlock()
	_, ok := rc.set[h]
	return ok
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

// add remembers the pairs, forgetting the oldest beyond the ring's size.
// A pair already held keeps its place: it is remembered from its first
// addition.
func (rc *recentClients) add(hs []uint64) {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, h := range hs {
		if _, held := rc.set[h]; held {
			continue
		}
		if len(rc.ring) < cap(rc.ring) {
			rc.ring = append(rc.ring, h)
		} else {
			delete(rc.set, rc.ring[rc.next])
			rc.ring[rc.next] = h
			rc.next = (rc.next + 1) % cap(rc.ring)
		}
		rc.set[h] = struct{}{}
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
