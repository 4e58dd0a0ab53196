// The search index is built in the background (src/search/indexer.ts): a blog with a backlog of unindexed posts
// answers at once, says its search results may be incomplete until the backlog is indexed, and a restart resumes
// the work where it stopped. A word found in more posts than the cap is answered without counting every hit.
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import type { Database } from '../../src/db/schema.ts'
import { BATCH_BUDGET_MS, BatchSizer } from '../../src/search/indexer.ts'
import { buildTestApp, mainOf, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'

const BACKLOG = 6000

/** `n` published posts whose body says `commun`, written straight to the database (the triggers queue them). */
async function addPosts(db: Kysely<Database>, n: number): Promise<void> {
  const now = new Date().toISOString()
  for (let start = 0; start < n; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - start) }, (_, k) => {
      const i = start + k
      return {
        slug: `note-${i}`,
        title: `Note numéro ${i}`,
        body_html: `<p>Un mot commun, et le numéro ${i}.</p>`,
        status: 'published' as const,
        published_at: new Date(Date.UTC(2010, 0, 1) + i * 3600_000).toISOString(),
        created_at: now,
        updated_at: now,
      }
    })
    await db.insertInto('posts').values(rows).execute()
  }
}

const queued = async (db: Kysely<Database>) =>
  Number(
    (
      await db
        .selectFrom('search_queue')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

/** Entries in the index: posts_fts on SQLite, posts_search on PostgreSQL. */
async function indexed(blog: TestBlog): Promise<number> {
  const table = blog.app.dialect === 'postgres' ? 'posts_search' : 'posts_fts'
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(blog.app.db)
  return Number(rows[0]!.n)
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const INCOMPLETE = 'L’index de recherche est en cours de construction : ces résultats peuvent être incomplets.'

describe('the search index, built in the background', () => {
  const dir = useTempDir('search-index')

  /** A blog whose database holds BACKLOG unindexed posts (written while no server ran). */
  async function blogWithBacklog(): Promise<void> {
    const first = await buildTestApp({ dir: dir.path })
    await addPosts(first.app.db, BACKLOG)
    await first.close()
  }

  it('answers before the backlog is indexed, says results may be incomplete until it is, and resumes after a restart', async () => {
    await blogWithBacklog()
    const blog = await buildTestApp({ dir: dir.path })
    try {
      // Ready (onReady done) with the backlog still queued: nothing waited for the index.
      expect(await queued(blog.app.db)).toBeGreaterThan(BACKLOG / 2)
      expect((await blog.app.inject('/healthz')).statusCode).toBe(200)
      const home = await blog.app.inject('/')
      expect(home.statusCode).toBe(200)
      expect(home.body).toContain('<main')
      const during = await blog.app.inject('/search?q=commun')
      expect(during.statusCode).toBe(200)
      expect(visibleText(mainOf(during.body))).toContain(INCOMPLETE)

      // Stopped part-way (a restart): what was indexed stays indexed, the rest stays queued.
      await until(async () => (await queued(blog.app.db)) < BACKLOG, 'a first batch')
    } finally {
      await blog.close()
    }
    const second = await buildTestApp({ dir: dir.path })
    try {
      // One statement, one snapshot: the second instance goes on indexing meanwhile.
      const table = second.app.dialect === 'postgres' ? 'posts_search' : 'posts_fts'
      const { rows } = await sql<{ left: number | string; done: number | string; posts: number | string }>`
        select (select count(*) from search_queue) as left, (select count(*) from ${sql.table(table)}) as done,
          (select count(*) from posts) as posts`.execute(second.app.db)
      const [left, done, posts] = [Number(rows[0]!.left), Number(rows[0]!.done), Number(rows[0]!.posts)]
      expect(left).toBeGreaterThan(0)
      expect(left).toBeLessThan(BACKLOG)
      // Nothing indexed before the restart is queued again: every post is either in the index or in the queue.
      expect(done + left).toBe(posts)

      await until(async () => (await queued(second.app.db)) === 0, 'the backlog indexed')
      expect(await indexed(second)).toBe(posts)
      const after = await second.app.inject('/search?q=commun')
      expect(visibleText(mainOf(after.body))).not.toContain(INCOMPLETE)
    } finally {
      await second.close()
    }
  })

  it('ranks at most 1,000 hits of a common word and estimates the rest: the page says "about 6,000" and the pager stops', async () => {
    await blogWithBacklog()
    const lines: Array<{ level: number; msg: string }> = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as { level: number; msg: string })
        done()
      },
    })
    const blog = await buildTestApp({ dir: dir.path, logger: { level: 'info', stream } })
    try {
      await until(async () => (await queued(blog.app.db)) === 0, 'the backlog indexed')
      // Start and end at info level (30), whatever LOG_LEVEL's default.
      await until(async () => lines.some((l) => l.msg.startsWith('search index: done')), 'the last log line')
      const logged = lines.filter((l) => l.msg.startsWith('search index:'))
      expect(logged[0]).toMatchObject({ level: 30, msg: `search index: indexing ${BACKLOG} posts in the background` })
      expect(logged.at(-1)).toMatchObject({
        level: 30,
        msg: expect.stringMatching(new RegExp(`^search index: done, ${BACKLOG} posts in [0-9.]+ s$`)),
      })
      const res = await blog.app.inject('/search?q=commun')
      const text = visibleText(mainOf(res.body))
      // Estimated, not counted: the 1,000 newest matches span a sixth of the posts, so about six times as many match.
      expect(text).toContain('Environ 6 000 résultats pour « commun » (les 1 000 plus récents, classés par pertinence)')
      expect(text).not.toContain(String(BACKLOG))
      expect(text).toContain('Page 1 sur 100')
      // The newest posts are in the window; the last page of it lists posts too.
      expect(text).toContain('Note numéro 5999')
      const last = await blog.app.inject('/search?q=commun&page=100')
      expect(mainOf(last.body).match(/<li class="search-result">/g)).toHaveLength(10)
      expect(visibleText(mainOf((await blog.app.inject('/search?q=commun&page=101')).body))).toContain(
        'Cette page de résultats n’existe pas.',
      )
      // In English too.
      await blog.app.settings.update({ language: 'en' })
      expect(visibleText(mainOf((await blog.app.inject('/search?q=commun&page=2')).body))).toContain(
        'About 6,000 results for “commun” (the 1,000 most recent, ranked by relevance)',
      )
    } finally {
      await blog.close()
    }
  })
})

