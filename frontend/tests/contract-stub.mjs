#!/usr/bin/env node
// A stand-in for the `suara` binary that speaks the slice of shared/API.md
// the end-to-end tests use, for working on the frontend without a Go
// build: SUARA_BIN=tests/contract-stub.mjs npm test. It is not the
// server: the tests' real target is bin/suara, and CI runs only that.
// State lives in the --db file as JSON; serves ../dist like the Go server
// (CSP, gzip, /s/* → survey.html).
import http from 'node:http'
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs'
import { join, extname, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import { gzipSync } from 'node:zlib'

const args = process.argv.slice(2)
const flag = (n, d) => { const i = args.indexOf('--' + n); return i >= 0 ? args[i + 1] : d }
const dbPath = flag('db', './stub.json')
const load = () => (existsSync(dbPath) ? JSON.parse(readFileSync(dbPath, 'utf8')) : { users: [], units: [], surveys: [], responses: [] })
const save = (s) => writeFileSync(dbPath, JSON.stringify(s))

if (args[0] === 'admin') {
  const s = load()
  s.users.push({ email: flag('email'), password: flag('password') })
  save(s)
  process.exit(0)
}
if (args[0] !== 'serve') { console.error('usage: serve|admin create'); process.exit(2) }

const dist = resolve(import.meta.dirname, '../dist')
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
const el = (n, element, id, opts) => ({ code: 'U' + n, kind: 'element', element, required: true, label: { id, en: `Question ${n} in English` },
  options: opts.map((o, i) => ({ value: String(i + 1), label: { id: o, en: o + ' (en)' } })) })
const suit = ['Tidak sesuai', 'Kurang sesuai', 'Sesuai', 'Sangat sesuai']
const QUESTIONS = [
  el(1, 'persyaratan', 'Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?', suit),
  el(2, 'prosedur', 'Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?', ['Tidak mudah', 'Kurang mudah', 'Mudah', 'Sangat mudah']),
  el(3, 'waktu', 'Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?', ['Tidak cepat', 'Kurang cepat', 'Cepat', 'Sangat cepat']),
  el(4, 'biaya', 'Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?', ['Sangat mahal', 'Cukup mahal', 'Murah', 'Gratis']),
  el(5, 'produk', 'Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?', suit),
  el(6, 'kompetensi', 'Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?', ['Tidak kompeten', 'Kurang kompeten', 'Kompeten', 'Sangat kompeten']),
  el(7, 'perilaku', 'Bagaimana pendapat Saudara perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?', ['Tidak sopan dan ramah', 'Kurang sopan dan ramah', 'Sopan dan ramah', 'Sangat sopan dan ramah']),
  el(8, 'sarpras', 'Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?', ['Buruk', 'Cukup', 'Baik', 'Sangat Baik']),
  el(9, 'pengaduan', 'Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?', ['Tidak ada', 'Ada tetapi tidak berfungsi', 'Berfungsi kurang maksimal', 'Dikelola dengan baik']),
  { code: 'gender', kind: 'choice', element: 'gender', required: false, label: { id: 'Jenis kelamin', en: 'Gender' },
    options: [['male', 'Laki-laki', 'Male'], ['female', 'Perempuan', 'Female']].map(([value, id, en]) => ({ value, label: { id, en } })) },
  { code: 'age', kind: 'number', element: 'age', required: false, label: { id: 'Usia (tahun)', en: 'Age (years)' }, min: 15, max: 100 },
  { code: 'education', kind: 'choice', element: 'education', required: false, label: { id: 'Pendidikan terakhir', en: 'Highest education' },
    options: ['SD', 'SMP', 'SMA', 'D1–D3', 'S1', 'S2', 'S3'].map((x) => ({ value: x.toLowerCase(), label: { id: x, en: x } })) },
  { code: 'occupation', kind: 'choice', element: 'occupation', required: false, label: { id: 'Pekerjaan', en: 'Occupation' },
    options: ['PNS', 'TNI', 'POLRI', 'Swasta', 'Wirausaha', 'Lainnya'].map((x) => ({ value: x.toLowerCase(), label: { id: x, en: x } })) },
  { code: 'comment', kind: 'text', required: false, label: { id: 'Saran dan masukan', en: 'Suggestions and feedback' }, max: 1000 },
]
const today = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10)
const st = load()
const tokens = new Set()
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' }

function send(req, res, status, body, type = 'application/json') {
  let buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
  const h = { 'Content-Type': type, 'Content-Security-Policy': CSP, Vary: 'Accept-Encoding' }
  if (/gzip/.test(req.headers['accept-encoding'] || '') && buf.length > 256) { buf = gzipSync(buf); h['Content-Encoding'] = 'gzip' }
  if (type === 'application/json' || type === 'application/problem+json') h['Cache-Control'] = 'no-store'
  res.writeHead(status, h).end(buf)
}
const problem = (req, res, status, extra = {}) => send(req, res, status, { type: 'about:blank', title: http.STATUS_CODES[status], status, ...extra }, 'application/problem+json')

function staticFile(req, res, path) {
  let file = join(dist, path)
  if (path.startsWith('/s/')) file = join(dist, 'survey.html')
  else if (path === '/' || path.startsWith('/app/') && !extname(path)) file = join(dist, path === '/' ? 'index.html' : 'app/index.html')
  if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) return problem(req, res, 404)
  const type = TYPES[extname(file)] || 'application/octet-stream'
  res.setHeader('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
  send(req, res, 200, readFileSync(file), type)
}

