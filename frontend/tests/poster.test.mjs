// The printable poster (GET /api/v1/surveys/{id}/poster) in headless
// Chromium against the real server: the strict CSP lets its style sheet
// and inline QR code through, it passes axe, and it prints on one A4 page.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { startServer, launchBrowser, watch, resultsDir } from './harness.mjs'

let server, browser
before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

// pdfPages counts the page objects of a PDF and returns their MediaBoxes.
function pdfPages(buf) {
  const text = buf.toString('latin1')
  return {
    pages: (text.match(/\/Type\s*\/Page(?![a-z])/g) || []).length,
    boxes: [...text.matchAll(/\/MediaBox\s*\[\s*([\d.\s]+)\]/g)].map((m) => m[1].trim().split(/\s+/).map(Number)),
  }
}

test('poster: styled under the CSP, accessible, one A4 page with the survey link', async () => {
  const sv = await server.survey('Survei Poster Uji')
  const ctx = await browser.newContext({
    viewport: { width: 794, height: 1123 }, // A4 at 96 dpi
    locale: 'id-ID',
    extraHTTPHeaders: { Authorization: `Bearer ${server.token}` },
  })
  const page = await ctx.newPage()
  const problems = watch(page, server.url)
  const res = await page.goto(`${server.url}/api/v1/surveys/${sv.id}/poster`)
  assert.equal(res.status(), 200)
  assert.match(res.headers()['content-security-policy'], /style-src 'self'/)

  await page.locator('h1', { hasText: server.unit.name }).waitFor()
  await page.locator('.url', { hasText: sv.url }).waitFor()
  // poster.css applied: the A4 rules are there and the code is 85 mm wide.
  const css = await page.evaluate(() => [...document.styleSheets].map((s) => [...s.cssRules].map((r) => r.cssText).join('\n')).join('\n'))
  assert.match(css, /@page/, 'poster.css did not load')
  const qr = await page.locator('.qr svg').boundingBox()
  assert.ok(qr && Math.abs(qr.width - 85 * 96 / 25.4) < 2 && Math.abs(qr.height - qr.width) < 1, `QR box ${JSON.stringify(qr)}`)
  assert.deepEqual(problems, [])

  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [])

  await page.screenshot({ path: join(resultsDir, 'poster.png'), fullPage: true })
  await page.emulateMedia({ media: 'print' })
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true })
  writeFileSync(join(resultsDir, 'poster.pdf'), pdf)
  const { pages, boxes } = pdfPages(pdf)
  assert.equal(pages, 1, 'the poster must print on one sheet')
  // A4 is 595.28 × 841.89 pt; Chromium rounds to whole CSS pixels.
  for (const [x0, y0, x1, y1] of boxes) {
    assert.ok(Math.abs(x1 - x0 - 595.3) < 2 && Math.abs(y1 - y0 - 841.9) < 2, `page box ${[x0, y0, x1, y1]}`)
  }
  await ctx.close()
})
