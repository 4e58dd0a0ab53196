// `npm run cli -- copy <from> <to>` between SQLite and PostgreSQL, in both directions and from PostgreSQL to
// PostgreSQL (SQLite to SQLite: copy.test.ts). A blog with a row in every copied table goes through the real
// command line; then every table is compared row for row, the copy serves the same pages byte for byte, and its
// sequences were moved past the copied ids (a new comment posted through the app gets a fresh id).
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/plugin.ts'
import type { Database } from '../../src/db/schema.ts'
import { COPIED_TABLES, copyBlog, parseDatabaseUrl } from '../../src/ops/copy.ts'
import { nowIso } from '../../src/lib/time.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, type TestBlog, useTempDir } from '../helpers/app.ts'
import { openPost, send } from '../helpers/comments.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { runCli } from '../helpers/cli.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'

const cli = (args: string[]) => runCli(args)

/** Every copied table's rows, in key order, read through the app's own Kysely (the same types on both databases). */
async function everyRow(url: string): Promise<Record<string, unknown[]>> {
  const { db } = await openDatabase(url, { poolSize: 2 })
  try {
    const tables: Record<string, unknown[]> = {}
    for (const { table, orderBy } of [...COPIED_TABLES, { table: 'post_stats' as const, orderBy: ['post_id'] }]) {
      let q = (db as unknown as Kysely<Record<string, Record<string, unknown>>>).selectFrom(table).selectAll()
      for (const column of orderBy) q = q.orderBy(column)
      tables[table] = await q.execute()
    }
    return tables
  } finally {
    await db.destroy()
  }
}

const BIG = `${'Un long texte, مرحبا بالعالم, 🌿🇸🇾👩🏽‍💻. '.repeat(6_000)}Fin.`

