// Readers' reports in the admin: the comment list shows reported comments first with their reasons, notes and
// count; the admin dismisses them or decides, and each decision is in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { openPost, send } from '../helpers/comments.ts'

describe('reports in the admin', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog.close())

  async function reported(body: string, reports: Array<[reason: string, note: string]>) {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: 'Troll', body })
    const id = Number(/#comment-(\d+)$/.exec(String(res.headers.location))![1])
    for (const [i, [reason, note]] of reports.entries()) {
      expect((await send(blog, `/comment/${id}/report`, { reason, note }, { ip: `198.51.100.${i + 1}` })).statusCode).toBe(303)
    }
    return { post, id }
  }
  const statusOf = async (id: number) =>
    (await blog.app.db.selectFrom('comments').select('status').where('id', '=', id).executeTakeFirst())?.status
  const lastAudit = () => blog.app.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()

  it('lists reported comments first, most reported first, with their reasons, notes and count', async () => {
    const once = await reported('Signalé une fois.', [['other', 'Hors sujet.']])
    const thrice = await reported('Signalé trois fois.', [
      ['spam', ''],
      ['abuse', 'Insultant envers Nadia.'],
      ['abuse', ''],
    ])
    expect(await statusOf(thrice.id)).toBe('pending')
    const page = await admin.get('/admin/comments?status=approved')
    const text = visibleText(mainOf(page.body))
    expect(text).toContain('Commentaires signalés (2)')
    // Before the tabs and the approved list; the held one first.
    const section = text.slice(0, text.indexOf('En attente ('))
    expect(section.indexOf('Signalé trois fois.')).toBeGreaterThan(-1)
    expect(section.indexOf('Signalé trois fois.')).toBeLessThan(section.indexOf('Signalé une fois.'))
    expect(section).toContain('3 signalements (en attente)')
    expect(section).toContain('1 signalement (publié)')
    expect(section).toContain('Abus')
    expect(section).toContain('Insultant envers Nadia.')
    expect(section).toContain('Hors sujet.')

    // Dismissing keeps the comment as it is, closes its reports, and is logged.
    let res = await admin.post('/admin/comments/reports', {
      id: String(once.id),
      action: 'dismiss',
      back: '/admin/comments?status=approved',
    })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/comments?status=approved&reports=done')
    expect(await statusOf(once.id)).toBe('approved')
    expect(await lastAudit()).toMatchObject({ action: 'comment.reports.dismiss', target: `comment ${once.id}`, username: 'alice' })

    // Approving the held one puts it back on the page and closes its reports.
    res = await admin.post('/admin/comments/reports', { id: String(thrice.id), action: 'approve', back: '/admin/comments' })
    expect(res.statusCode).toBe(303)
    expect(await statusOf(thrice.id)).toBe('approved')
    expect(await lastAudit()).toMatchObject({ action: 'comment.approve', target: `comment ${thrice.id}` })
    expect((await blog.app.inject(thrice.post.url)).body).toContain('Signalé trois fois.')
    const after = visibleText(mainOf((await admin.get('/admin/comments?reports=done')).body))
    expect(after).toContain('Signalements traités.')
    expect(after).not.toContain('Commentaires signalés')
    const open = await blog.app.db.selectFrom('comment_reports').select('id').where('resolved_at', 'is', null).execute()
    expect(open).toEqual([])
  })

  it('marks a reported comment as spam, or deletes it, from the reported list', async () => {
    const spam = await reported('Achetez maintenant.', [['spam', '']])
    await admin.get('/admin/comments')
    await admin.post('/admin/comments/reports', { id: String(spam.id), action: 'spam', back: '/admin/comments' })
    expect(await statusOf(spam.id)).toBe('spam')
    expect(await lastAudit()).toMatchObject({ action: 'comment.spam' })
    const gone = await reported('À supprimer.', [['abuse', '']])
    await admin.post('/admin/comments/reports', { id: String(gone.id), action: 'delete', back: '/admin/comments' })
    expect(await statusOf(gone.id)).toBeUndefined()
    expect(await lastAudit()).toMatchObject({ action: 'comment.delete' })
  })

  it('refuses a decision without the CSRF token, and changes nothing', async () => {
    const { id } = await reported('Sans jeton.', [['spam', '']])
    const res = await admin.post('/admin/comments/reports', { _csrf: 'wrong', id: String(id), action: 'dismiss' })
    expect(res.statusCode).toBe(403)
    const open = await blog.app.db
      .selectFrom('comment_reports')
      .select('id')
      .where('comment_id', '=', id)
      .where('resolved_at', 'is', null)
      .execute()
    expect(open).toHaveLength(1)
  })

  it('saves the edit window and the report threshold from the settings page', async () => {
    const page = await admin.get('/admin/settings')
    expect(page.body).toContain('name="commentEditMinutes" type="number" min="0" max="1440" value="15"')
    expect(page.body).toContain('name="reportHoldThreshold" type="number" min="0" max="1000" value="3"')
    const values = { ...blog.app.settings.get() } as Record<string, unknown>
    const form = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]))
    const bad = await admin.post('/admin/settings', { ...form, commentEditMinutes: '-1', reportHoldThreshold: 'trois' })
    expect(bad.statusCode).toBe(400)
    expect(visibleText(bad.body)).toContain('Un nombre entier de minutes entre 0 et 1440.')
    expect(bad.body).toContain('value="trois"')
    const ok = await admin.post('/admin/settings', { ...form, commentEditMinutes: '30', reportHoldThreshold: '0' })
    expect(ok.statusCode).toBe(303)
    expect(blog.app.settings.get()).toMatchObject({ commentEditMinutes: 30, reportHoldThreshold: 0 })
  })
})
