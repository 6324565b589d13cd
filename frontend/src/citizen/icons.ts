// Inline icons: one face per scale point, distinct by shape (mouth and
// brows), so the scale never relies on colour. Stroke uses currentColor.

const face = (mouth: string, extra = '') =>
  `<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round">` +
  `<circle cx="12" cy="12" r="10"/><circle cx="8.5" cy="10" r="1.1" fill="currentColor"/>` +
  `<circle cx="15.5" cy="10" r="1.1" fill="currentColor"/><path d="${mouth}"/>${extra}</svg>`

// Index = scale value − 1: very poor, poor, good, very good.
export const faces = [
  face('M7.5 17.5c1.8-3 7.2-3 9 0', '<path d="M6.5 6.8l3.2 1.2M17.5 6.8l-3.2 1.2"/>'),
  face('M8.5 16.5c1.6-1.2 5.4-1.2 7 0'),
  face('M8.5 14.8c1.6 1.3 5.4 1.3 7 0'),
  face('M7 13.8h10c-.6 4.6-9.4 4.6-10 0z'),
]

const icon = (body: string) =>
  `<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`

export const speaker = icon('<path d="M4 9v6h4l5 4V5L8 9z"/><path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12"/>')
export const warning = icon('<path d="M12 3 2 20h20z"/><path d="M12 10v4M12 17h.01"/>')
export const check = icon('<circle cx="12" cy="12" r="10"/><path d="m7.5 12.5 3 3 6-6.5"/>')
export const clock = icon('<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>')
