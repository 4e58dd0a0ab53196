// Every SQL statement the public pages run, checked with EXPLAIN QUERY PLAN on a generated blog (2,000 posts,
// 20,000 comments): none may read the whole posts or comments table. The statements are the ones the pages
// really ran, taken from the database layer's statement cache.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BenchManifest } from '../../bench/seed.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

interface PlanRow {
  id: number
  parent: number
  detail: string
}

describe('query plans of the public pages', () => {
  let blog: TestBlog
  let manifest: BenchManifest
  const statements = new Map<string, PlanRow[]>()

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, env: { PAGE_CACHE: 'off' } })
    await blog.close()
    const db = join(blog.dir, 'carnet.db')
    const seed = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/seed.ts', '--posts', '2000', '--comments', '20000', '--db', db, '--quiet'],
      { encoding: 'utf8' },
    )
    expect(seed.stderr).toBe('')
    expect(seed.status).toBe(0)
    manifest = JSON.parse(readFileSync(`${db}.json`, 'utf8')) as BenchManifest
    blog = await buildTestApp({ dir: blog.dir, env: { PAGE_CACHE: 'off' } })
    blog.app.statements.clear()
    for (const url of [
      '/',
      '/?page=3',
      manifest.post,
      manifest.heavyPost,
      manifest.category,
      `${manifest.category}?page=2`,
      manifest.month,
      manifest.month.split('/').slice(0, 3).join('/') + '/',
      '/nulle-part',
    ]) {
      const res = await blog.app.inject(url)
      expect(res.statusCode, url).toBe(url === '/nulle-part' ? 404 : 200)
    }
    for (const sql of blog.app.statements.sqlTexts()) {
      // The plan does not depend on the values: bind nulls.
      const params = Array.from({ length: sql.split('?').length - 1 }, () => null)
      statements.set(sql, blog.app.sqlite.prepare(`explain query plan ${sql}`).all(...params) as PlanRow[])
    }
  }, 60_000)
  afterAll(() => blog.close())

  it('captured the statements of every page', () => {
    const all = [...statements.keys()].join('\n')
    for (const part of ['from "posts"', 'from "comments"', 'from "post_categories"', 'from "post_tags"', 'json_each']) {
      expect(all).toContain(part)
    }
    expect(statements.size).toBeGreaterThanOrEqual(15)
  })

  it("asks whether bylines show through the writers, one seek into each one's posts", () => {
    const [sql, plan] = [...statements].find(([sql]) => sql.includes('from "users" as "u" where exists')) ?? []
    expect(sql, 'the bylines statement').toBeDefined()
    expect(plan!.map((r) => r.detail).join('\n')).toMatch(/SEARCH p (EXISTS )?USING (COVERING )?INDEX posts_author \(author_id=\?/)
  })

  it('never scans the posts or comments tables', () => {
    const scans: string[] = []
    for (const [sql, plan] of statements) {
      for (const row of plan) {
        if (!/^SCAN\b/.test(row.detail)) continue
        // Allowed scans, each bounded:
        // - json_each(?): the list given as a parameter (the ids of one page's posts, the sidebar's months).
        // - the kept counts (src/content/post-counts.ts): one row per category (cc) and per month that has posts.
        if (/^SCAN (r|json_each)\b.*VIRTUAL TABLE/.test(row.detail)) continue
        if (/^SCAN cc$/.test(row.detail) && sql.includes('from "category_counts" as "cc"')) continue
        if (/^SCAN month_counts\b/.test(row.detail)) continue
        // - menu_items (m): the header's menu, a handful of rows the admin arranged, read whole once per
        //   freshness generation (src/pages/pages.routes.ts).
        if (/^SCAN m\b/.test(row.detail) && sql.includes('from "menu_items" as "m"')) continue
        // - users (u): the writers, a handful, each with one seek into their posts (whether bylines show).
        if (/^SCAN u\b/.test(row.detail) && sql.includes('from "users" as "u" where exists')) continue
        scans.push(`${row.detail}\n    in: ${sql}`)
      }
    }
    if (process.env.SHOW_PLANS) for (const [sql, plan] of statements) console.log(sql, '\n  ' + plan.map((r) => r.detail).join('\n  '))
    expect(scans).toEqual([])
  })

  // At each check after a write or a scheduled post's moment (src/content/publications.ts), for each channel
  // (webmentions, mails, the fediverse): what changed among the posts the channel was told of. Driven from the
  // posts, it walked every visible post of the blog (published_at < now) for a few rows of post_channels: 30 ms of
  // one turn at 100,000 posts when a scheduled post came due.
  it("checks what the channels were told from the channels' rows, never from every visible post", async () => {
    const at = new Date(Date.now() - 1000).toISOString()
    await blog.app.db
      .insertInto('posts')
      .values({
        slug: 'programme',
        title: 'Programmé',
        body_html: '<p>x</p>',
        status: 'published',
        published_at: at,
        created_at: at,
        updated_at: at,
      })
      .execute()
    blog.app.statements.clear()
    await blog.app.publications.check()
    const plans = blog.app.statements.sqlTexts().map((sql) => {
      const params = Array.from({ length: sql.split('?').length - 1 }, () => null)
      const plan = blog.app.sqlite.prepare(`explain query plan ${sql}`).all(...params) as PlanRow[]
      return { sql, details: plan.map((r) => r.detail) }
    })
    const known = plans.find((p) => p.sql.includes('from "post_channels" as "c"') && p.sql.includes('"c"."version"'))
    expect(known, "the channels' known posts").toBeDefined()
    expect(known!.details[0]).toMatch(/^SEARCH c USING INDEX sqlite_autoindex_post_channels_1 \(channel=\?/)
    // No statement of the check reads the posts by a range of dates open towards the past.
    const open = plans.flatMap((p) =>
      p.details.filter((d) => /published_at<\?/.test(d) && !/published_at>\?/.test(d)).map((d) => `${d}\n    in: ${p.sql}`),
    )
    expect(open).toEqual([])
  })
})
