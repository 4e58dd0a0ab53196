// Generates a blog for the benchmarks: `npm run bench:seed -- --posts N --comments M [--db path]`.
// French text from word lists, categories, tags, comment threads with replies, a post with 10,000 comments and a
// few with thousands, a post with exactly 2, drafts and scheduled posts. Rows go in through bench/seed-sink.ts, into
// a SQLite file or straight into an empty PostgreSQL database (`--db postgres://…`), in large transactions with the
// triggers and secondary indexes set aside until the end (the app's Kysely layer is for pages, not for a million
// rows). Deterministic: the same arguments give the same blog. Writes `<db>.json` (PostgreSQL: `--manifest`,
// default bench/out/postgres.json) with the addresses the benchmark requests.
import { rmSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { openBlog } from '../src/blog.ts'
import { redactUrl } from '../src/db/postgres.ts'
import { postgresSink, sqliteSink } from './seed-sink.ts'
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
    manifest: { type: 'string' },
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
const postgres = /^postgres(ql)?:\/\//.test(args.db!)
if (!postgres) for (const f of [args.db!, `${args.db}-wal`, `${args.db}-shm`]) rmSync(f, { force: true })
const started = Date.now()
const { sqlite, db } = await openBlog({
  databasePath: args.db!,
  initialSettings: { title: 'Carnet de bord', description: 'Un blog généré pour les mesures.', language: 'fr', timezone: TIME_ZONE },
  demoContent: false,
})
const sink = sqlite ? sqliteSink(sqlite) : await postgresSink(args.db!)
const epoch = Date.UTC(2010, 0, 1)
const now = Date.now()
const nowIso = new Date(now).toISOString()
const categoryIds: number[] = []
for (const name of CATEGORIES) {
  categoryIds.push(categoryIds.length + 1)
  await sink.add('categories', [categoryIds.length, name, slugify(name), new Date(epoch).toISOString()])
}

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
await sink.commit() // the categories
for (let from = 0; from < POSTS; from += BATCH) {
  {
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
      const id = i + 1
      await sink.add('posts', [
        id,
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
      ])
      const cats = new Set([pick(categoryIds)])
      if (random() < 0.4) cats.add(pick(categoryIds))
      for (const c of cats) await sink.add('post_categories', [id, c])
      const tags = new Set(Array.from({ length: int(4) }, () => pick(TAGS)))
      let position = 0
      for (const t of tags) await sink.add('post_tags', [id, position++, t])
      posts.push({ id, slug, publishedAt, visible: !draft && !scheduled })
    }
  }
  await sink.commit()
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
let commentId = 0
while (i < entries.length) {
  {
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
        const id = ++commentId
        await sink.add('comments', [
          id,
          post.id,
          reply ? ids[ids.length - 1 - int(Math.min(ids.length, 5))]! : null,
          name,
          `${slugify(name)}@example.org`,
          random() < 0.2 ? `https://${slugify(name)}.example.org/` : null,
          paragraph(1 + int(4)),
          status,
          new Date(Math.min(now - 1000, t0 + step * (k + 1))).toISOString(),
          '127.0.0.1',
        ])
        if (status === 'approved') ids.push(id)
      }
      inBatch += n
      written += n
    }
  }
  await sink.commit()
  log(`${written} comments…`)
}
const rebuilt = Date.now()
await sink.finish()
log(`indexes, triggers and kept tables rebuilt in ${((Date.now() - rebuilt) / 1000).toFixed(1)} s`)
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
writeFileSync(args.manifest ?? (postgres ? 'bench/out/postgres.json' : `${args.db}.json`), `${JSON.stringify(manifest, null, 2)}\n`)
log(
  `${POSTS} posts, ${written} comments in ${((Date.now() - started) / 1000).toFixed(1)} s → ${postgres ? redactUrl(args.db!) : args.db} (as of ${nowIso})`,
)
