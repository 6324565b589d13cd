// Measures the citizen page's first load against a running server:
//   SUARA_URL=http://127.0.0.1:8080 npm run budget -- <slug>   (or SUARA_SLUG)
// Prints the compressed bytes per resource type (CDP encodedDataLength,
// cache disabled), lists any request to another origin, and times the
// first render of the form under emulated slow 3G (400 kbit/s each way,
// 400 ms latency). Builds nothing and asserts nothing beyond exiting 1 when
// the 50 KB HTML+JS+CSS budget is broken or another origin is contacted.
// Service workers are blocked: their install runs after the page and is
// not part of what the citizen waits for.
import { chromium } from 'playwright-core'

const base = (process.env.SUARA_URL || '').replace(/\/$/, '')
const slug = process.argv[2] || process.env.SUARA_SLUG
if (!base || !slug) {
  console.error('usage: SUARA_URL=http://host:port npm run budget -- <survey slug>')
  process.exit(2)
}
const url = `${base}/s/${encodeURIComponent(slug)}`
const origin = new URL(base).origin
const BUDGET_KB = 50

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
})

// load opens the page in a fresh phone context and returns what it fetched
// and how long the form took to appear.
async function load(network) {
  const ctx = await browser.newContext({
    viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, serviceWorkers: 'block',
    userAgent: 'Mozilla/5.0 (Linux; Android 11; SM-A115F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  })
  const page = await ctx.newPage()
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  if (network) await cdp.send('Network.emulateNetworkConditions', network)
  const reqs = new Map()
  cdp.on('Network.requestWillBeSent', (e) => reqs.set(e.requestId, { url: e.request.url, type: e.type || 'Other', bytes: 0 }))
  cdp.on('Network.responseReceived', (e) => { const r = reqs.get(e.requestId); if (r) r.type = e.type || r.type })
  cdp.on('Network.loadingFinished', (e) => { const r = reqs.get(e.requestId); if (r) r.bytes = e.encodedDataLength })
  const t0 = Date.now()
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 })
  await page.locator('#survey-form, .notice-screen').first().waitFor({ timeout: 120_000 })
  const ms = Date.now() - t0
  if (!(await page.locator('#survey-form').count())) throw new Error(`${url} shows no form: is the slug open?`)
  await page.waitForLoadState('networkidle')
  await ctx.close()
  return { reqs: [...reqs.values()], ms }
}

try {
  const { reqs } = await load()
  const byType = new Map()
  for (const r of reqs) {
    const t = byType.get(r.type) ?? { n: 0, bytes: 0 }
    t.n++
    t.bytes += r.bytes
    byType.set(r.type, t)
  }
  const kb = (b) => (b / 1024).toFixed(1).padStart(7)
  console.log(`\nCitizen page first load: ${url}\n`)
  console.log('type          requests   KB compressed')
  for (const [type, t] of [...byType].sort()) console.log(`${type.padEnd(14)}${String(t.n).padStart(8)}   ${kb(t.bytes)}`)
  const total = reqs.reduce((s, r) => s + r.bytes, 0)
  const page = reqs.filter((r) => ['Document', 'Script', 'Stylesheet'].includes(r.type)).reduce((s, r) => s + r.bytes, 0)
  console.log(`${'total'.padEnd(14)}${String(reqs.length).padStart(8)}   ${kb(total)}`)
  console.log(`${'HTML+JS+CSS'.padEnd(22)}   ${kb(page)}   (budget ${BUDGET_KB} KB: ${page <= BUDGET_KB * 1024 ? 'ok' : 'OVER'})`)
  const foreign = reqs.filter((r) => !r.url.startsWith('data:') && new URL(r.url).origin !== origin)
  console.log(`other origins: ${foreign.length ? foreign.map((r) => r.url).join(', ') : 'none'}`)

  const kbit = (400 * 1000) / 8 // bytes per second at 400 kbit/s
  const slow = await load({ offline: false, latency: 400, downloadThroughput: kbit, uploadThroughput: kbit })
  console.log(`first form render, slow 3G (400 kbit/s, 400 ms latency, no cache): ${(slow.ms / 1000).toFixed(2)} s\n`)
  process.exitCode = foreign.length || page > BUDGET_KB * 1024 ? 1 : 0
} finally {
  await browser.close()
}
