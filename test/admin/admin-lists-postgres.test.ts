// The admin's lists on PostgreSQL (issue 27): each statement a list page runs reads a page's worth of rows from an
// index, never every post or comment (SQLite's plans: admin-lists.test.ts). The blog is big enough, with wide
// enough posts, and ANALYZEd, for the planner to choose what it chooses at 100,000 posts (bench/admin-lists.ts
// --database postgres); the statements are the ones the pages ran, taken from the app's Kysely executor, each
// run again under EXPLAIN (ANALYZE). The post filter's words: a trigram index (2026_12_07_05_40_00), without which
// a word in no title read every post.
import { CompiledQuery, type QueryResult, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COUNT_CAP } from '../../src/admin/admin.repository.ts'
import { createPool, createPostgresKysely } from '../../src/db/postgres.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const POSTS = 6000
const COMMENTS = 60_000

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Actual Rows': number
  'Actual Loops': number
  'Rows Removed by Filter'?: number
  'Rows Removed by Index Recheck'?: number
  Plans?: PlanNode[]
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)]

describe('admin lists on PostgreSQL: a page read from an index, never every row', () => {
  let blog: TestBlog
  let admin: AdminClient
  const ran: CompiledQuery[] = []
  const db = () => blog.app.db

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    // Posts of ~1.5 KB like written ones (the planner weighs a walk of the table by its pages), an hour apart; a
    // few scheduled; comments 3 % pending and 2 % spam, a minute apart; media and an outbox of a few thousand.
    // One transaction on a connection of its own, without the app's timeouts: the comments' triggers take seconds on
    // a busy machine, past the app's statement timeout (5 s), and past its client's wait for an answer (6 s), after
    // which the app's client ends the connection (src/db/postgres.ts).
    const seeder = createPostgresKysely(createPool(blog.config.databasePath, 1))
    await seeder.transaction().execute(async (trx) => {
      await sql`
        insert into posts (slug, title, body_html, status, published_at, created_at, updated_at)
        select 'billet-' || i, 'Carnet ' || i || case when i % 2 = 1 then ' pluvieux' else ' ensoleillé' end,
               repeat('<p>Un jour au port, la ville dort encore.</p>', 35), 'published',
               to_char(timestamp '2020-01-01' + i * interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"'),
               '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z'
        from generate_series(1, ${POSTS}) as i`.execute(trx)
      await sql`update posts set published_at = '2099-01-01T00:00:00.000Z' where slug in ('billet-10', 'billet-20', 'billet-30')`.execute(
        trx,
      )
      await sql`
        insert into comments (post_id, author_name, body, status, created_at)
        select (select min(id) from posts) + i % ${POSTS}, 'Lecteur ' || i, 'Commentaire ' || i,
               case when i % 100 < 3 then 'pending' when i % 100 < 5 then 'spam' else 'approved' end,
               to_char(timestamp '2020-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"')
        from generate_series(1, ${COMMENTS}) as i`.execute(trx)
      await sql`
        insert into media (hash, name, type, width, height, bytes, created_at)
        select md5(i::text), md5(i::text) || '-640x480.jpg', 'image/jpeg', 640, 480, 1,
               to_char(timestamp '2020-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"')
        from generate_series(1, 3000) as i`.execute(trx)
      await sql`
        insert into mail_outbox (kind, recipient, lang, subject, text_body, html_body, message_id, status, next_attempt_at, created_at)
        select 'notify', 'r' || i || '@example.org', 'fr', 'Courrier ' || i, repeat('x', 500), repeat('x', 1000), '<m' || i || '@blog.test>',
               case when i % 50 = 0 then 'failed' else 'sent' end, '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z'
        from generate_series(1, 6000) as i`.execute(trx)
      // Two posts show the newest image (one in two sizes), one the next.
      await sql`update posts set body_source = '![Port](/media/' || md5('3000') || '-640x480.jpg) ![](/media/' || md5('3000') || '-320w.webp)' where slug = 'billet-5'`.execute(
        trx,
      )
      await sql`update posts set body_source = 'Voir ![Quai](/media/' || md5('3000') || '-640x480.jpg) et /media/' || md5('2999') || '-640x480.jpg' where slug = 'billet-6'`.execute(
        trx,
      )
    })
    for (const table of ['posts', 'comments', 'media', 'mail_outbox']) await sql`vacuum analyze ${sql.table(table)}`.execute(seeder)
    await seeder.destroy()
    // Every statement the app runs from here on (lists are read outside transactions: one executor).
    const executor = db().getExecutor()
    const execute = executor.executeQuery.bind(executor)
    executor.executeQuery = <R>(query: CompiledQuery, ...rest: unknown[]): Promise<QueryResult<R>> => {
      ran.push(query)
      return (execute as (q: CompiledQuery, ...r: unknown[]) => Promise<QueryResult<R>>)(query, ...rest)
    }
  }, 120_000)
  afterAll(() => blog.close())

  /** The rows each big table's scans read (returned and removed by a filter, every loop), per statement a page ran. */
  async function readsOf(url: string): Promise<Array<{ sql: string; rows: Map<string, number>; plan: string[] }>> {
    ran.length = 0
    const res = await admin.get(url)
    expect([200, 303], url).toContain(res.statusCode)
    const statements = ran.filter((q) => /\b(posts|comments|media|mail_outbox)\b/.test(q.sql) && /^\s*select/i.test(q.sql))
    ran.length = 0
    const out = []
    for (const q of statements) {
      const { rows } = await db().executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        CompiledQuery.raw(`explain (analyze, format json) ${q.sql}`, [...q.parameters]),
      )
      const all = nodes(rows[0]!['QUERY PLAN'][0]!.Plan)
      const read = new Map<string, number>()
      for (const n of all.filter((n) => n['Relation Name']))
        read.set(
          n['Relation Name']!,
          (read.get(n['Relation Name']!) ?? 0) +
            (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'],
        )
      out.push({ sql: q.sql, rows: read, plan: all.map((n) => `${n['Node Type']} ${n['Index Name'] ?? n['Relation Name'] ?? ''}`) })
    }
    ran.length = 0
    return out
  }

  /**
   * At most this many rows of a table for one statement: a page's rows and theirs (a page of 50 posts counts their
   * comments); for a tab's count, which
   * stops at COUNT_CAP + 1 of its status (with the few of other statuses met on the way), twice that (a third of
   * the comments here).
   */
  const bound = (table: string, text: string) => (/^select count\(\*\) as "n" from \(select/.test(text) ? 2 * (COUNT_CAP + 1) : 2000)

  const lists = [
    '/admin/posts',
    '/admin/posts?state=published',
    '/admin/posts?state=scheduled',
    '/admin/comments',
    '/admin/comments?status=approved',
    '/admin/comments?status=spam',
    '/admin/media',
    '/admin/mail',
    '/admin/mail?status=failed',
  ]

  it('reads each list and its next page from an index, a page of rows, whatever the blog holds', async () => {
    for (const url of lists) {
      const first = await admin.get(url)
      expect(first.statusCode, url).toBe(200)
      const next = /<a class="next"[^>]* href="([^"]+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&')
      for (const page of next ? [url, next] : [url]) {
        const reads = await readsOf(page)
        expect(reads.length, page).toBeGreaterThan(0)
        for (const { sql: text, rows, plan } of reads)
          for (const [table, n] of rows)
            expect(n, `${page}: ${table} in ${text}\n${plan.join('\n')}`).toBeLessThanOrEqual(bound(table, text))
      }
    }
  })

  it('says which posts use each image of the media page from the index of the hashes they name', async () => {
    const ids = Object.fromEntries(
      (await db().selectFrom('posts').select(['id', 'slug']).where('slug', 'in', ['billet-5', 'billet-6']).execute()).map((r) => [
        r.slug,
        r.id,
      ]),
    )
    const page = await admin.get('/admin/media')
    const item = (hash: string) => page.body.split('<li class="media-item"').find((chunk) => chunk.includes(`/media/${hash}-`)) ?? ''
    const [newest, next] = (await sql<{ a: string; b: string }>`select md5('3000') as a, md5('2999') as b`.execute(db())).rows.map((r) => [
      r.a,
      r.b,
    ])[0]!
    expect(item(newest!)).toContain(`/admin/posts/${ids['billet-5']}"`)
    expect(item(newest!)).toContain(`/admin/posts/${ids['billet-6']}"`)
    expect(item(next!)).toContain(`/admin/posts/${ids['billet-6']}"`)
    expect(item(next!)).not.toContain(`/admin/posts/${ids['billet-5']}"`)
  })

  it("reads one post's comments from its own rows, as filtered by the admin", async () => {
    const { id } = await db().selectFrom('posts').select('id').where('slug', '=', 'billet-4000').executeTakeFirstOrThrow()
    for (const page of [`/admin/comments?status=approved&post=${id}`, `/admin/comments?status=pending&post=${id}`])
      for (const { sql: text, rows, plan } of await readsOf(page))
        for (const [table, n] of rows) expect(n, `${page}: ${table} in ${text}\n${plan.join('\n')}`).toBeLessThanOrEqual(bound(table, text))
  })

  it('finds a post by words of its title from the trigram index, whether the words are in many titles or none', async () => {
    for (const words of ['introuvable', 'carnet 4321', 'pluvieux', 'billet-77']) {
      for (const base of ['/admin/comments?status=approved&find=', '/admin/mail?find=']) {
        const page = base + encodeURIComponent(words)
        const reads = await readsOf(page)
        for (const { sql: text, rows, plan } of reads)
          for (const [table, n] of rows)
            expect(n, `${page}: ${table} in ${text}\n${plan.join('\n')}`).toBeLessThanOrEqual(bound(table, text))
      }
    }
    // What the filter finds is unchanged: every title holding the words, newest first.
    const several = await admin.get(`/admin/comments?status=approved&find=${encodeURIComponent('carnet 432')}`)
    const titles = [...several.body.matchAll(/<li><a href="\/admin\/comments\?status=approved&amp;post=\d+"><bdi>([^<]+)</g)].map(
      (m) => m[1],
    )
    expect(titles.slice(0, 3)).toEqual(['Carnet 5432 ensoleillé', 'Carnet 4432 ensoleillé', 'Carnet 4329 pluvieux'])
  })
})
