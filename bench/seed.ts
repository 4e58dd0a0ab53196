// Generates a blog for the benchmarks: `npm run bench:seed -- --posts N --comments M [--db path]`.
// French text from word lists, categories, tags, comment threads with replies, a post with 10,000 comments and a
// few with thousands, a post with exactly 2, drafts and scheduled posts. Rows go in through better-sqlite3's
// prepared statements in large transactions (the app's Kysely layer is for pages, not for a million rows).
// Deterministic: the same arguments give the same blog. Writes `<db>.json` with the addresses the benchmark
// requests.
import { rmSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { openBlog } from '../src/blog.ts'
import { slugify } from '../src/lib/slug.ts'
import { categoryPath, monthPath, postPath } from '../src/lib/urls.ts'
import { zonedParts } from '../src/lib/time.ts'
import { ADJECTIVES, CATEGORIES, CONNECTORS, FIRST_NAMES, LAST_NAMES, NOUNS, TAGS, VERBS } from './words.ts'

export interface BenchManifest {
  db: string
  posts: number
  comments: number
  timeZone: string
  /** An ordinary post (a few comments). */
  post: string
  /** The post with 10,000 comments. */
  heavyPost: string
  /** A post with exactly 2 comments. */
  lightPost: string
  category: string
  month: string
}

const { values: args } = parseArgs({
  options: {
    posts: { type: 'string', default: '1000' },
    comments: { type: 'string', default: '' },
    db: { type: 'string', default: 'bench/out/bench.db' },
    quiet: { type: 'boolean', default: false },
  },
})
const POSTS = Number(args.posts)
const COMMENTS = args.comments === '' ? POSTS * 10 : Number(args.comments)
const HEAVY = 10_000
if (!Number.isInteger(POSTS) || POSTS < 10) throw new Error('--posts must be a whole number ≥ 10')
if (!Number.isInteger(COMMENTS) || COMMENTS < HEAVY + 2) throw new Error(`--comments must be ≥ ${HEAVY + 2}`)
const TIME_ZONE = 'Europe/Paris'
const log = (s: string) => args.quiet || console.log(s)

// ---- deterministic random (mulberry32) ----
let state = 0x2f6b_a9c1
function random(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number) => Math.floor(random() * n)
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

function sentence(): string {
  const parts = [pick(['Le', 'Un', 'Ce']), pick(NOUNS), pick(ADJECTIVES), pick(VERBS), 'le', pick(NOUNS)]
  if (random() < 0.5) parts.push(pick(CONNECTORS), 'le', pick(NOUNS), pick(ADJECTIVES))
  if (random() < 0.4) parts.push('de la', pick(NOUNS))
  return `${cap(parts.join(' '))}.`
}
const paragraph = (n: number) => Array.from({ length: n }, sentence).join(' ')
const person = () => `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

// ---- the database ----
rmSync(args.db, { force: true })
rmSync(`${args.db}-wal`, { force: true })
rmSync(`${args.db}-shm`, { force: true })
const started = Date.now()
const { sqlite: maybeSqlite, db } = await openBlog({
  databasePath: args.db,
  initialSettings: { title: 'Carnet de bord', description: 'Un blog généré pour les mesures.', language: 'fr', timezone: TIME_ZONE },
  demoContent: false,
})
// The seed writes straight into a SQLite file (the bench copies it to PostgreSQL with the copy command).
if (!maybeSqlite) throw new Error('bench:seed writes a SQLite file: give it a path')
const sqlite = maybeSqlite
// A throwaway database: no need to survive a crash while it is filled.
sqlite.pragma('synchronous = OFF')

// Triggers and secondary indexes are set aside while the rows go in, then put back and their tables filled in
// one statement each: a trigger fired per row (counts, the search queue, post_stats) and index pages split at
// random cost more than the rows themselves. The schema's own SQL is kept from sqlite_master, so that what comes
// back is exactly what the migrations made.
const FILLED = ['posts', 'comments', 'post_categories', 'post_tags', 'categories']
const setAside = sqlite
  .prepare(
    `select type, name, sql from sqlite_master
     where type in ('trigger', 'index') and sql is not null and tbl_name in (${FILLED.map(() => '?').join(', ')})`,
  )
  .all(...FILLED) as Array<{ type: 'trigger' | 'index'; name: string; sql: string }>
for (const { type, name } of setAside) sqlite.exec(`drop ${type} "${name}"`)

const insertCategory = sqlite.prepare('insert into categories (name, slug, created_at) values (?, ?, ?)')
const insertPost = sqlite.prepare(
  `insert into posts (slug, title, body_source, body_html, excerpt, signature, status, published_at, comments_open,
   created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
)
const insertPostCategory = sqlite.prepare('insert into post_categories (post_id, category_id) values (?, ?)')
const insertTag = sqlite.prepare('insert into post_tags (post_id, position, name) values (?, ?, ?)')
const insertComment = sqlite.prepare(
  `insert into comments (post_id, parent_id, author_name, author_email, author_url, body, status, created_at, ip)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
)

const epoch = Date.UTC(2010, 0, 1)
const now = Date.now()
const nowIso = new Date(now).toISOString()
const categoryIds: number[] = []
sqlite.transaction(() => {
  for (const name of CATEGORIES)
    categoryIds.push(Number(insertCategory.run(name, slugify(name), new Date(epoch).toISOString()).lastInsertRowid))
})()

// Posts, oldest first, spread evenly from 2010 to yesterday; 1 in 200 is a draft, the last 3 are scheduled.
interface PostInfo {
  id: number
  slug: string
  publishedAt: string
  visible: boolean
}
const posts: PostInfo[] = []
const span = now - 86_400_000 - epoch
const BATCH = 5_000
for (let from = 0; from < POSTS; from += BATCH) {
  sqlite.transaction(() => {
    for (let i = from; i < Math.min(POSTS, from + BATCH); i++) {
      const title = cap(
        `${pick(NOUNS)} ${pick(ADJECTIVES)} : ${pick(['le', 'la', 'un', 'une'])} ${pick(NOUNS)} ${pick(VERBS)} ${pick(NOUNS)}`,
      )
      const slug = `${slugify(title)}-${i + 1}`
      const paragraphs = Array.from({ length: 4 + int(6) }, () => paragraph(3 + int(5)))
      const scheduled = i >= POSTS - 3
      const draft = !scheduled && i % 200 === 199
      const publishedAt = scheduled
        ? new Date(now + (i - POSTS + 4) * 86_400_000).toISOString()
        : new Date(epoch + Math.floor((span * i) / POSTS) + int(3_600_000)).toISOString()
      const id = Number(
        insertPost.run(
          slug,
          title,
          paragraphs.join('\n\n'),
          paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n'),
          paragraphs[0]!.slice(0, 240),
          'La rédaction',
          draft ? 'draft' : 'published',
          draft ? null : publishedAt,
          1,
          publishedAt,
          publishedAt,
        ).lastInsertRowid,
      )
      const cats = new Set([pick(categoryIds)])
      if (random() < 0.4) cats.add(pick(categoryIds))
      for (const c of cats) insertPostCategory.run(id, c)
      const tags = new Set(Array.from({ length: int(4) }, () => pick(TAGS)))
      let position = 0
      for (const t of tags) insertTag.run(id, position++, t)
      posts.push({ id, slug, publishedAt, visible: !draft && !scheduled })
    }
  })()
}
log(`${POSTS} posts in ${((Date.now() - started) / 1000).toFixed(1)} s`)

// Comments. The newest visible post gets 10,000, a few others thousands, one exactly 2; the rest spread with a
// long tail (most posts few, some dozens). 30 % are replies in the same thread; 3 % pending, 2 % spam.
const visible = posts.filter((p) => p.visible)
const heavy = visible.at(-1)!
const light = visible.at(-2)!
const ordinary = visible.at(-3)!
const plan = new Map<PostInfo, number>([
  [heavy, HEAVY],
  [light, 2],
  [ordinary, 12],
])
let left = COMMENTS - HEAVY - 2 - 12
for (const k of [3000, 2000, 1000]) {
  if (left < k * 2 || visible.length < 10) break
  const p = visible[int(visible.length - 3)]!
  if (!plan.has(p)) {
    plan.set(p, k)
    left -= k
  }
}
while (left > 0) {
  const p = visible[Math.floor(visible.length * Math.sqrt(random()) * 0.999)]! // newer posts get more comments
  if (p === heavy || p === light || p === ordinary) continue
  const n = Math.min(left, 1 + int(random() < 0.1 ? 60 : 8))
  plan.set(p, (plan.get(p) ?? 0) + n)
  left -= n
}
let written = 0
const entries = [...plan]
let i = 0
while (i < entries.length) {
  sqlite.transaction(() => {
    let inBatch = 0
    while (i < entries.length && inBatch < 50_000) {
      const [post, n] = entries[i++]!
      const ids: number[] = []
      const t0 = Date.parse(post.publishedAt)
      const step = Math.max(1000, Math.floor((Math.min(now, t0 + 30 * 86_400_000) - t0) / (n + 1)))
      for (let k = 0; k < n; k++) {
        const reply = ids.length > 0 && random() < 0.3
        const r = random()
        const status = post === light || post === heavy ? 'approved' : r < 0.95 ? 'approved' : r < 0.98 ? 'pending' : 'spam'
        const name = person()
        const id = Number(
          insertComment.run(
            post.id,
            reply ? ids[ids.length - 1 - int(Math.min(ids.length, 5))]! : null,
            name,
            `${slugify(name)}@example.org`,
            random() < 0.2 ? `https://${slugify(name)}.example.org/` : null,
            paragraph(1 + int(4)),
            status,
            new Date(Math.min(now - 1000, t0 + step * (k + 1))).toISOString(),
            '127.0.0.1',
          ).lastInsertRowid,
        )
        if (status === 'approved') ids.push(id)
      }
      inBatch += n
      written += n
    }
  })()
  log(`${written} comments…`)
}
// Indexes first (the triggers' statements use them), then the tables the triggers keep, counted whole once.
const rebuilt = Date.now()
sqlite.transaction(() => {
  for (const { sql } of setAside.filter((o) => o.type === 'index')) sqlite.exec(sql)
  for (const { sql } of setAside.filter((o) => o.type === 'trigger')) sqlite.exec(sql)
  sqlite.exec(`
    delete from post_stats;
    insert into post_stats (post_id, approved_comments)
      select post_id, count(*) from comments where status = 'approved' group by post_id;
    delete from month_counts;
    insert into month_counts (month, posts)
      select substr(published_at, 1, 7), count(*) from posts where status = 'published' and published_at is not null
      group by substr(published_at, 1, 7);
    delete from category_counts;
    insert into category_counts (category_id, posts)
      select pc.category_id, count(*) from post_categories pc join posts p on p.id = pc.post_id
      where p.status = 'published' and p.published_at is not null group by pc.category_id;
    insert or ignore into search_queue (post_id) select id from posts;`)
})()
log(`indexes, triggers and kept tables rebuilt in ${((Date.now() - rebuilt) / 1000).toFixed(1)} s`)
sqlite.pragma('wal_checkpoint(TRUNCATE)')
await db.destroy()

const tz = TIME_ZONE
const { year, month } = zonedParts(ordinary.publishedAt, tz)
const manifest: BenchManifest = {
  db: args.db,
  posts: POSTS,
  comments: COMMENTS,
  timeZone: tz,
  post: postPath({ slug: ordinary.slug, published_at: ordinary.publishedAt }, tz),
  heavyPost: postPath({ slug: heavy.slug, published_at: heavy.publishedAt }, tz),
  lightPost: postPath({ slug: light.slug, published_at: light.publishedAt }, tz),
  category: categoryPath(slugify(CATEGORIES[0]!)),
  month: monthPath(year, month),
}
writeFileSync(`${args.db}.json`, `${JSON.stringify(manifest, null, 2)}\n`)
log(`${POSTS} posts, ${written} comments in ${((Date.now() - started) / 1000).toFixed(1)} s → ${args.db} (as of ${nowIso})`)
