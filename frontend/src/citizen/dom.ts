// A few lines instead of a framework: the page renders a handful of
// screens from plain state, so createElement is enough.

type Attr = string | number | boolean | null | undefined | EventListener
type Child = Node | string | null | undefined | false | Child[]

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, Attr> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = String(v)
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  add(el, children)
  return el
}

function add(el: Element, c: Child) {
  if (Array.isArray(c)) c.forEach((x) => add(el, x))
  else if (c != null && c !== false) el.append(c)
}

// svg turns one of our own icon strings (never user text) into a node.
export function svg(markup: string): Element {
  const t = document.createElement('template')
  t.innerHTML = markup
  return t.content.firstElementChild!
}

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T | null
