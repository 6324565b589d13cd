// The outbox: every submission is written to IndexedDB before it is sent,
// and leaves it only when the server has answered 200/201 or rejected it
// for good. Retries reuse the same client_id, so the server stores it once.
import { send, type SendResult } from './api'
import type { Payload, Problem } from './types'

export interface Item {
  client_id: string
  slug: string
  payload: Payload
  attempts: number
  next_at: number // epoch ms of the next try
}

export type OutboxEvent =
  | { type: 'sent'; item: Item; receipt: string }
  | { type: 'waiting'; item: Item }
  | { type: 'rejected'; item: Item; problem: Problem }
  | { type: 'count'; n: number }

const BASE_MS = 2_000
const MAX_MS = 5 * 60_000

// backoff is exponential with jitter (half to full of the step), so that
// many phones coming back online together do not retry in lockstep.
export const backoff = (attempts: number) => {
  const step = Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1))
  return step / 2 + Math.random() * (step / 2)
}

// --- storage: IndexedDB, or memory where it is unavailable ---------------

const DB = 'suara'
const STORE = 'outbox'
const memory = new Map<string, Item>()
let dbp: Promise<IDBDatabase | null> | undefined

function db(): Promise<IDBDatabase | null> {
  return (dbp ??= new Promise((resolve) => {
    try {
      const req = indexedDB.open(DB, 1)
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'client_id' })
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => resolve(null)
    } catch {
      resolve(null)
    }
  }))
}

async function tx<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest, fallback: () => T): Promise<T> {
  const d = await db()
  if (!d) return fallback()
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode)
    const req = op(t.objectStore(STORE))
    t.oncomplete = () => resolve(req.result as T)
    t.onerror = () => reject(t.error)
  })
}

export const all = () => tx<Item[]>('readonly', (s) => s.getAll(), () => [...memory.values()])
const put = (it: Item) => tx('readwrite', (s) => s.put(it), () => void memory.set(it.client_id, it))
const remove = (id: string) => tx('readwrite', (s) => s.delete(id), () => void memory.delete(id))

// --- sending ----------------------------------------------------------------

const listeners: ((e: OutboxEvent) => void)[] = []
export const onOutbox = (f: (e: OutboxEvent) => void) => listeners.push(f)
const emit = (e: OutboxEvent) => listeners.forEach((f) => f(e))

const inflight = new Set<string>()
let timer: ReturnType<typeof setTimeout> | undefined

async function attempt(it: Item): Promise<SendResult> {
  inflight.add(it.client_id)
  try {
    const r = await send(it.slug, it.payload)
    if (r.kind === 'sent') {
      await remove(it.client_id)
      emit({ type: 'sent', item: it, receipt: r.receipt })
    } else if (r.kind === 'rejected') {
      await remove(it.client_id)
      emit({ type: 'rejected', item: it, problem: r.problem })
    } else {
      it.attempts++
      it.next_at = Date.now() + Math.max(r.afterMs ?? 0, backoff(it.attempts))
      await put(it)
      emit({ type: 'waiting', item: it })
    }
    return r
  } finally {
    inflight.delete(it.client_id)
    await count()
  }
}

async function count() {
  const items = await all()
  emit({ type: 'count', n: items.length })
  schedule(items)
}

function schedule(items: Item[]) {
  clearTimeout(timer)
  const next = Math.min(...items.map((i) => i.next_at))
  if (Number.isFinite(next)) timer = setTimeout(() => flush(false), Math.max(0, next - Date.now()))
}

// submit stores the answers first (so a crash or a closed tab loses
// nothing), then makes the first attempt.
export async function submit(slug: string, payload: Payload): Promise<SendResult> {
  const it: Item = { client_id: payload.client_id, slug, payload, attempts: 0, next_at: Date.now() }
  await put(it)
  return attempt(it)
}

// flush tries the queued answers: all of them when `now` (page load, the
// network came back), otherwise only those whose back-off has passed.
export async function flush(now = true): Promise<void> {
  const run = async () => {
    for (const it of await all()) {
      if (inflight.has(it.client_id) || (!now && it.next_at > Date.now())) continue
      await attempt(it)
    }
    await count()
  }
  // One tab at a time; another tab holding the lock is already sending.
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  if (locks) await locks.request('suara-outbox', { ifAvailable: true }, (l) => (l ? run() : undefined))
  else await run()
}
