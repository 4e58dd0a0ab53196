// The admin's long lists at any size (issue 27): the comment list's post filter is a text field, never a list
// of every post; the comment and post lists are paged by key (each page after the last row of the one before),
// and walking them forwards and backwards shows every row once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { testDialect } from '../helpers/database.ts'

const POSTS = 300
const base = Date.parse('2024-01-01T00:00:00Z')
const iso = (minutes: number) => new Date(base + minutes * 60_000).toISOString()

describe('admin lists of a big blog', () => {
  let blog: TestBlog
  let admin: AdminClient
  const postIds: number[] = []
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    for (let i = 0; i < POSTS; i++) {
      const { id } = await blog.app.db
        .insertInto('posts')
        .values({
          slug: `note-numero-${i}`,
          title: `Carnet ${i} ${i % 2 ? 'pluvieux' : 'ensoleillé'}`,
          status: 'published',
          // Some share a date: the id orders them.
          published_at: iso(Math.floor(i / 3) * 60),
          created_at: iso(0),
          updated_at: iso(0),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      postIds.push(id)
    }
    // One approved comment per post, several at the same instant.
    await blog.app.db
      .insertInto('comments')
      .values(
        postIds.map((postId, i) => ({
          post_id: postId,
          parent_id: null,
          author_name: `Lecteur ${i}`,
          author_email: null,
          author_url: null,
          body: `Commentaire ${i}`,
          status: 'approved' as const,
          created_at: iso(Math.floor(i / 4)),
          ip: null,
        })),
      )
      .execute()
  })
  afterAll(() => blog.close())

  /** Follows a list's "next" links from `url`; returns each page's items. */
  async function walk(url: string, itemOf: RegExp, link: 'next' | 'previous'): Promise<{ pages: string[][]; urls: string[] }> {
    const pages: string[][] = []
    const urls: string[] = []
    let next: string | null = url
    while (next && pages.length < 50) {
      urls.push(next)
      const res = await admin.get(next)
      expect(res.statusCode).toBe(200)
      pages.push([...res.body.matchAll(itemOf)].map((m) => m[1]!))
      next = new RegExp(`<a class="${link}"[^>]* href="([^"]+)"`).exec(res.body)?.[1]?.replaceAll('&amp;', '&') ?? null
    }
    return { pages, urls }
  }

  it("the comment list's post filter lists no posts: it is a text field", async () => {
    const page = await admin.get('/admin/comments?status=approved')
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(/<input type="search" id="post-filter" name="find"/)
    // No <option> per post (there are 300 with comments): only the bulk actions' few (and the origin filter's).
    const withoutOrigins = page.body.replace(/<select id="origin-filter"[\s\S]*?<\/select>/, '')
    expect([...withoutOrigins.matchAll(/<option /g)].length).toBeLessThan(5)
    // A post whose comment is not on this page is named nowhere on it.
    expect(page.body).not.toContain('Carnet 3 pluvieux')
  })

  it('filters by a post given by its id, its slug, its address or words of its title', async () => {
    const id = postIds[123]!
    for (const typed of [
      String(id),
      'note-numero-123',
      'http://blog.test/archive/2024/01/06/note-numero-123.html',
      'carnet 123 PLUVIEUX',
    ]) {
      const res = await admin.get(`/admin/comments?status=approved&find=${encodeURIComponent(typed)}`)
      expect(res.statusCode, typed).toBe(303)
      expect(res.headers.location).toBe(`/admin/comments?status=approved&post=${id}`)
    }
    const filtered = await admin.get(`/admin/comments?status=approved&post=${id}`)
    expect([...filtered.body.matchAll(/<li class="moderation-item"/g)]).toHaveLength(1)
    expect(filtered.body).toContain('Commentaire 123')
    expect(filtered.body).toContain('Carnet 123 pluvieux')
  })

  it('offers the posts a few words match, and says so when none does', async () => {
    const several = await admin.get(`/admin/comments?status=approved&find=${encodeURIComponent('carnet 12')}`)
    expect(several.statusCode).toBe(200)
    // Carnet 12, 112, 120–129 and 212: 13 posts, newest first, as links that filter.
    const links = [...several.body.matchAll(/<li><a href="\/admin\/comments\?status=approved&amp;post=(\d+)">/g)].map((m) => Number(m[1]))
    expect(links).toEqual([212, 129, 128, 127, 126, 125, 124, 123, 122, 121, 120, 112, 12].map((i) => postIds[i]))
    // What was typed stays in the field.
    expect(several.body).toContain('name="find" value="carnet 12"')
    const none = await admin.get('/admin/comments?status=approved&find=introuvable')
    expect(none.body).toContain('Aucune note ne correspond.')
  })

  it('finds posts by words of their title from an index, kept through edits, without reading every title', async () => {
    const find = async (typed: string) => {
      const res = await admin.get(`/admin/comments?status=approved&find=${encodeURIComponent(typed)}`)
      return res.statusCode === 303
        ? [res.headers.location]
        : [...res.body.matchAll(/<li><a href="\/admin\/comments\?status=approved&amp;post=(\d+)"><bdi>([^<]+)</g)].map((m) => m[2])
    }
    const id = postIds[7]!
    await blog.app.db.updateTable('posts').set({ title: 'Carnet 7 brumeux' }).where('id', '=', id).execute()
    expect(await find('BRUMEUX')).toEqual([`/admin/comments?status=approved&post=${id}`])
    await blog.app.db.updateTable('posts').set({ title: 'Carnet 7 pluvieux' }).where('id', '=', id).execute()
    expect(await find('brumeux')).toEqual([])
    // A wildcard character is a character: "100%" is not "100 and anything".
    expect(await find('%')).toEqual([])
    if (testDialect() !== 'sqlite') return // PostgreSQL's plans: admin-lists-postgres.test.ts
    blog.app.statements.clear()
    expect(await find('introuvable')).toEqual([])
    const reads = blog.app.statements.sqlTexts().filter((s) => /p\.title like/.test(s))
    expect(reads.length).toBeGreaterThan(0)
    for (const sql of reads) {
      const params = Array.from({ length: sql.split('?').length - 1 }, () => '%introuvable%')
      const plan = (blog.app.sqlite.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail)
      expect(
        plan.filter((d) => /^SCAN p\b|^SCAN posts\b/.test(d)),
        `${sql}\n${plan.join('\n')}`,
      ).toEqual([])
    }
  })

  it('pages the comment list by key: every comment once, newest first, forwards and backwards', async () => {
    const item = /<li class="moderation-item" id="c(\d+)"/g
    const forwards = await walk('/admin/comments?status=approved', item, 'next')
    expect(forwards.pages.map((p) => p.length)).toEqual([50, 50, 50, 50, 50, 50])
    const ids = forwards.pages.flat().map(Number)
    const expected = await blog.app.db
      .selectFrom('comments')
      .select('id')
      .where('status', '=', 'approved')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute()
    expect(ids).toEqual(expected.map((r) => r.id))
    // Back from the last page to the first: the same pages, in reverse.
    const backwards = await walk(forwards.urls.at(-1)!, item, 'previous')
    expect(backwards.pages.map((p) => p.map(Number))).toEqual(forwards.pages.map((p) => p.map(Number)).reverse())
    // A page's address is where it starts, not an OFFSET: an old numbered address shows the first page.
    const old = await admin.get('/admin/comments?status=approved&page=3')
    expect([...old.body.matchAll(item)].map((m) => Number(m[1]))).toEqual(ids.slice(0, 50))
  })

  it('pages the post list by key the same way', async () => {
    const item = /<td class="col-title"><a href="\/admin\/posts\/(\d+)"/g
    const forwards = await walk('/admin/posts', item, 'next')
    const ids = forwards.pages.flat().map(Number)
    expect(new Set(ids).size).toBe(POSTS)
    expect(ids).toEqual([...postIds].sort((a, b) => b - a))
    const backwards = await walk(forwards.urls.at(-1)!, item, 'previous')
    expect(
      backwards.pages
        .flat()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...postIds].sort((a, b) => a - b))
  })

  it('pages every post and the published ones by key from an index, without sorting them all', async () => {
    const item = /<td class="col-title"><a href="\/admin\/posts\/(\d+)"/g
    if (testDialect() === 'sqlite') blog.app.statements.clear()
    for (const list of ['/admin/posts', '/admin/posts?state=published']) {
      const forwards = await walk(list, item, 'next')
      expect(forwards.pages.flat().map(Number)).toEqual([...postIds].sort((a, b) => b - a))
    }
    if (testDialect() !== 'sqlite') return
    // SQLite's plans: the lists read an index in order (a sort of every post took 0.2 to 2 s at 100,000).
    const lists = blog.app.statements.sqlTexts().filter((s) => s.includes('as "order_key"'))
    expect(lists.length).toBeGreaterThan(0)
    for (const sql of lists) {
      const params = Array.from({ length: sql.split('?').length - 1 }, () => null)
      const plan = blog.app.sqlite.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>
      expect(
        plan.map((r) => r.detail).filter((d) => d.includes('TEMP B-TREE')),
        sql,
      ).toEqual([])
    }
  })

  it('pages the outbox by key, and finds the post whose subscriptions to show by what is typed', async () => {
    await blog.app.db
      .insertInto('mail_outbox')
      .values(
        Array.from({ length: 120 }, (_, i) => ({
          kind: 'notify' as const,
          recipient: `r${i}@example.org`,
          lang: 'fr',
          subject: `Courrier ${i}`,
          text_body: '',
          html_body: '',
          message_id: `<m${i}@blog.test>`,
          status: i % 3 ? ('sent' as const) : ('cancelled' as const),
          next_attempt_at: iso(0),
          created_at: iso(i),
          sent_at: iso(i),
        })),
      )
      .execute()
    const subject = /dir="auto">Courrier (\d+)</g
    const all = await walk('/admin/mail', subject, 'next')
    expect(all.pages.flat().map(Number)).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i))
    const cancelled = await walk('/admin/mail?status=cancelled', subject, 'next')
    expect(cancelled.pages.flat().map(Number)).toEqual(Array.from({ length: 40 }, (_, i) => 117 - 3 * i))
    // No list of posts to choose from: a field, and the post found by its slug.
    const page = await admin.get('/admin/mail')
    expect([...page.body.matchAll(/<option /g)]).toHaveLength(0)
    const found = await admin.get('/admin/mail?find=note-numero-42')
    expect(found.statusCode).toBe(303)
    expect(found.headers.location).toBe(`/admin/mail?post=${postIds[42]}#subscriptions`)
  })

  it('pages the media library by key, 30 images a page', async () => {
    await blog.app.db
      .insertInto('media')
      .values(
        Array.from({ length: 70 }, (_, i) => {
          const hash = i.toString(16).padStart(32, '0')
          // Some added at the same instant: the id orders them.
          return {
            hash,
            name: `${hash}-640x480.jpg`,
            type: 'image/jpeg',
            width: 640,
            height: 480,
            bytes: 1,
            created_at: iso(Math.floor(i / 2)),
          }
        }),
      )
      .execute()
    const item = /<li class="media-item" id="media-(\d+)"/g
    const forwards = await walk('/admin/media', item, 'next')
    expect(forwards.pages.map((p) => p.length)).toEqual([30, 30, 10])
    const ids = forwards.pages.flat().map(Number)
    const expected = await blog.app.db.selectFrom('media').select('id').orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
    expect(ids).toEqual(expected.map((r) => r.id))
    const backwards = await walk(forwards.urls.at(-1)!, item, 'previous')
    expect(backwards.pages.map((p) => p.map(Number))).toEqual(forwards.pages.map((p) => p.map(Number)).reverse())
  })

  it("tells each image's posts from the hashes posts name, kept through edits and deletions, without reading every post", async () => {
    // The media of the test before: hash = its index in 32 hex digits; the newest two are 69 and 68.
    const hash = (i: number) => i.toString(16).padStart(32, '0')
    const [a, b] = [postIds[0]!, postIds[1]!]
    await blog.app.db
      .updateTable('posts')
      .set({ body_source: `![Port](/media/${hash(69)}-640x480.jpg) ![](/media/${hash(69)}-320w.webp)` })
      .where('id', '=', a)
      .execute()
    await blog.app.db
      .updateTable('posts')
      .set({ body_source: `![Quai](/media/${hash(69)}-640x480.jpg) /media/${hash(68)}-640x480.jpg /media/xyz-1.jpg` })
      .where('id', '=', b)
      .execute()
    const { id: c } = await blog.app.db
      .insertInto('posts')
      .values({
        slug: 'avec-image',
        title: 'Avec image',
        body_source: `![](/media/${hash(68)}-640x480.jpg)`,
        status: 'draft',
        created_at: iso(0),
        updated_at: iso(0),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const usedBy = async () => {
      const body = (await admin.get('/admin/media')).body
      const item = (i: number) => body.split('<li class="media-item"').find((chunk) => chunk.includes(`/media/${hash(i)}-`)) ?? ''
      const posts = (i: number) => [...item(i).matchAll(/href="\/admin\/posts\/(\d+)"/g)].map((m) => Number(m[1]))
      return [posts(69), posts(68)]
    }
    expect(await usedBy()).toEqual([
      [a, b],
      [b, c],
    ])
    // Edited: b no longer shows 69; deleted: c is gone.
    await blog.app.db
      .updateTable('posts')
      .set({ body_source: `/media/${hash(68)}-640x480.jpg` })
      .where('id', '=', b)
      .execute()
    await blog.app.db.deleteFrom('posts').where('id', '=', c).execute()
    if (testDialect() === 'sqlite') blog.app.statements.clear()
    expect(await usedBy()).toEqual([[a], [b]])
    if (testDialect() !== 'sqlite') return // PostgreSQL's plans: admin-lists-postgres.test.ts
    const reads = blog.app.statements.sqlTexts().filter((s) => /from "posts"/.test(s) && /media|body_source/.test(s))
    expect(reads.length).toBeGreaterThan(0)
    for (const sql of reads) {
      const params = Array.from({ length: sql.split('?').length - 1 }, () => null)
      const plan = (blog.app.sqlite.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail)
      expect(
        plan.filter((d) => /^SCAN/.test(d)),
        `${sql}\n${plan.join('\n')}`,
      ).toEqual([])
    }
  })
})
