// A comment the blog cannot take right now (the rate limit, a database that refuses the write) comes back in the
// form, whole, with a message; the log says what really went wrong; readers go on reading. On both databases,
// each refusing in its own real way: SQLite held to its size with `max_page_count` (SQLITE_FULL), PostgreSQL
// raising disk_full (53100) from the server. SQLite's own failures (a transaction it rolled back by itself, a real
// full filesystem) are in comments-failures-sqlite.test.ts.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { commentsOf, expectFormKept, logLines, openPost, SAVE_FAILED, send } from '../helpers/comments.ts'
import { testDialect } from '../helpers/database.ts'

describe('a comment refused for the rate limit', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '1' } })
  })
  afterAll(() => blog.close())

  it('comes back in the form, whole, with 429, Retry-After and a message', async () => {
    const post = await openPost(blog)
    const other = await openPost(blog)
    expect((await send(blog, other.url, { author: 'Rapide', body: 'Le premier.' }, { ip: '192.0.2.9' })).statusCode).toBe(303)
    const typed = { author: 'Rapide', email: 'rapide@exemple.fr', url: 'https://rapide.exemple.fr/', body: 'Le second,\nbien plus long.' }
    const res = await send(blog, post.url, typed, { ip: '192.0.2.9' })
    expect(res.statusCode).toBe(429)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    await expectFormKept(
      blog,
      post.id,
      res,
      typed,
      'Vous avez envoyé trop de commentaires en peu de temps : celui-ci n’a pas été enregistré.',
    )
  })
})

/**
 * Makes the blog's database refuse writes to comments as a full disk does, each in its own real way, and says
 * what the log must show. SQLite: held to its current size (max_page_count), it answers SQLITE_FULL. PostgreSQL:
 * the server itself raises disk_full (SQLSTATE 53100, with the message of a full disk) from a trigger, as it does
 * when it cannot extend a table's file; every connection of the app's pool sees it at once.
 */
async function refuseWrites(blog: TestBlog): Promise<{ logged: string[]; restore(): Promise<void> }> {
  if (testDialect() === 'sqlite') {
    const { sqlite } = blog.app
    sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true })}`)
    return {
      logged: ['database or disk is full', '"code":"SQLITE_FULL"'],
      restore: async () => void sqlite.pragma('max_page_count = 1073741823'),
    }
  }
  await sql`create function disk_full() returns trigger language plpgsql as $$
    begin
      raise exception 'could not extend file "base/16384/16385": No space left on device'
        using errcode = 'disk_full', hint = 'Check free disk space.';
    end $$`.execute(blog.app.db)
  await sql`create trigger disk_full before insert on comments for each row execute function disk_full()`.execute(blog.app.db)
  return {
    logged: ['No space left on device', '"code":"53100"'],
    async restore() {
      await sql`drop trigger disk_full on comments`.execute(blog.app.db)
      await sql`drop function disk_full()`.execute(blog.app.db)
    },
  }
}

describe('a comment when the database refuses to write (full)', () => {
  let blog: TestBlog
  const log = logLines()
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' }, logger: log.logger })
  })
  afterAll(() => blog.close())

  it('answers 503 with Retry-After and the form as typed, logs the real cause, pages are still read, then it goes in', async () => {
    const post = await openPost(blog)
    const typed = { author: 'Plein', email: 'plein@exemple.fr', url: '', body: 'Un long commentaire, 😀 et عربي. '.repeat(300).trim() }
    const full = await refuseWrites(blog)
    try {
      const res = await send(blog, post.url, typed)
      expect(res.statusCode).toBe(503)
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      await expectFormKept(blog, post.id, res, typed, SAVE_FAILED)
      const logged = log.lines.join('\n')
      for (const cause of full.logged) expect(logged).toContain(cause)
      expect(logged).not.toContain('cannot rollback')
      // Readers are not affected.
      for (const url of ['/', post.url, '/feed.rss']) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
    } finally {
      await full.restore()
    }
    // With room again, the same comment goes in.
    expect((await send(blog, post.url, typed)).statusCode).toBe(303)
    expect((await commentsOf(blog, post.id)).map((c) => c.body)).toEqual([typed.body])
  })
})
