// The built pages keep the strict CSP workable: no inline script, no
// inline event handler, no javascript: URL, no inline style. (The server
// sends "script-src 'self'; style-src 'self'", tested in api; this test
// catches a page that would break under it.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')

function pages(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return name === 'assets' ? [] : pages(p)
    return name.endsWith('.html') ? [p] : []
  })
}

test('built pages have no inline script, handler or style', () => {
  const files = pages(dist)
  assert.ok(files.length >= 4, `built pages found in dist/: ${files.length} (run npm run build)`)
  for (const f of files) {
    const html = readFileSync(f, 'utf8')
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(m[1], /\bsrc=/, `${f}: a <script> without src`)
      assert.equal(m[2].trim(), '', `${f}: a <script src> with inline code`)
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${f}: an inline event handler`)
    assert.doesNotMatch(html, /javascript:/i, `${f}: a javascript: URL`)
    assert.doesNotMatch(html, /<style\b/i, `${f}: an inline <style>`)
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${f}: a style attribute`)
  }
})