function check(sv, b) {
  const errors = []
  if (!/^[0-9a-f-]{36}$/i.test(b.client_id || '')) errors.push({ field: 'client_id', code: 'uuid', message: 'Harus berupa UUID.' })
  for (const q of QUESTIONS) {
    if (q.kind === 'element') {
      const v = b.answers?.[q.code]
      if (v === undefined) errors.push({ field: 'answers.' + q.code, code: 'required', message: 'Wajib diisi.' })
      else if (!Number.isInteger(v) || v < 1 || v > 4) errors.push({ field: 'answers.' + q.code, code: 'out_of_range', message: 'Nilai harus antara 1 dan 4.' })
    } else if (q.kind === 'choice' && b.profile?.[q.code] !== undefined && !q.options.some((o) => o.value === b.profile[q.code])) {
      errors.push({ field: 'profile.' + q.code, code: 'invalid_choice', message: 'Pilihan tidak dikenal.' })
    } else if (q.kind === 'number' && b.profile?.[q.code] !== undefined && !(b.profile[q.code] >= q.min && b.profile[q.code] <= q.max)) {
      errors.push({ field: 'profile.' + q.code, code: 'out_of_range', message: `Nilai harus antara ${q.min} dan ${q.max}.` })
    }
  }
  if ((b.comment || '').length > 1000) errors.push({ field: 'comment', code: 'max_len', message: 'Paling banyak 1000 karakter.' })
  return errors
}

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x')
  const p = url.pathname
  let body = ''
  for await (const c of req) body += c
  const json = () => (body ? JSON.parse(body) : {})
  const authed = () => tokens.has((req.headers.authorization || '').replace('Bearer ', ''))
  let m
  if (p === '/readyz' || p === '/healthz') return send(req, res, 200, { status: 'ok' })
  if (p === '/api/v1/auth/login' && req.method === 'POST') {
    const { email, password } = json()
    if (!load().users.some((u) => u.email === email && u.password === password)) return problem(req, res, 401)
    const token = randomUUID(); tokens.add(token)
    return send(req, res, 200, { token, user: { email, role: 'admin' } })
  }
  if ((m = p.match(/^\/api\/v1\/public\/surveys\/([^/]+)(\/responses)?$/))) {
    const sv = st.surveys.find((s) => s.slug === m[1])
    if (!sv) return problem(req, res, 404)
    if (sv.ends_on < today() || sv.starts_on > today()) return problem(req, res, 410, { detail: 'Survei ini sudah ditutup atau belum dibuka.' })
    if (!m[2] && req.method === 'GET') {
      const unit = st.units.find((u) => u.id === sv.unit_id)
      return send(req, res, 200, { survey: { id: sv.id, title: sv.title, starts_on: sv.starts_on, ends_on: sv.ends_on }, unit: { id: unit.id, name: unit.name }, units: [], services: [], questions: QUESTIONS })
    }
    if (m[2] && req.method === 'POST') {
      let b
      try { b = json() } catch { return problem(req, res, 400) }
      const seen = st.responses.find((r) => r.client_id === b.client_id && r.survey_id === sv.id)
      if (seen) return send(req, res, 200, { id: seen.id, receipt: seen.receipt })
      const errors = check(sv, b)
      if (errors.length) return problem(req, res, 422, { detail: 'Data yang dikirim tidak sah; lihat daftar kesalahan.', errors })
      const r = { id: randomUUID(), survey_id: sv.id, client_id: b.client_id, answers: b.answers, profile: Object.fromEntries(Object.entries(b.profile || {}).map(([k, v]) => [k, String(v)])),
        comment: b.comment || '', captured_at: b.captured_at, receipt: 'SKM-' + randomUUID().slice(0, 8).toUpperCase() }
      st.responses.push(r); save(st)
      return send(req, res, 201, { id: r.id, receipt: r.receipt })
    }
  }
  if (p.startsWith('/api/')) {
    if (!authed()) return problem(req, res, 401)
    if (p === '/api/v1/units' && req.method === 'POST') { const u = { id: randomUUID(), ...json() }; st.units.push(u); save(st); return send(req, res, 201, u) }
    if (p === '/api/v1/templates') return send(req, res, 200, { items: [{ id: 't1', code: 'permenpanrb-14-2017', name: 'SKM', latest_version_id: 'v1' }] })
    if (p === '/api/v1/surveys' && req.method === 'POST') {
      const s = { id: randomUUID(), slug: randomUUID().slice(0, 8), ...json() }
      s.url = `http://${req.headers.host}/s/${s.slug}`; s.required_sample = 278
      st.surveys.push(s); save(st); return send(req, res, 201, s)
    }
    if ((m = p.match(/^\/api\/v1\/surveys\/([^/]+)(\/responses)?$/))) {
      const s = st.surveys.find((x) => x.id === m[1])
      if (!s) return problem(req, res, 404)
      if (m[2]) return send(req, res, 200, { items: st.responses.filter((r) => r.survey_id === s.id), next_cursor: '' })
      if (req.method === 'PATCH') { Object.assign(s, json()); save(st) }
      return send(req, res, 200, s)
    }
    return problem(req, res, 404)
  }
  staticFile(req, res, p)
}).listen(Number(flag('addr', '127.0.0.1:8080').split(':')[1]), '127.0.0.1')
