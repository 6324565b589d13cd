// Service worker of the citizen page, scope /s/. Built into dist/sw.js by
// the suara-sw plugin in vite.config.ts, which fills in the shell list.
// - the page (survey.html) and its hashed assets are precached, so a form
//   opened once opens again with no network;
// - the survey JSON is network-first with a cached fallback;
// - anything but GET (the answers' POST) is never touched.
const ASSETS = self.__SHELL_ASSETS__
const VERSION = self.__SHELL_VERSION__
const SHELL = 'suara-shell-' + VERSION
const DATA = 'suara-data'
const PAGE = '/survey.html' // the cache key of the page, whatever /s/{slug} it was opened at
const ANY = { ignoreVary: true, ignoreSearch: true }
const SLOW_MS = 4000

self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const c = await caches.open(SHELL)
    await c.addAll(ASSETS)
    const shell = await fetch(PAGE, { cache: 'no-cache' })
    if (!shell.ok) throw new Error('no ' + PAGE) // not offline-capable: do not install
    await c.put(PAGE, shell)
    // The page that registered us fetched its form before we existed:
    // fetch it again now so it is there offline.
    const data = await caches.open(DATA)
    for (const w of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
      const slug = new URL(w.url).pathname.split('/')[2]
      if (!slug) continue
      const url = '/api/v1/public/surveys/' + slug
      const res = await fetch(url).catch(() => null)
      if (res && res.ok) await data.put(url, res)
    }
    await self.skipWaiting()
  })())
})

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('suara-shell-') && k !== SHELL) await caches.delete(k)
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', (e) => {
  const req = e.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== location.origin) return
  if (req.mode === 'navigate') e.respondWith(page(req))
  else if (url.pathname.startsWith('/assets/')) e.respondWith(asset(req))
  else if (url.pathname.startsWith('/api/v1/public/surveys/')) e.respondWith(surveyJSON(req))
})

// The page, whatever /s/{slug} it was opened at, is survey.html: every
// good copy from the network refreshes the one kept for offline use.
function page(req) {
  return networkFirst(req, SHELL, PAGE)
}

// Hashed file names never change content: cache first, forever.
async function asset(req) {
  const hit = await caches.match(req, ANY)
  if (hit) return hit
  const res = await fetch(req)
  if (res.ok) (await caches.open(SHELL)).put(req, res.clone())
  return res
}

function surveyJSON(req) {
  return networkFirst(req, DATA, req.url)
}

// networkFirst prefers a fresh answer but does not make a citizen on a
// weak signal wait for it: after SLOW_MS a kept copy is used if there is
// one (the fresh answer still updates the cache when it arrives). A survey
// that is gone (404/410) is dropped so it is not offered offline.
async function networkFirst(req, cacheName, key) {
  const c = await caches.open(cacheName)
  const net = fetch(req).then((res) => {
    if (res.ok) { const copy = res.clone(); c.put(key, copy) }
    else if (cacheName === DATA && (res.status === 404 || res.status === 410)) c.delete(key, ANY)
    return res
  })
  net.catch(() => {}) // answered from the cache already; the failure is not news
  const kept = c.match(key, ANY)
  const slow = new Promise((r) => setTimeout(r, SLOW_MS)).then(() => kept)
  try {
    return (await Promise.race([net, slow])) || (await net)
  } catch (err) {
    const hit = await kept
    if (hit) return hit
    throw err
  }
}
