// Webmentions in the admin (src/webmention/): what other sites sent about our posts (moderators: the replies
// became comments in the queue) and what our posts sent to the pages they cite, with each endpoint's answer.
import type { FastifyInstance } from 'fastify'
import { messages } from '../i18n/index.ts'
import { postPath } from '../lib/urls.ts'
import { adminContext } from './context.ts'

/** The most recent rows shown (the jobs table keeps the rest of the story). */
const SHOWN = 100

export default async function webmentionsAdminRoutes(app: FastifyInstance) {
  const tabs = (current: 'received' | 'sent', may: { received: boolean }) => {
    const w = messages(app.settings.get().language).webmention
    return [
      ...(may.received ? [{ url: '/admin/webmentions', label: w.receivedHeading, current: current === 'received' }] : []),
      { url: '/admin/webmentions/sent', label: w.sentHeading, current: current === 'sent' },
    ]
  }
  const when = (iso: string | null) => {
    if (!iso) return null
    const { fmt } = adminContext(app)
    return { iso, text: `${fmt.dateHeader(iso)} ${fmt.time(iso)}` }
  }

  app.get('/webmentions', { config: { permission: 'moderation' } }, async (_request, reply) => {
    const w = messages(app.settings.get().language).webmention
    const tz = app.settings.get().timezone
    const rows = await app.db
      .selectFrom('webmentions as m')
      .innerJoin('posts as p', 'p.id', 'm.post_id')
      .select([
        'm.id',
        'm.source',
        'm.state',
        'm.result',
        'm.detail',
        'm.author_name',
        'm.created_at',
        'm.checked_at',
        'p.title',
        'p.slug',
        'p.published_at',
        'p.kind',
      ])
      .orderBy('m.id', 'desc')
      .limit(SHOWN)
      .execute()
    return reply.adminPage('admin/webmentions', {
      heading: w.receivedHeading,
      tab: 'received',
      tabs: tabs('received', { received: true }),
      received: rows.map((r) => ({
        source: r.source,
        state: w.states[r.state] ?? r.state,
        stateKey: r.state,
        kind: r.result ? (w.results[r.result] ?? r.result) : '',
        detail: r.detail,
        author: r.author_name ?? '',
        when: when(r.checked_at ?? r.created_at),
        post: { title: r.title, url: postPath(r, tz) },
        status: `/webmention/status/${r.id}`,
      })),
    })
  })

  app.get('/webmentions/sent', { config: { permission: 'posts.write' } }, async (request, reply) => {
    const w = messages(app.settings.get().language).webmention
    const rows = await app.db
      .selectFrom('webmention_sends as s')
      .leftJoin('posts as p', 'p.id', 's.post_id')
      .select([
        's.id',
        's.source',
        's.target',
        's.endpoint',
        's.state',
        's.status_code',
        's.answer',
        's.sent_at',
        's.created_at',
        'p.title',
      ])
      .orderBy('s.id', 'desc')
      .limit(SHOWN)
      .execute()
    const role = request.admin!.role
    return reply.adminPage('admin/webmentions', {
      heading: w.sentHeading,
      tab: 'sent',
      tabs: tabs('sent', { received: ['owner', 'administrator', 'editor'].includes(role) }),
      sent: rows.map((r) => ({
        post: { title: r.title ?? r.source, url: r.source },
        target: r.target,
        endpoint: r.endpoint,
        state: w.sendStates[r.state] ?? r.state,
        stateKey: r.state,
        answer: [r.status_code, r.answer].filter((x) => x !== null && x !== '').join(' '),
        when: when(r.sent_at ?? r.created_at),
      })),
    })
  })
}
