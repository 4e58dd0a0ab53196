// Readers report comments through the real app and a real SQLite file: the form, the thanks, one report per
// reader, the threshold that holds a comment, the rate limit, and bad input given back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { REPORTS_PER_HOUR } from '../../src/reports/reports.routes.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentList, openPost, send, textareaValue } from '../helpers/comments.ts'

describe('reporting a comment', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())
  afterEach(() => blog.app.settings.update({ reportHoldThreshold: 3 }))

  async function commented(body = 'Un commentaire douteux.') {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: 'Troll', body }, { ip: '192.0.2.50' })
    expect(res.statusCode).toBe(303)
    const id = Number(/#comment-(\d+)$/.exec(String(res.headers.location))![1])
    return { post, id }
  }
  const report = (id: number, fields: Record<string, string>, ip: string) => send(blog, `/comment/${id}/report`, fields, { ip })
  const statusOf = async (id: number) =>
    (await blog.app.db.selectFrom('comments').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
  const reportsOf = (id: number) => blog.app.db.selectFrom('comment_reports').selectAll().where('comment_id', '=', id).execute()

  it('links every comment to its report page, which is not cacheable, and thanks the reader', async () => {
    const { post, id } = await commented()
    const page = await blog.app.inject(post.url)
    expect(commentList(page.body)).toContain(`href="/comment/${id}/report"`)
    expect(visibleText(commentList(page.body))).toContain('Signaler le commentaire de Troll')
    // The page cache (on here) never keeps it: asked twice, never a hit.
    await blog.app.inject(`/comment/${id}/report`)
    const form = await blog.app.inject(`/comment/${id}/report`)
    expect(form.statusCode).toBe(200)
    expect(form.headers['x-page-cache']).toBeUndefined()
    expect(visibleText(form.body)).toContain('Un commentaire douteux.')
    const res = await report(id, { reason: 'spam', note: 'Publicité déguisée.' }, '198.51.100.1')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`/comment/${id}/report?sent=1`)
    const thanks = await blog.app.inject(res.headers.location as string)
    expect(visibleText(thanks.body)).toContain('Merci ! Votre signalement a été transmis')
    expect(await reportsOf(id)).toMatchObject([{ reason: 'spam', note: 'Publicité déguisée.', resolved_at: null }])
    // No address is kept, only a keyed fingerprint of it.
    expect((await reportsOf(id))[0]!.reporter).not.toContain('198.51.100.1')
  })

  it('holds the comment at the third report from different readers: pending, no longer shown', async () => {
    const { post, id } = await commented('Trois lecteurs le signalent.')
    for (const [i, ip] of ['198.51.100.11', '198.51.100.12'].entries()) {
      expect((await report(id, { reason: i ? 'abuse' : 'spam' }, ip)).statusCode).toBe(303)
      expect(await statusOf(id)).toBe('approved')
    }
    const third = await report(id, { reason: 'other', note: 'Hors sujet.' }, '198.51.100.13')
    expect(third.statusCode).toBe(303)
    expect(await statusOf(id)).toBe('pending')
    // Its reader is thanked all the same.
    const thanks = await blog.app.inject(third.headers.location as string)
    expect(thanks.statusCode).toBe(200)
    expect(visibleText(thanks.body)).toContain('Merci ! Votre signalement a été transmis')
    expect((await blog.app.inject(post.url)).body).not.toContain('Trois lecteurs le signalent.')
    // Held: it can no longer be reported.
    expect((await blog.app.inject(`/comment/${id}/report`)).statusCode).toBe(404)
  })

  it('ignores a second report by the same reader', async () => {
    const { id } = await commented('Signalé deux fois par la même personne.')
    for (let i = 0; i < 3; i++) expect((await report(id, { reason: 'spam' }, '198.51.100.21')).statusCode).toBe(303)
    expect(await reportsOf(id)).toHaveLength(1)
    expect(await statusOf(id)).toBe('approved')
  })

  it('never holds with a threshold of 0', async () => {
    await blog.app.settings.update({ reportHoldThreshold: 0 })
    const { id } = await commented('Jamais retiré par les signalements.')
    for (const ip of ['198.51.100.31', '198.51.100.32', '198.51.100.33', '198.51.100.34']) await report(id, { reason: 'abuse' }, ip)
    expect(await reportsOf(id)).toHaveLength(4)
    expect(await statusOf(id)).toBe('approved')
  })

  it('gives an invalid reason back (400) with the note kept, and stores nothing', async () => {
    const { id } = await commented()
    for (const fields of [{ note: 'Sans motif.' }, { reason: 'boring', note: 'Sans motif.' }] as Array<Record<string, string>>) {
      const res = await report(id, fields, '198.51.100.41')
      expect(res.statusCode).toBe(400)
      expect(visibleText(res.body)).toContain('Choisissez un motif.')
      expect(textareaValue(res.body, 'note')).toBe('Sans motif.')
    }
    const long = 'x'.repeat(1001)
    const tooLong = await report(id, { reason: 'other', note: long }, '198.51.100.41')
    expect(tooLong.statusCode).toBe(400)
    expect(textareaValue(tooLong.body, 'note')).toBe(long)
    expect(tooLong.body).toMatch(/<input [^>]*value="other"[^>]* checked/)
    expect(await reportsOf(id)).toHaveLength(0)
  })

  it(`limits one address to ${REPORTS_PER_HOUR} reports an hour (429, the form kept)`, async () => {
    const { id } = await commented()
    for (let i = 0; i < REPORTS_PER_HOUR; i++) expect((await report(id, { reason: 'spam' }, '198.51.100.51')).statusCode).toBe(303)
    const refused = await report(id, { reason: 'abuse', note: 'Encore un.' }, '198.51.100.51')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toBeDefined()
    expect(visibleText(refused.body)).toContain('trop de signalements')
    expect(textareaValue(refused.body, 'note')).toBe('Encore un.')
    // Another reader is not limited.
    expect((await report(id, { reason: 'spam' }, '198.51.100.52')).statusCode).toBe(303)
  })

  it('refuses a report from another site, and answers 404 for a comment that does not exist', async () => {
    const { id } = await commented()
    const res = await send(blog, `/comment/${id}/report`, { reason: 'spam' }, { headers: { 'sec-fetch-site': 'cross-site' } })
    expect(res.statusCode).toBe(403)
    expect(await reportsOf(id)).toHaveLength(0)
    expect((await blog.app.inject('/comment/999999/report')).statusCode).toBe(404)
  })
})
