// Test harness: starts the real Suara binary on a free port with a fresh
// database, creates an administrator, a unit and surveys through the API,
// and opens headless Chromium as a cheap Android phone.
//
//   SUARA_BIN                 the binary (default ../bin/suara, from frontend/)
//   SUARA_TEST_DATABASE_URL   when set, a fresh PostgreSQL database e2e_<random>
//                             is created next to it (psql) and dropped at the end;
//                             otherwise a SQLite file in a temp directory.
//   CHROMIUM                  the browser (default /usr/bin/chromium)
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { chromium } from 'playwright-core'

const here = import.meta.dirname
export const frontendDir = resolve(here, '..')
export const resultsDir = join(frontendDir, 'test-results')
mkdirSync(resultsDir, { recursive: true })

const BIN = resolve(frontendDir, process.env.SUARA_BIN || '../bin/suara')
const PASSWORD = 'e2e-' + randomBytes(12).toString('hex')

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.unref()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)) })
  })
}

// freshDatabase returns the --db value and a function that removes it.
function freshDatabase() {
  const pg = process.env.SUARA_TEST_DATABASE_URL
  if (!pg) {
    const dir = mkdtempSync(join(tmpdir(), 'suara-e2e-'))
    return { db: join(dir, 'suara.db'), drop: () => rmSync(dir, { recursive: true, force: true }) }
  }
  const name = 'e2e_' + randomBytes(6).toString('hex')
  execFileSync('psql', [pg, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`], { stdio: 'pipe' })
  const u = new URL(pg)
  u.pathname = '/' + name
  return {
    db: u.toString(),
    drop: () => execFileSync('psql', [pg, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'pipe' }),
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// startServer runs `suara serve`, waits for /readyz, creates the admin and
// logs in. The returned object talks to the API as that admin.
export async function startServer() {
  const { db, drop } = freshDatabase()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = { ...process.env, SUARA_RATE_LIMITS: 'off' }
  const proc = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--db', db], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  proc.stdout.on('data', (d) => (log += d))
  proc.stderr.on('data', (d) => (log += d))
  const exited = new Promise((r) => proc.on('exit', r))

  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM')
      await Promise.race([exited, sleep(10_000)])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    }
    try { drop() } catch (e) { console.error('dropping the test database:', e.message) }
  }

  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`suara serve exited (${proc.exitCode}):\n${log}`)
      const ok = await fetch(url + '/readyz').then((r) => r.status === 200, () => false)
      if (ok) break
      if (Date.now() > deadline) throw new Error(`suara serve not ready after 30 s:\n${log}`)
      await sleep(100)
    }
    execFileSync(BIN, ['admin', 'create', '--email', 'admin@example.test', '--password', PASSWORD, '--db', db], { env, stdio: 'pipe' })
    const s = new Server(url, stop, () => log)
    const { token } = await s.api('POST', '/api/v1/auth/login', { email: 'admin@example.test', password: PASSWORD })
    s.token = token
    return s
  } catch (e) {
    await stop()
    throw e
  }
}

class Server {
  constructor(url, stop, log) { Object.assign(this, { url, stop, log, token: '' }) }

  async api(method, path, body) {
    const res = await fetch(this.url + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(this.token && { Authorization: `Bearer ${this.token}` }) },
      body: body && JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
    return text ? JSON.parse(text) : null
  }

  // setup makes the unit and finds the built-in template once per server.
  async setup() {
    if (this.unit) return
    this.unit = await this.api('POST', '/api/v1/units', { name: 'Kantor Kecamatan Uji', code: 'KEC-UJI', timezone: 'Asia/Jakarta' })
    const { items } = await this.api('GET', '/api/v1/templates')
    const tpl = items.find((t) => t.code === 'permenpanrb-14-2017')
    if (!tpl) throw new Error('built-in template permenpanrb-14-2017 not listed')
    this.templateVersionId = tpl.latest_version_id
  }

  // survey creates a survey period open today (Asia/Jakarta) and returns
  // {id, slug, url, required_sample, ...}.
  async survey(title = 'Survei Uji') {
    await this.setup()
    return this.api('POST', '/api/v1/surveys', {
      unit_id: this.unit.id, template_version_id: this.templateVersionId, title,
      starts_on: jakartaDate(-30), ends_on: jakartaDate(30), population: 1000,
    })
  }

  async responses(surveyId) {
    return (await this.api('GET', `/api/v1/surveys/${surveyId}/responses`)).items
  }

  async form(slug) {
    return this.api('GET', `/api/v1/public/surveys/${slug}`)
  }
}

// jakartaDate is today ± days as YYYY-MM-DD in WIB (UTC+7).
export function jakartaDate(days = 0) {
  return new Date(Date.now() + 7 * 3600_000 + days * 86400_000).toISOString().slice(0, 10)
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

// A cheap Android phone. Service workers are blocked unless a test needs
// them, because page.route does not see requests a service worker makes.
export function phone(browser, { serviceWorkers = 'block' } = {}) {
  return browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 11; SM-A115F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    locale: 'id-ID',
    timezoneId: 'Asia/Jakarta',
    serviceWorkers,
  })
}

// watch collects what must never happen on a page: CSP refusals, script
// errors, and requests to any other origin.
export function watch(page, origin) {
  const problems = []
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()) })
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  page.on('request', (r) => {
    const u = r.url()
    if (!u.startsWith(origin) && !u.startsWith('data:')) problems.push('other origin: ' + u)
  })
  return problems
}
