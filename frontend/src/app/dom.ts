// A few lines instead of a framework: views rebuild their part of the page
// from plain state with createElement.
type Attr = string | number | boolean | null | undefined | EventListener
export type Child = Node | string | null | undefined | false | Child[]

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, Attr> | null = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  setAttrs(el, attrs)
  add(el, children)
  return el
}

const SVGNS = 'http://www.w3.org/2000/svg'
export function s(tag: string, attrs: Record<string, Attr> | null = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVGNS, tag) as SVGElement
  setAttrs(el, attrs)
  add(el, children)
  return el
}

function setAttrs(el: Element, attrs: Record<string, Attr> | null) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.setAttribute('class', String(v))
    else el.setAttribute(k, v === true ? '' : String(v))
  }
}

function add(el: Element, c: Child) {
  if (Array.isArray(c)) c.forEach((x) => add(el, x))
  else if (c != null && c !== false) el.append(c)
}

export function replace(el: Element, ...children: Child[]) {
  el.replaceChildren()
  add(el, children)
}

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T | null
