import { defineConfig, type Plugin } from 'vite'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

const root = import.meta.dirname

// serviceWorker writes dist/sw.js (unhashed, so its URL never changes) with
// the citizen page's shell baked in: the hashed files survey.html links to,
// and a version derived from them so a new build replaces the old cache.
function serviceWorker(): Plugin {
  let outDir = ''
  return {
    name: 'suara-sw',
    apply: 'build',
    configResolved(c) { outDir = resolve(c.root, c.build.outDir) },
    writeBundle() {
      const html = readFileSync(resolve(outDir, 'survey.html'), 'utf8')
      const assets = [...new Set(html.match(/\/assets\/[^"'\s)]+/g) ?? [])].sort()
      const version = createHash('sha256').update(html).digest('hex').slice(0, 12)
      const src = readFileSync(resolve(root, 'src/sw/sw.js'), 'utf8')
        .replace('self.__SHELL_ASSETS__', JSON.stringify(assets))
        .replace('self.__SHELL_VERSION__', JSON.stringify(version))
      writeFileSync(resolve(outDir, 'sw.js'), src)
    },
  }
}

export default defineConfig({
  plugins: [serviceWorker()],
  build: {
    target: 'es2020',
    // The polyfill is for browsers without modulepreload; every browser
    // that runs module scripts and service workers does not need it here.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        survey: resolve(root, 'survey.html'),
        index: resolve(root, 'index.html'),
        app: resolve(root, 'app/index.html'),
        public: resolve(root, 'public.html'),
      },
    },
  },
})
