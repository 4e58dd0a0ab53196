// Search at any size, on both databases (issue 27): the same posts in the same order on SQLite and PostgreSQL
// for the same words (every expectation here is written once and checked on both), the count estimated beyond
// the 1,000 newest matches ("Environ 6 000 résultats"), paging, and the shape of the statements that keep a
// search's cost bounded whatever the number of posts (their plans, and how many times the index is read).
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import * as postgres from '../../src/search/fts.postgres.ts'
import * as sqlite from '../../src/search/fts.sqlite.ts'
import { prefixExpression, toMatchQuery } from '../../src/search/query.ts'
import { estimateTotal, idSpanQuery, rankWindow } from '../../src/search/rank.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'

const NOW = '2030-01-01T00:00:00.000Z'
const long = (n: number) => Array.from({ length: n }, (_, i) => `remplissage${i % 7}`).join(' ')

/** The post addresses a results page lists, in order. */
function resultUrls(html: string): string[] {
  return [...mainOf(html).matchAll(/<h3 class="post-title"><a href="([^"]+)">/g)].map((m) => m[1]!.replace(/^.*\//, ''))
}

describe('search: the same results on both databases, paged, estimated beyond the cap, with bounded plans', () => {
  let blog: TestBlog
  const search = (q: string, page = 1) => blog.app.inject(`/search?q=${encodeURIComponent(q)}&page=${page}`)

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    const post = (title: string, body: string, day: number, more: { tags?: string[]; categories?: string[] } = {}) =>
      createPost(blog.app.db, {
        title,
        body,
        status: 'published',
        publishedAt: new Date(Date.UTC(2020, 0, day, 12)).toISOString(),
        ...more,
      })
    // One word where a reader would look for it first: the title, then categories and tags, then the body (more
    // often first, and in a short post before a long one); the newest first among equals.
    await post('Orchidée', 'Une fleur.', 1)
    await post('Carnet du jour', 'Rien de neuf.', 2, { tags: ['orchidée'] })
    await post('Au marché', 'Orchidée et orchidée.', 3)
    await post('Au jardin', 'Une orchidée.', 4)
    await post('Au musée', `Une orchidée. ${long(300)}`, 5)
    await post('Au port', 'Une orchidée.', 6)
    // Two words.
    await post('Fleuve et montagne', 'Le fleuve descend de la montagne.', 7)
    await post('Montagne', 'Un fleuve au loin.', 8)
    await post('Au fleuve', 'Vers la montagne, un jour.', 9)
    // A word typed in full that begins a longer one: `ville`, `villes`.
    await post('La ville', 'Une note.', 40)
    await post('Aux portes', 'Selon les guides, les villes voisines dorment encore.', 41)
    await post('Au quai', 'Selon la ville.', 42)
    // Fifteen matches: two pages.
    for (let i = 1; i <= 15; i++) await post(`Escale ${i}`, 'Une escale à Zanzibar.', 10 + i)
  })
  afterAll(() => blog.close())

  it.each([
    ['orchidee', ['orchidee.html', 'carnet-du-jour.html', 'au-marche.html', 'au-port.html', 'au-jardin.html', 'au-musee.html']],
    ['Orchidée', ['orchidee.html', 'carnet-du-jour.html', 'au-marche.html', 'au-port.html', 'au-jardin.html', 'au-musee.html']],
    ['fleuve montagne', ['fleuve-et-montagne.html', 'montagne.html', 'au-fleuve.html']],
    // The word as typed first (title, then body), then the posts with only a longer word it begins.
    ['ville', ['la-ville.html', 'au-quai.html', 'aux-portes.html']],
    ['selon ville', ['au-quai.html', 'aux-portes.html']],
  ])('%j: the same posts in the same order on either database', async (q, expected) => {
    expect(resultUrls((await search(q)).body)).toEqual(expected)
  })

  it('pages through the results: ten a page, the rest on the second, then the end', async () => {
    const first = await search('zanzibar')
    expect(visibleText(mainOf(first.body))).toContain('15 résultats pour « zanzibar »')
    expect(resultUrls(first.body)).toEqual(Array.from({ length: 10 }, (_, i) => `escale-${15 - i}.html`))
    expect(resultUrls((await search('zanzibar', 2)).body)).toEqual(Array.from({ length: 5 }, (_, i) => `escale-${5 - i}.html`))
    expect(visibleText(mainOf((await search('zanzibar', 3)).body))).toContain('Cette page de résultats n’existe pas.')
  })

  it('estimates the count beyond the window from the share of the posts the window spans', () => {
    // 1,000 matches among the newest 1,700 of 100,000 posts: about 59,000 (58,824 to two significant digits).
    expect(estimateTotal(1000, 98_301, { min: 1, max: 100_000 })).toBe(59_000)
    expect(estimateTotal(1000, 5001, { min: 1, max: 6000 })).toBe(6000)
    // Never "about 1,000" when more than 1,000 match.
    expect(estimateTotal(1000, 2, { min: 1, max: 1001 })).toBe(1100)
    const rows = Array.from({ length: 4 }, (_, i) => ({ id: 10 + i, published_at: `2020-01-0${i + 1}`, score: i % 2 }))
    // The best first, the newest first among equals; the oldest beyond the cap left out of the window.
    // Three of the four newest of 13 posts: about 13 (3 × 13 / 3).
    expect(rankWindow(rows, 3, 10, 0, { min: 1, max: 13 })).toEqual({ total: 13, capped: true, pageable: 3, ids: [13, 11, 12] })
    expect(rankWindow(rows, 10, 2, 2, { min: 1, max: 13 })).toEqual({ total: 4, capped: false, pageable: 4, ids: [12, 10] })
  })

  it('reads the window in the index order, without sorting every match, and visits each post by its key', async () => {
    const db = blog.app.db
    if (blog.app.dialect === 'sqlite') {
      const plan = await sql<{
        detail: string
      }>`explain query plan ${sqlite.windowSql(prefixExpression(toMatchQuery('orchidee')!), NOW, 1000)}`.execute(db)
      const steps = plan.rows.map((r) => r.detail)
      expect(steps[0]).toMatch(/^SCAN posts_fts VIRTUAL TABLE INDEX/)
      // Each post's visibility from the narrow index posts_listed_by_id, not from its wide row.
      expect(steps[1]).toMatch(/^SEARCH p USING COVERING INDEX posts_listed_by_id \(id=\?/)
      expect(steps.join('\n')).not.toContain('TEMP B-TREE')
      return
    }
    const plan = async (read: postgres.WindowRead) =>
      db.transaction().execute(async (trx) => {
        // A blog this small is read from the GIN index either way; without it, only the window's order is left
        // to serve a common word: backwards along the primary key, or (`+ 0`) a sort of every match.
        if (read.backwards) await sql`set local enable_bitmapscan = off; set local enable_seqscan = off`.execute(trx)
        const query = postgres.tsquery(['orchidee'], 'carnet_french')
        const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${postgres.hitsSql(query, 1051, read)}`.execute(trx)
        return rows.map((r) => r['QUERY PLAN']).join('\n')
      })
    // A rarer word: its matches from the GIN index, then the newest of them (a top-N sort of the matches only).
    expect(await plan({ backwards: false })).toMatch(/Bitmap Index Scan on posts_search_document/)
    expect(await plan({ backwards: false })).not.toMatch(/Index Scan Backward/)
    // A word in most posts: backwards along the primary key, stopping after the window (no sort of the matches).
    const backwards = await plan({ backwards: true })
    expect(backwards).toMatch(/Index Scan Backward using posts_search_pkey on posts_search/)
    expect(backwards).not.toMatch(/Sort/)
  })

  it('PostgreSQL: tells a word in most posts from a rarer one by the index statistics, before reading anything', async () => {
    if (blog.app.dialect !== 'postgres') return
    await sql`analyze posts_search`.execute(blog.app.db)
    const share = async (word: string) => (await postgres.estimatedShare(blog.app.db, postgres.tsquery([word], 'carnet_french'))).share
    // "une" is a stop word; "escale" is in 15 of 24 posts, "orchidée" in 6.
    expect(await share('escale')).toBeGreaterThan(0.4)
    expect(await share('orchidee')).toBeLessThan(0.4)
    // Backwards only when few posts are read before the window is full: never at this size, for 60 % at 100,000.
    expect(postgres.readBackwards(0.6, 24, 1051)).toBe(false)
    expect(postgres.readBackwards(0.6, 100_000, 1051)).toBe(true)
    expect(postgres.readBackwards(0.07, 100_000, 1051)).toBe(false)
    // A word in a quarter of them: the newest matches of the GIN index (within a range) cost less.
    expect(postgres.readBackwards(0.26, 100_000, 1051)).toBe(false)
  })

  it('SQLite: searches a last word as the indexed words it begins, never as a prefix FTS5 would merge whole', async () => {
    if (blog.app.dialect !== 'sqlite') return
    const statements = blog.app.statements
    const prepare = statements.prepare.bind(statements)
    const ran: Array<{ text: string; args: unknown[] }> = []
    // Each statement's parameters as it runs: the MATCH expressions FTS5 was given.
    statements.prepare = (text: string) => {
      const statement = prepare(text)
      if (!/posts_fts match/i.test(text)) return statement
      return new Proxy(statement, {
        get: (target, key) => {
          const value = Reflect.get(target, key, target)
          if (typeof value !== 'function') return value
          return (...args: unknown[]) => {
            if (key === 'all' || key === 'iterate' || key === 'get') ran.push({ text, args: args[0] as unknown[] })
            return value.apply(target, args)
          }
        },
      })
    }
    const expressions = () => ran.splice(0).map((r) => r.args.find((a) => typeof a === 'string' && a.startsWith('"')))
    try {
      expect(resultUrls((await search('Selon VILLE')).body)).toEqual(['au-quai.html', 'aux-portes.html'])
      // The window, the word as typed for its ranking, the excerpts: no `*` for FTS5 to merge.
      const excerpts = ran.at(-1)!
      expect(expressions()).toEqual(['"Selon" AND ("ville" OR "villes")', '"Selon" AND "ville"', '"Selon" AND ("ville" OR "villes")'])
      // The excerpts' range of ids as INTEGERs: FTS5 ignores a rowid bound that is a REAL (the SQLite driver binds a
      // JS number so) and would read every match.
      expect(excerpts.text).toMatch(/posts_fts\.rowid between \? and \?/)
      expect(excerpts.args.filter((a) => typeof a === 'number' || typeof a === 'bigint').map((a) => typeof a)).toEqual([
        'bigint',
        'bigint',
        'number',
        'number',
      ])
      // A word beginning no other is searched by name alone; one beginning no indexed word reads nothing.
      expect(resultUrls((await search('orchid')).body)).toHaveLength(6)
      expect(expressions()).toEqual(['"orchidee"', '"orchidee"'])
      expect(visibleText(mainOf((await search('zanzibar orchidx')).body))).toContain('Aucune note ne correspond')
      expect(expressions()).toEqual([])
      // Short prefixes keep FTS5's prefix indexes; so do words FTS5 cuts in two.
      await search('orc')
      await search('fleuve-et-mont')
      expect(expressions()).toEqual(['"orc"*', '"orc"*', '"fleuve-et-mont"*', '"fleuve-et-mont"*'])
    } finally {
      statements.prepare = prepare
    }
  })

  it('SQLite: reads the lowest and highest ids by two seeks, not through every post', async () => {
    if (blog.app.dialect !== 'sqlite') return
    const plan = await sql.raw<{ detail: string }>(`explain query plan ${idSpanQuery(blog.app.db).compile().sql}`).execute(blog.app.db)
    const reads = plan.rows.map((r) => r.detail).filter((d) => / posts\b/.test(d))
    expect(reads).toHaveLength(2)
    for (const read of reads) expect(read).toMatch(/^SEARCH posts /)
  })

  it('SQLite: finds what the prefix finds, whichever way the last word is searched', async () => {
    if (blog.app.dialect !== 'sqlite') return
    const db = blog.app.db
    for (const q of [
      'ville',
      'vill',
      'Villes',
      'selon ville',
      'selon vi',
      'orchid',
      'Orchidée',
      'montagne',
      'zanzibar escal',
      'escale-1',
      'orchidx',
    ]) {
      const query = toMatchQuery(q)!
      const found = await sqlite.searchPosts(db, query, NOW, 1000, 0, 1000)
      const { rows } = await sql<{ id: number }>`
        select posts_fts.rowid as id from posts_fts where posts_fts match ${prefixExpression(query)}`.execute(db)
      expect(found.hits.map((h) => h.id).sort(), q).toEqual(rows.map((r) => r.id).sort())
      expect(found.total, q).toBe(rows.length)
    }
  })

  it('SQLite: reads the index twice for a page, the window with its scores and the shown posts, whatever the matches', async () => {
    if (blog.app.dialect !== 'sqlite') return
    const statements = blog.app.statements
    const prepare = statements.prepare.bind(statements)
    const seen: string[] = []
    statements.prepare = (text: string) => (seen.push(text), prepare(text))
    try {
      // A query no earlier test made: the page cache answers those.
      expect(resultUrls((await search('escale zanzibar', 2)).body)).toHaveLength(5)
    } finally {
      statements.prepare = prepare
    }
    expect(seen.filter((text) => /posts_fts match/i.test(text))).toHaveLength(2)
  })
})
