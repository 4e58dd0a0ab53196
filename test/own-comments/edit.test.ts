// A commenter edits or deletes their own comment, from the browser that posted it, within the window: through the
// real app and a real SQLite file, with the clock moved by vitest's fake Date.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { OWN_COMMENTS_COOKIE, sign, capabilityKey } from '../../src/own-comments/capability.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentList, commentsOf, openPost, send, textareaValue, type Fields } from '../helpers/comments.ts'

const MINUTE = 60_000
const VALID: Fields = { author: 'Camille', email: 'camille@example.org', url: '', body: 'Un commentaire avec une fote.' }

/** The capabilities cookie a 303 set, as `name=value` to send back. */
function capabilityCookie(res: { headers: Record<string, unknown> }): string {
  const all = [res.headers['set-cookie']].flat().filter((c): c is string => typeof c === 'string')
  const own = all.find((c) => c.startsWith(`${OWN_COMMENTS_COOKIE}=`))
  if (!own) throw new Error(`no capability cookie in ${JSON.stringify(all)}`)
  return own.split(';')[0]!
}

describe('editing and deleting your own comment', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())
  afterEach(async () => {
    vi.useRealTimers()
    await blog.app.settings.update({ commentEditMinutes: 15, refuseWords: '', holdWords: '', moderation: 'none' })
  })

  /** Posts a comment on a fresh post; returns the post, the comment's id and the browser's cookie. */
  async function postComment(fields: Fields = VALID, ip?: string) {
    const post = await openPost(blog)
    const res = await send(blog, post.url, fields, { ip })
    expect(res.statusCode, res.body).toBe(303)
    const id = Number(/#comment-(\d+)$/.exec(String(res.headers.location))![1])
    return { post, id, cookie: capabilityCookie(res) }
  }

  const get = (url: string, cookie?: string) => blog.app.inject({ url, headers: cookie ? { cookie } : {} })
  const edit = (id: number, body: string, cookie?: string) =>
    send(blog, `/comment/${id}/edit`, { body }, { headers: cookie ? { cookie } : {} })

  it('shows "Modifier" and "Supprimer" to the author only, and an edit within the window shows "modifié"', async () => {
    const { post, id, cookie } = await postComment()
    expect(cookie).toMatch(new RegExp(`^${OWN_COMMENTS_COOKIE}=${id}\\.`))
    const mine = await get(post.url, cookie)
    expect(commentList(mine.body)).toContain(`href="/comment/${id}/edit"`)
    expect(visibleText(commentList(mine.body))).toContain('Modifier le commentaire de Camille')
    expect(visibleText(commentList(mine.body))).toContain('encore 15 minutes')
    const theirs = await get(post.url)
    expect(theirs.body).not.toContain(`/comment/${id}/edit`)

    const form = await get(`/comment/${id}/edit`, cookie)
    expect(form.statusCode).toBe(200)
    expect(textareaValue(form.body, 'body')).toBe(VALID.body)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 14 * MINUTE })
    const res = await edit(id, 'Un commentaire sans faute.', cookie)
    expect(res.statusCode, res.body).toBe(303)
    expect(res.headers.location).toBe(`/comment/${id}`)
    const [row] = await commentsOf(blog, post.id)
    expect(row).toMatchObject({ body: 'Un commentaire sans faute.', status: 'approved' })
    expect(row!.edited_at).not.toBeNull()
    const page = visibleText(commentList((await get(post.url)).body))
    expect(page).toContain('Un commentaire sans faute.')
    expect(page).toContain('(modifié)')
    expect(page).not.toContain('fote')
  })

  it('refuses an edit or a deletion 16 minutes after posting, and changes nothing', async () => {
    const { post, id, cookie } = await postComment()
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 16 * MINUTE })
    const res = await edit(id, 'Trop tard.', cookie)
    expect(res.statusCode).toBe(403)
    expect(visibleText(res.body)).toContain('Modification impossible')
    expect((await send(blog, `/comment/${id}/delete`, {}, { headers: { cookie } })).statusCode).toBe(403)
    expect((await get(`/comment/${id}/edit`, cookie)).statusCode).toBe(403)
    const [row] = await commentsOf(blog, post.id)
    expect(row).toMatchObject({ body: VALID.body, edited_at: null })
    expect((await get(post.url, cookie)).body).not.toContain(`/comment/${id}/edit`)
  })

  it('refuses a forged capability, another comment’s capability, and none at all', async () => {
    const { post, id } = await postComment()
    const other = await postComment({ ...VALID, body: 'Un autre commentaire.' }, '198.51.100.9')
    const forged = `${OWN_COMMENTS_COOKIE}=${id}.${Math.floor(Date.now() / 1000).toString(36)}.${'A'.repeat(22)}`
    // Another comment's valid capability, relabelled with this comment's id.
    const relabelled = other.cookie.replace(`=${other.id}.`, `=${id}.`)
    // Signed with another key (a different blog's).
    const otherKey = sign(capabilityKey(Buffer.alloc(32, 7)), id, (await commentsOf(blog, post.id))[0]!.created_at)
    const foreignKey = `${OWN_COMMENTS_COOKIE}=${id}.${Math.floor(Date.now() / 1000).toString(36)}.${otherKey}`
    for (const cookie of [forged, other.cookie, relabelled, foreignKey, undefined]) {
      const res = await edit(id, 'Changé par un autre.', cookie)
      expect(res.statusCode, String(cookie)).toBe(403)
      expect((await send(blog, `/comment/${id}/delete`, {}, { headers: cookie ? { cookie } : {} })).statusCode).toBe(403)
      expect((await get(post.url, cookie)).body).not.toContain(`/comment/${id}/edit`)
    }
    expect((await commentsOf(blog, post.id))[0]).toMatchObject({ body: VALID.body, edited_at: null })
  })

  it('deletes the comment: it is gone from the page; its answers stay', async () => {
    const { post, id, cookie } = await postComment()
    const answer = await send(blog, post.url, { author: 'Lina', body: 'Une réponse.', parent: String(id) }, { ip: '198.51.100.3' })
    expect(answer.statusCode).toBe(303)
    const confirm = await get(`/comment/${id}/delete`, cookie)
    expect(confirm.statusCode).toBe(200)
    expect(visibleText(confirm.body)).toContain('Supprimer ce commentaire ?')
    const res = await send(blog, `/comment/${id}/delete`, {}, { headers: { cookie } })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`${post.url}#comments`)
    const rows = await commentsOf(blog, post.id)
    expect(rows.map((r) => [r.body, r.parent_id])).toEqual([['Une réponse.', null]])
    const page = visibleText(commentList((await get(post.url, cookie)).body))
    expect(page).not.toContain(VALID.body)
    expect(page).toContain('Une réponse.')
  })

  it('applies the comment rules to an edit: a refuse word refuses it, a hold word holds it', async () => {
    const { post, id, cookie } = await postComment()
    await blog.app.settings.update({ refuseWords: 'casino', holdWords: 'promo' })
    const refused = await edit(id, 'Venez au CASÍNO !', cookie)
    expect(refused.statusCode).toBe(400)
    expect(visibleText(refused.body)).toContain('Ce commentaire ne peut pas être publié sur ce blog.')
    expect(textareaValue(refused.body, 'body')).toBe('Venez au CASÍNO !')
    expect((await commentsOf(blog, post.id))[0]).toMatchObject({ body: VALID.body, status: 'approved', edited_at: null })

    const held = await edit(id, 'Une promo à saisir.', cookie)
    expect(held.statusCode).toBe(303)
    expect(held.headers.location).toBe(`${post.url}?moderation=pending#respond`)
    expect((await commentsOf(blog, post.id))[0]).toMatchObject({ body: 'Une promo à saisir.', status: 'pending' })
    expect((await get(post.url)).body).not.toContain('Une promo à saisir.')
  })

  it('gives an empty or too long text back with the message, unchanged', async () => {
    const { post, id, cookie } = await postComment()
    const empty = await edit(id, '   ', cookie)
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('aria-invalid="true"')
    const long = 'é'.repeat(10_001)
    const tooLong = await edit(id, long, cookie)
    expect(tooLong.statusCode).toBe(400)
    expect(textareaValue(tooLong.body, 'body')).toBe(long)
    expect(visibleText(tooLong.body)).toContain('10 001')
    expect((await commentsOf(blog, post.id))[0]).toMatchObject({ body: VALID.body })
  })

  it('gives no capability when the window is 0, and refuses edits then', async () => {
    const earlier = await postComment()
    await blog.app.settings.update({ commentEditMinutes: 0 })
    const post = await openPost(blog)
    const res = await send(blog, post.url, { ...VALID, body: 'Sans droit de retouche.' })
    expect(res.statusCode).toBe(303)
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain(OWN_COMMENTS_COOKIE)
    expect((await edit(earlier.id, 'Changé.', earlier.cookie)).statusCode).toBe(403)
  })

  it('refuses a cross-site edit', async () => {
    const { id, cookie } = await postComment()
    const res = await send(blog, `/comment/${id}/edit`, { body: 'Changé.' }, { headers: { cookie, 'sec-fetch-site': 'cross-site' } })
    expect(res.statusCode).toBe(403)
  })
})