/** A blog with rows in every table the copy knows: demo content, threads, every comment status, mail, bans… */
async function fillEveryTable(blog: TestBlog) {
  const db: Kysely<Database> = blog.app.db
  const post = await openPost(blog, { title: 'Une note à copier, 🌿 مرحبا بالعالم' })
  await db.updateTable('posts').set({ body_source: BIG }).where('id', '=', post.id).execute()
  const closed = await openPost(blog, { title: 'Un fil fermé', commentsOpen: false })
  await createAdmin(blog.app)
  const admin = await signedIn(blog.app)
  // An admin's own comment (user_id), then a sign-out (revoked_sessions, audit_log).
  expect((await admin.post(post.url, { author: 'Alice', body: 'Le mot de l’autrice.' })).statusCode).toBe(303)
  await admin.post('/admin/logout')
  const idOf = (res: { headers: Record<string, unknown> }) => Number(/#comment-(\d+)/.exec(String(res.headers.location))![1])
  const first = idOf(await send(blog, post.url, { author: 'Zoë 🌿', email: 'zoe@exämple.fr', body: 'Premier commentaire, مرحبا.' }))
  const reply = idOf(await send(blog, post.url, { author: 'Rania', body: 'Une réponse.', parent: String(first) }))
  await send(blog, post.url, { author: 'Karim', url: 'https://exemple.org', body: 'Une réponse à la réponse.', parent: String(reply) })
  await send(blog, post.url, { author: 'Long', body: '🌿'.repeat(10_000) })
  const spam = idOf(await send(blog, post.url, { author: 'Spammeur', body: 'Achetez maintenant.' }))
  const pending = idOf(await send(blog, post.url, { author: 'Patient', body: 'En attente de modération.' }))
  await db.updateTable('comments').set({ status: 'spam' }).where('id', '=', spam).execute()
  await db.updateTable('comments').set({ status: 'pending', edited_at: nowIso() }).where('id', '=', pending).execute()
  await db.updateTable('comments').set({ pinned: 1 }).where('id', '=', first).execute()
  await db.updateTable('users').set({ email: 'alice@example.org', notify: 'all' }).execute()
  await blog.app.settings.update({ moderation: 'first-time' })
  const now = nowIso()
  await db.insertInto('post_redirects').values({ old_slug: 'ancienne-adresse', post_id: post.id }).execute()
  // ---- pages ----
  await db.insertInto('menu_items').values({ position: 1, type: 'url', url: '/archive', label: 'Archives' }).execute()
  await db.insertInto('legacy_urls').values({ path: '/2015/01/vieux-billet/', post_id: post.id }).execute()
  await db.insertInto('import_origins').values({ kind: 'wxr-post', external_id: '42', local_id: post.id, imported_at: now }).execute()
  await db
    .insertInto('bans')
    .values([
      {
        kind: 'email',
        value: 'troll@example.org',
        shown: 'troll@example.org',
        note: 'insultes',
        expires_at: null,
        created_at: now,
        created_by: 'alice',
      },
      {
        kind: 'network',
        value: '198.51.100.0/24',
        shown: '198.51.100.7',
        note: '',
        expires_at: '2099-01-01T00:00:00.000Z',
        created_at: now,
        created_by: 'alice',
      },
    ])
    .execute()
  await db
    .insertInto('comment_reports')
    .values([
      { comment_id: first, reason: 'abuse', note: 'مرحبا', reporter: 'r1', created_at: now, resolved_at: null },
      { comment_id: reply, reason: 'spam', note: '', reporter: 'r2', created_at: now, resolved_at: now },
    ])
    .execute()
  await db
    .insertInto('media')
    .values({
      hash: 'a'.repeat(64),
      name: 'olivier.jpg',
      type: 'image/jpeg',
      width: 1200,
      height: 800,
      bytes: 123_456,
      alt: 'Un olivier 🌿',
      decorative: 0,
      created_at: now,
    })
    .execute()
  const address = await db
    .insertInto('mail_addresses')
    .values({ email: 'zoe@exämple.fr', confirmed_at: now, confirmation_sent_at: now, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('mail_subscriptions')
    .values([
      { address_id: address.id, post_id: post.id, kind: 'replies', comment_id: first, created_at: now },
      { address_id: address.id, post_id: post.id, kind: 'all', comment_id: 0, created_at: now },
    ])
    .execute()
  await db
    .insertInto('mail_outbox')
    .values({
      kind: 'notify',
      recipient: 'zoe@exämple.fr',
      lang: 'fr',
      subject: 'Nouvelle réponse 🌿',
      text_body: 'Texte',
      html_body: '<p>Texte</p>',
      message_id: '<1@blog.test>',
      thread_id: null,
      unsubscribe_token: 'tok',
      unsubscribe_all_token: null,
      post_id: post.id,
      comment_id: reply,
      status: 'queued',
      next_attempt_at: now,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
      sent_message_id: null,
    })
    .execute()
  // A reader who follows the blog by e-mail (src/newsletter/).
  await db
    .insertInto('blog_subscriptions')
    .values({
      address_id: address.id,
      name: 'Zoé 🌿',
      cadence: 'weekly',
      status: 'active',
      source: 'form',
      created_at: now,
      confirmed_at: now,
    })
    .execute()
  await db.insertInto('login_failures').values({ username: 'mallory', created_at: now }).execute()
  // Drafts (issue 29): a revision, a working copy, a save held across an expired session, a preview link.
  const alice = await db.selectFrom('users').select('id').executeTakeFirstOrThrow()
  await db
    .insertInto('post_revisions')
    .values({
      post_id: post.id,
      version: 1,
      title: 'Une version, 🌿',
      slug: 'une-version',
      body_source: 'مرحبا',
      format: 'markdown',
      status: 'draft',
      published_at: null,
      category_ids: '[1]',
      tags: '["Syrie"]',
      user_id: alice.id,
      user_name: 'alice',
      restored_from: null,
      created_at: now,
    })
    .execute()
  await db
    .insertInto('post_autosaves')
    .values({
      user_id: alice.id,
      post_key: post.id,
      base_version: 1,
      title: 'En cours',
      body_source: 'Tapé 🌿',
      form: '{"title":"En cours"}',
      saved_at: now,
    })
    .execute()
  await db
    .insertInto('pending_saves')
    .values({ token_hash: 'b'.repeat(64), post_id: post.id, form: '{"body":"Gardé"}', created_at: now })
    .execute()
  await db
    .insertInto('invitations')
    .values({ email: 'zoe@exemple.fr', role: 'author', invited_by: null, created_at: now, expires_at: now })
    .execute()
  await db
    .insertInto('preview_links')
    .values({ post_id: post.id, token: 'c'.repeat(43), created_by: 'alice', created_at: now })
    .execute()
  // ---- the open web ----
  await db
    .insertInto('reactions')
    .values({
      post_id: post.id,
      origin: 'fediverse',
      kind: 'like',
      source_url: 'https://masto.exemple/likes/1',
      author_name: 'Zoé',
      author_url: null,
      author_actor: 'https://masto.exemple/users/zoe',
      created_at: now,
    })
    .execute()
  // (publication_channels: the app's own channels began when it started.)
  await db.insertInto('fedi_kv').values({ key: '["carnet","test"]', value: '{"a":1}', expires_at: null }).execute()
  await db
    .insertInto('fedi_followers')
    .values({
      actor_id: 'https://masto.exemple/users/zoe',
      inbox: 'https://masto.exemple/users/zoe/inbox',
      shared_inbox: 'https://masto.exemple/inbox',
      handle: '@zoe@masto.exemple',
      instance: 'masto.exemple',
      follow_id: 'https://masto.exemple/follows/1',
      followed_at: now,
    })
    .execute()
  await db
    .insertInto('post_channels')
    .values({ channel: 'fediverse', post_id: post.id, state: 'announced', version: 1, changed_at: now })
    .execute()
  await db
    .insertInto('webmentions')
    .values({
      source: 'https://ailleurs.exemple/note',
      target: 'http://blog.test/x.html',
      post_id: post.id,
      state: 'accepted',
      result: 'mention',
      detail: null,
      author_name: 'Zoé',
      created_at: now,
      checked_at: now,
    })
    .execute()
  await db
    .insertInto('webmention_sends')
    .values({
      post_id: post.id,
      source: 'http://blog.test/x.html',
      target: 'https://ailleurs.exemple/',
      endpoint: 'https://ailleurs.exemple/wm',
      state: 'sent',
      status_code: 202,
      answer: 'https://ailleurs.exemple/wm/1',
      created_at: now,
      sent_at: now,
    })
    .execute()
  await db
    .insertInto('jobs')
    .values({
      kind: 'fedify',
      payload: '{"a":1}',
      key: 'k1',
      run_at: now,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      created_at: now,
      finished_at: null,
    })
    .execute()
  // An imported thread (Disqus lists an answer before its parent, src/transfer/disqus-import.ts links it after):
  // an answer whose parent has a higher id, more than one batch of rows (1,000) and of INSERT (714) later.
  const imported = await openPost(blog, { title: 'Un fil importé' })
  // (Moderation is on by now: the comments' ids are read back.)
  const idByAuthor = async (author: string) =>
    (await db.selectFrom('comments').select('id').where('author_name', '=', author).executeTakeFirstOrThrow()).id
  await send(blog, imported.url, { author: 'Réponse', body: 'Écrite avant son parent.' })
  const answer = await idByAuthor('Réponse')
  for (let start = 0; start < 1_100; start += 275) {
    const rows = Array.from({ length: 275 }, (_, i) => ({
      post_id: imported.id,
      parent_id: null,
      author_name: `Lecteur ${start + i}`,
      author_email: null,
      author_url: null,
      body: `Commentaire importé ${start + i}`,
      status: 'approved' as const,
      created_at: now,
      ip: null,
      body_key: `k${start + i}`,
    }))
    await db.insertInto('comments').values(rows).execute()
  }
  await send(blog, imported.url, { author: 'Parent', body: 'Le parent, arrivé après.' })
  const parent = await idByAuthor('Parent')
  expect(parent - answer).toBeGreaterThan(1_000)
  await db.updateTable('comments').set({ parent_id: parent }).where('id', '=', answer).execute()
  return { post, closed }
}

/** The pages a reader sees, to compare with the copy's. */
async function pagesOf(blog: TestBlog, urls: string[]): Promise<string[]> {
  const pages = []
  for (const url of urls) {
    const res = await blog.app.inject(url)
    expect(res.statusCode, url).toBe(200)
    pages.push(res.body)
  }
  return pages
}

type Side = { kind: 'sqlite' | 'postgres'; url: string; env: Record<string, string>; drop(): Promise<void> }

async function side(kind: Side['kind'], dir: string, file: string): Promise<Side> {
  if (kind === 'sqlite') return { kind, url: join(dir, file), env: {}, drop: async () => {} }
  const database: TestDatabase = await createTestDatabase(dir)
  return { kind, ...database }
}

describe('copy between SQLite and PostgreSQL', () => {
  const tmp = useTempDir('copy-pg')

  for (const [fromKind, toKind] of [
    ['sqlite', 'postgres'],
    ['postgres', 'sqlite'],
    ['postgres', 'postgres'],
  ] as const) {
    it(`${fromKind} → ${toKind}: every table row for row, the same pages, fresh ids after the copied ones`, async () => {
      const from = await side(fromKind, tmp.path, 'from.db')
      const to = await side(toKind, tmp.path, 'to.db')
      try {
        const blog = await buildTestApp({ env: { DATABASE_URL: from.url, ...from.env, COMMENT_RATE_LIMIT: '0' } })
        let urls: string[]
        let pages: string[]
        try {
          const { post, closed } = await fillEveryTable(blog)
          urls = ['/', post.url, closed.url, '/comments/feed.atom', '/feed.rss']
          pages = await pagesOf(blog, urls)
        } finally {
          await blog.close()
        }

        const run = await cli(['copy', from.url, to.url])
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expect(run.stdout).toMatch(/Copied .* to .*: \d+ rows in \d+ tables .*row counts checked, every table matches/)

        const source = await everyRow(from.url)
        const target = await everyRow(to.url)
        for (const { table } of COPIED_TABLES) {
          // Every table has something to copy, so that none is copied by luck.
          expect(source[table]!.length, table).toBeGreaterThan(0)
          expect(target[table], table).toEqual(source[table])
        }
        // Derived by the target's own triggers.
        expect(target.post_stats).toEqual(source.post_stats)

        const copy = await buildTestApp({ env: { DATABASE_URL: to.url, ...to.env, COMMENT_RATE_LIMIT: '0' } })
        try {
          expect(await pagesOf(copy, urls)).toEqual(pages)
          expect((await copy.app.inject('/search?q=copier')).body).toContain('Une note à copier')
          // The sequences were moved past the copied ids: a new comment and a new post get fresh ids.
          const copied = Math.max(...(source.comments as Array<{ id: number }>).map((c) => c.id))
          const next = await send(copy, urls[1]!, { author: 'Nouvelle', body: 'Après la copie, 🌿.' })
          expect(next.statusCode).toBe(303)
          const stored = await copy.app.db
            .selectFrom('comments')
            .select('id')
            .where('author_name', '=', 'Nouvelle')
            .executeTakeFirstOrThrow()
          expect(stored.id).toBe(copied + 1)
          const { id: postId } = await createPost(copy.app.db, { title: 'Après la copie', body: 'x', status: 'draft', publishedAt: null })
          expect(postId).toBe(Math.max(...(source.posts as Array<{ id: number }>).map((p) => p.id)) + 1)
          const admin = await signedIn(copy.app)
          expect((await admin.get('/admin')).statusCode).toBe(200)
        } finally {
          await copy.close()
        }
      } finally {
        await from.drop()
        await to.drop()
      }
    }, 120_000)
  }

  for (const fromKind of ['sqlite', 'postgres'] as const) {
    it(`${fromKind} → postgres while the blog runs: a comment posted during the copy goes through at once, and is not in it`, async () => {
      const from = await side(fromKind, tmp.path, 'from.db')
      const to = await side('postgres', tmp.path, '')
      const blog = await buildTestApp({ env: { DATABASE_URL: from.url, ...from.env, COMMENT_RATE_LIMIT: '0' } })
      try {
        const post = await openPost(blog)
        let during: number | undefined
        // Called after each table, inside the copy's read of the source: the blog must not wait for the copy.
        await copyBlog(parseDatabaseUrl(from.url, 'from'), parseDatabaseUrl(to.url, 'to'), async (line) => {
          if (line.startsWith('posts:'))
            during = (await send(blog, post.url, { author: 'Pendant', body: 'Écrit pendant la copie.' })).statusCode
        })
        expect(during).toBe(303)
        const inSource = await blog.app.db.selectFrom('comments').select('id').where('author_name', '=', 'Pendant').execute()
        expect(inSource).toHaveLength(1)
        const copied = (await everyRow(to.url)).comments as Array<{ author_name: string }>
        expect(copied.length).toBeGreaterThan(0)
        expect(copied.map((c) => c.author_name)).not.toContain('Pendant')
        expect(copied).toEqual((await everyRow(from.url)).comments!.filter((c) => (c as { author_name: string }).author_name !== 'Pendant'))
      } finally {
        await blog.close()
        await from.drop()
        await to.drop()
      }
    }, 30_000)
  }

  it('refuses a PostgreSQL target that holds a blog, with a clear message, and leaves it untouched', async () => {
    const from = await side('sqlite', tmp.path, 'from.db')
    const source = await buildTestApp({ env: { DATABASE_URL: from.url } })
    await source.close()
    const to = await side('postgres', tmp.path, '')
    try {
      const other = await buildTestApp({ env: { DATABASE_URL: to.url, ...to.env } })
      const post = await openPost(other, { title: 'Le blog déjà là' })
      await send(other, post.url, { author: 'Zoë', body: 'Un commentaire déjà là.' })
      await other.close()
      const before = await everyRow(to.url)
      const run = await cli(['copy', from.url, to.url])
      expect(run.code).toBe(1)
      expect(run.stderr.trim()).toMatch(/^postgres:\/\/.* is not empty \(.*posts.*comments.*\): copy only into a new, empty database\.$/)
      expect(await everyRow(to.url)).toEqual(before)
    } finally {
      await to.drop()
    }
  }, 60_000)

  it('says clearly when a PostgreSQL URL cannot be opened, and never prints its password', async () => {
    const from = await side('sqlite', tmp.path, 'from.db')
    const source = await buildTestApp({ env: { DATABASE_URL: from.url } })
    await source.close()
    // Nobody listens on port 1.
    const refused = await cli(['copy', from.url, 'postgres://carnet:secret@127.0.0.1:1/carnet'])
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim()).toMatch(/^Cannot open <to> postgres:\/\/carnet:\*\*\*@127\.0\.0\.1:1\/carnet: .*ECONNREFUSED/)
    expect(refused.stderr).not.toContain('secret')
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    // A server that is there, a database that is not.
    const to = await side('postgres', tmp.path, '')
    await to.drop()
    const missing = await cli(['copy', to.url, from.url])
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toMatch(/^Cannot open <from> postgres:\/\/.*: database "carnet_test_\w+" does not exist$/)
  }, 60_000)
})