describe('the size of indexing batches', () => {
  // What a batch costs per post varies: at 100,000 posts FTS5's merges made one commit in a few 3× the others
  // (bench/RESULTS.md). Sized from the last batch alone, the batch after a cheap one grew to fill the budget and
  // the next merge tripled it: 204 ms held once. Simulated here: 0.1 ms a post, every fourth batch 0.3 ms.
  it('keeps every batch within the budget when some cost three times the others, and still grows', () => {
    const sizer = new BatchSizer()
    const costs: number[] = []
    const sizes: number[] = []
    for (let i = 0; i < 200; i++) {
      const size = sizer.size
      const ms = size * (i % 4 === 3 ? 0.3 : 0.1)
      costs.push(ms)
      sizes.push(size)
      sizer.record(size, ms)
    }
    expect(Math.max(...costs)).toBeLessThanOrEqual(BATCH_BUDGET_MS)
    // Not shrunk to nothing: the budget is used (about a third of it for the batches that merge nothing).
    expect(Math.min(...sizes.slice(20))).toBeGreaterThanOrEqual(100)
  })

  it('shrinks at once after a batch costlier than any before, and grows back at most twofold per batch', () => {
    const sizer = new BatchSizer()
    for (let i = 0; i < 40; i++) sizer.record(sizer.size, sizer.size * 0.01)
    const before = sizer.size
    expect(before).toBeGreaterThanOrEqual(1000)
    // A batch of long posts: 1 ms each.
    sizer.record(before, before * 1)
    expect(sizer.size).toBe(Math.floor(32 / 1))
    let size = sizer.size
    for (let i = 0; i < 40; i++) {
      sizer.record(size, size * 0.01)
      expect(sizer.size).toBeLessThanOrEqual(size * 2)
      size = sizer.size
    }
    // The costly batch stays in the window (the last 32): sized for it still.
    expect(size).toBeLessThanOrEqual(before)
  })

  it("keeps a batch's transaction short when the database does most of the work (PostgreSQL's stemming)", () => {
    const sizer = new BatchSizer()
    // 0.01 ms of this thread a post, 1 ms of the database's: sized by the thread alone, 2,000 posts, 2 s.
    for (let i = 0; i < 20; i++) sizer.record(sizer.size, sizer.size * 0.01, sizer.size * 1)
    expect(sizer.size).toBe(250)
  })
})

describe('merging the index while indexing', () => {
  const dir = useTempDir('search-merge')

  it('on SQLite, merges the index in steps of its own rather than inside commits; searches find every post', async () => {
    const first = await buildTestApp({ dir: dir.path })
    await addPosts(first.app.db, 3000)
    await first.close()
    const lines: Array<{ msg: string; pages?: number; posts?: number; next?: number }> = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as (typeof lines)[number])
        done()
      },
    })
    const blog = await buildTestApp({ dir: dir.path, logger: { level: 'debug', stream } })
    try {
      await until(async () => lines.some((l) => l.msg.startsWith('search index: done')), 'the backlog indexed')
      const batches = lines.filter((l) => l.msg === 'search index: batch')
      expect(batches.length).toBeGreaterThan(1)
      for (const b of batches) expect(b.posts).toBeLessThanOrEqual(2000)
      const merges = lines.filter((l) => l.msg === 'search index: merge')
      if (blog.app.dialect === 'sqlite') {
        // FTS5's own merging is off (it merged ~400 pages inside whichever commit crossed its threshold)…
        const { rows } = await sql<{ v: unknown }>`select v from posts_fts_config where k = 'automerge'`.execute(blog.app.db)
        expect(Number(rows[0]?.v)).toBe(0)
        // …and the indexer merged, in steps of at most 2,000 pages.
        expect(merges.length).toBeGreaterThan(0)
        for (const m of merges) expect(m.pages).toBeLessThanOrEqual(2000)
      } else {
        // PostgreSQL's GIN index merges its own pending entries: nothing to do.
        expect(merges).toHaveLength(0)
      }
      const res = await blog.app.inject('/search?q=commun')
      expect(visibleText(mainOf(res.body))).toContain('Environ 3 000 résultats pour « commun »')
      // Every post, the demo blog's among them, is in the index once.
      const posts = await blog.app.db
        .selectFrom('posts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      expect(await indexed(blog)).toBe(Number(posts.n))
    } finally {
      await blog.close()
    }
  })
})
