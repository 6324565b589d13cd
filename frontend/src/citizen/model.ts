// The citizen's answers while the form is open, and the rules the server
// applies to them (domain.TemplateVersion.CheckAnswers), checked here first
// so that most mistakes are caught before anything is sent.
import type { FieldError, Payload, Question, SurveyForm } from './types'

export const MAX_COMMENT = 1000

export interface Draft {
  client_id: string
  answers: Record<string, number> // element code → 1..4
  profile: Record<string, string> // profile code → value as typed or chosen
  comment: string
  unit_id: string
  service_id: string
}

// uuid returns a version-7 UUID (RFC 9562): the Unix time in milliseconds,
// then random bits. The server keeps a unique index on client ids; ids
// that grow with time land next to each other there, where random ones
// would each touch a random page of it, which costs a read and a write
// once the index outgrows the database's memory (docs/performance.md).
export function uuid(now = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16))
  for (let i = 5, t = now; i >= 0; i--, t = Math.floor(t / 256)) b[i] = t % 256
  b[6] = (b[6] & 0x0f) | 0x70
  b[8] = (b[8] & 0x3f) | 0x80
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

export const newDraft = (): Draft => ({ client_id: uuid(), answers: {}, profile: {}, comment: '', unit_id: '', service_id: '' })

// fieldOf names a question the way the API names it in field errors.
export const fieldOf = (q: Question) =>
  q.kind === 'element' ? `answers.${q.code}` : q.kind === 'text' ? 'comment' : `profile.${q.code}`

export const elements = (f: SurveyForm) => f.questions.filter((q) => q.kind === 'element')

// rfc3339 writes a local time with the device's offset (…T09:41:00+07:00),
// so the server counts the answer in the day the citizen gave it.
export function rfc3339(d: Date): string {
  const p = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, '0')
  const off = -d.getTimezoneOffset()
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `${off >= 0 ? '+' : '-'}${p(off / 60)}:${p(off % 60)}`
}

export function toPayload(f: SurveyForm, d: Draft, capturedAt: Date): Payload {
  const profile: Payload['profile'] = {}
  for (const q of f.questions) {
    const v = d.profile[q.code]
    if (v === undefined || v === '') continue
    if (q.kind === 'number') profile[q.code] = Number(v)
    else if (q.kind === 'choice') profile[q.code] = v
  }
  const p: Payload = { client_id: d.client_id, profile, answers: { ...d.answers }, captured_at: rfc3339(capturedAt) }
  if (d.unit_id) p.unit_id = d.unit_id
  if (d.service_id) p.service_id = d.service_id
  if (d.comment.trim()) p.comment = d.comment.trim()
  return p
}

// fromPayload puts a queued submission back into the form, for when the
// server rejects it after the page was reloaded.
export const fromPayload = (p: Payload): Draft => ({
  client_id: uuid(),
  answers: { ...p.answers },
  profile: Object.fromEntries(Object.entries(p.profile).map(([k, v]) => [k, String(v)])),
  comment: p.comment ?? '',
  unit_id: p.unit_id ?? '',
  service_id: p.service_id ?? '',
})

export function validate(f: SurveyForm, d: Draft): FieldError[] {
  const errs: FieldError[] = []
  for (const q of f.questions) {
    const field = fieldOf(q)
    if (q.kind === 'element') {
      if (q.required && !d.answers[q.code]) errs.push({ field, code: 'required' })
    } else if (q.kind === 'text') {
      if (q.required && !d.comment.trim()) errs.push({ field, code: 'required' })
      else if ([...d.comment].length > (q.max || MAX_COMMENT)) errs.push({ field, code: 'max_len' })
    } else {
      const v = (d.profile[q.code] ?? '').trim()
      if (!v) {
        if (q.required) errs.push({ field, code: 'required' })
      } else if (q.kind === 'number') {
        const n = Number(v)
        if (!/^\d+$/.test(v) || n < (q.min ?? 0) || (q.max !== undefined && q.max > 0 && n > q.max)) errs.push({ field, code: 'out_of_range' })
      }
    }
  }
  return errs
}
