import { api, qs, missing, ApiError, type Survey } from './api'
import { h, replace } from './dom'
import { t, date, int } from './i18n'
import { canWrite, type Ctx } from './state'
import { section, load, flash } from './ui'

export const publicURL = (unitId: string) => `/p/${unitId}`

export function reports(ctx: Ctx) {
  const T = t()
  const base = `/api/v1/units/${ctx.unit.id}`
  const range = qs({ from: ctx.period.from, to: ctx.period.to })
  const surveys = h('div', { id: 'survey-links' })
  const pubs = h('div', { id: 'pub-list' })
  const pubMsg = h('p', { id: 'publish-status', role: 'status' })
  const publish = h('button', { type: 'button', id: 'publish', class: 'primary', disabled: !canWrite() }, T.publish)
  publish.addEventListener('click', async () => {
    try {
      await api('POST', `${base}/publications`, { from: ctx.period.from, to: ctx.period.to })
      flash(pubMsg, T.published)
      listPubs()
    } catch (e) {
      flash(pubMsg, e instanceof ApiError && e.status === 409 ? T.already : missing(e) ? T.notYet : (e as Error).message, !(e instanceof ApiError && e.status === 409))
    }
  })
  replace(ctx.el,
    section(T.reports, 'h-reports', h('p', { class: 'muted' }, `${date(ctx.period.from)} – ${date(ctx.period.to)}`),
      h('ul', { class: 'links' },
        h('li', null, h('a', { href: `${base}/report${range}`, target: '_blank', rel: 'noopener', id: 'link-report' }, T.reportHtml)),
        h('li', null, h('a', { href: `${base}/report${range}&format=pdf`, id: 'link-pdf' }, T.reportPdf)),
        h('li', null, h('a', { href: `${base}/processing.xlsx${range}`, id: 'link-sheet' }, T.sheet)))),
    section(T.publications, 'h-pubs', h('p', null, `${date(ctx.period.from)} – ${date(ctx.period.to)}`), publish, pubMsg, pubs,
      h('p', null, h('a', { href: publicURL(ctx.unit.id), id: 'public-link', target: '_blank', rel: 'noopener' }, T.publicPage))),
    section(T.surveys, 'h-surveys', surveys))
  const listPubs = () => load(pubs, () => api<{ items: any[] }>('GET', `${base}/publications`),
    (r) => r.items.length ? h('ul', { class: 'plain' }, r.items.map((p) => h('li', null, `${date(p.from)} – ${date(p.to)}`, p.ikm != null ? ` · IKM ${p.ikm}` : '', p.published_at ? ` · ${T.publishedAt} ${date(p.published_at)}` : '')))
      : h('p', { class: 'muted' }, T.noPubs))
  listPubs()
  load(surveys, () => api<{ items: Survey[] }>('GET', `/api/v1/surveys${qs({ unit_id: ctx.unit.id, limit: 500 })}`), (r) => surveyLinks(r.items))
}

export function surveyLinks(items: Survey[], extra?: (sv: Survey) => HTMLElement | null) {
  const T = t()
  if (!items.length) return h('p', { class: 'muted' }, '–')
  return h('ul', { class: 'surveys' }, items.map((sv) => {
    const b = `/api/v1/surveys/${sv.id}`
    return h('li', null,
      h('strong', null, sv.title), ` · ${date(sv.starts_on)} – ${date(sv.ends_on)} · N=${int(sv.population)} · ${sv.closed ? T.closed : T.openS}`,
      h('ul', { class: 'links inline-links' },
        h('li', null, h('a', { href: `/s/${sv.slug}`, target: '_blank', rel: 'noopener' }, T.citizenLink)),
        h('li', null, h('a', { href: `${b}/responses.csv` }, T.csv)),
        h('li', null, h('a', { href: `${b}/responses.xlsx` }, T.xlsx)),
        h('li', null, h('a', { href: `${b}/qr.svg`, target: '_blank', rel: 'noopener' }, T.qr)),
        h('li', null, h('a', { href: `${b}/poster`, target: '_blank', rel: 'noopener' }, T.poster)),
        extra && h('li', null, extra(sv))))
  }))
}
