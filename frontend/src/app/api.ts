// The manager's API client: bearer token from login kept in sessionStorage,
// the CSRF header on every request, problem+json turned into ApiError.
import { lang } from './i18n'

const TOKEN = 'suara.token'

export class ApiError extends Error {
  constructor(public status: number, message: string, public body: any = null) { super(message) }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN) || '',
  set: (t: string) => sessionStorage.setItem(TOKEN, t),
  clear: () => sessionStorage.removeItem(TOKEN),
}

export let onUnauthorized: () => void = () => {}
export function setUnauthorized(f: () => void) { onUnauthorized = f }

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'X-Requested-With': 'suara', 'Accept-Language': lang(), Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const t = token.get()
  if (t) headers.Authorization = `Bearer ${t}`
  let res: Response
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, lang() === 'en' ? 'No connection to the server.' : 'Tidak ada koneksi ke server.')
  }
  const text = await res.text()
  let data: any = null
  try { data = text ? JSON.parse(text) : null } catch { data = null }
  if (!res.ok) {
    if (res.status === 401 && !path.endsWith('/auth/login')) onUnauthorized()
    const msg = data?.errors?.length ? data.errors.map((e: any) => e.message).join(' ') : data?.detail || data?.title || `HTTP ${res.status}`
    throw new ApiError(res.status, msg, data)
  }
  return data as T
}

// missing: the route is not on this server yet (the backend ships them one by one).
export const missing = (e: unknown) => e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501)

export function qs(p: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v))
  const q = u.toString()
  return q ? '?' + q : ''
}

export interface Unit { id: string; parent_id: string | null; name: string; code: string; timezone: string; depth: number }
export interface User { id: string; email: string; role: 'admin' | 'manager' | 'viewer'; unit_ids: string[]; disabled: boolean }
export interface Element { code: string; name: string; nrr: number | null; nrr_weighted: number | null; index: number | null; respondents: number; grade: string | null; priority: boolean }
export interface IKM {
  unit_id: string; from: string; to: string; respondents: number; ikm: number | null; index: number | null
  grade: string | null; performance: string | null; elements: Element[]
  sample: { population: number; required: number; collected: number; adequate: boolean; warning: string | null }
  ci95: [number, number] | null; method: string; non_standard: boolean; weakest: string[]; warnings: string[]
}
export interface Summary { respondents: number; ikm: number | null; grade: string | null; performance: string | null }
export interface SeriesPoint extends Summary { from: string; to: string; ci95: number[] | null }
export interface Child extends Summary { unit_id: string; name: string; code: string; last_response_day: string | null }
export interface FollowUp { id: string; unit_id: string; element: string; activity: string; owner: string; due: string; status: string; result: string }
export interface Survey { id: string; unit_id: string; template_version_id: string; title: string; slug: string; url: string; starts_on: string; ends_on: string; population: number; required_sample: number; closed: boolean }
