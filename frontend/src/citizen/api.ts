// The two public calls, with every outcome sorted into what the page does
// next: show, retry later, or give up and show why.
import type { Payload, Problem, SurveyForm } from './types'
import { getLang } from './i18n'

const TIMEOUT_MS = 15_000
const base = (slug: string) => `/api/v1/public/surveys/${encodeURIComponent(slug)}`

export type FormResult = { ok: true; form: SurveyForm } | { ok: false; status: number } // status 0: no network

export type SendResult =
  | { kind: 'sent'; id: string; receipt: string }
  | { kind: 'retry'; afterMs?: number } // offline, timeout, 408, 429, 5xx
  | { kind: 'rejected'; problem: Problem } // any other 4xx: resending would not help

// fetchWithTimeout aborts a request that hangs, as it does on a weak
// signal, so that the answer goes back to the queue instead of waiting.
async function fetchWithTimeout(url: string, init: RequestInit): Promise<Response> {
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS)
  try {
    return await fetch(url, { ...init, signal: ctl.signal })
  } finally {
    clearTimeout(timer)
  }
}

const headers = (extra: Record<string, string> = {}) => ({ Accept: 'application/json', 'Accept-Language': getLang(), ...extra })

// deviceToken is a random id this browser keeps, sent with each answer so
// the server can limit submissions per device (many phones share one IP
// behind a carrier's NAT). It names no person and the server stores it
// nowhere. In private mode it lasts for the page only.
const DEVICE_KEY = 'suara.device'
let device = ''
export function deviceToken(): string {
  if (device) return device
  try { device = localStorage.getItem(DEVICE_KEY) ?? '' } catch { /* private mode */ }
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(device)) {
    const b = new Uint8Array(16)
    crypto.getRandomValues(b)
    device = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
    try { localStorage.setItem(DEVICE_KEY, device) } catch { /* private mode: page only */ }
  }
  return device
}

export async function loadForm(slug: string): Promise<FormResult> {
  try {
    const res = await fetchWithTimeout(base(slug), { headers: headers() })
    if (!res.ok) return { ok: false, status: res.status }
    return { ok: true, form: (await res.json()) as SurveyForm }
  } catch {
    return { ok: false, status: 0 }
  }
}

export async function send(slug: string, payload: Payload): Promise<SendResult> {
  let res: Response
  try {
    res = await fetchWithTimeout(`${base(slug)}/responses`, {
      method: 'POST',
      headers: headers({ 'Content-Type': 'application/json', 'X-Suara-Device': deviceToken() }),
      body: JSON.stringify(payload),
    })
  } catch {
    return { kind: 'retry' }
  }
  if (res.status === 200 || res.status === 201) {
    const body = await res.json().catch(() => ({}))
    return { kind: 'sent', id: String(body.id ?? ''), receipt: String(body.receipt ?? '') }
  }
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    return { kind: 'retry', afterMs: retryAfter(res.headers.get('Retry-After')) }
  }
  return { kind: 'rejected', problem: await problem(res) }
}

async function problem(res: Response): Promise<Problem> {
  const p = await res.json().catch(() => null)
  return p && typeof p === 'object' ? { ...p, status: res.status } : { status: res.status, title: res.statusText }
}

// retryAfter reads seconds or an HTTP date.
export function retryAfter(v: string | null): number | undefined {
  if (!v) return undefined
  const s = Number(v)
  const ms = Number.isFinite(s) ? s * 1000 : Date.parse(v) - Date.now()
  return Number.isFinite(ms) && ms > 0 ? ms : undefined
}
