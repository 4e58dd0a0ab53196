// Comments' IP addresses are erased after ipRetentionDays: at start-up, and at once when the admin shortens it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import ipRetention, { eraseOldIps, runIpErasure } from '../../src/content/ip-retention.ts'
import database from '../../src/db/plugin.ts'
import settings from '../../src/settings/plugin.ts'
import type { Database } from '../../src/db/schema.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { buildTestApp, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString()

/** An approved comment on the seed post (post 1), written `days` ago from 192.0.2.<n>. */
async function addComment(blog: TestBlog, name: string, days: number, n: number): Promise<number> {
  const row = await blog.app.db
    .insertInto('comments')
    .values({
      post_id: 1,
      parent_id: null,
      author_name: name,
      author_email: `${name.toLowerCase()}@example.org`,
      author_url: 'https://example.org/',
      body: `Le commentaire de ${name}`,
      status: 'approved',
      created_at: daysAgo(days),
      ip: `192.0.2.${n}`,
      body_key: `key-${name}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

const commentRow = (blog: TestBlog, id: number) =>
  blog.app.db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

describe('erasing old IP addresses', () => {
  let dir: string
  let blog: TestBlog | undefined
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-ip-'))
  })
  afterEach(async () => {
    await blog?.close()
    blog = undefined
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  /** Comments 100 and 10 days old, written with the given settings; then the app starts again. */
  async function restartWithComments(settings: { ipRetentionDays?: number } = {}) {
    blog = await buildTestApp({ dir })
    if (settings.ipRetentionDays !== undefined) await blog.app.settings.update(settings)
    const old = await addComment(blog, 'Ancien', 100, 1)
    const recent = await addComment(blog, 'Récent', 10, 2)
    const before = { old: await commentRow(blog, old), recent: await commentRow(blog, recent) }
    await blog.close()
    const lines: string[] = []
    const stream = { write: (line: string) => void lines.push(line) }
    blog = await buildTestApp({ dir, logger: { level: 'info', stream } })
    return { old, recent, before, lines }
  }

  it('erases at start-up the IP of comments older than 90 days (the default), and nothing else', async () => {
    const { old, recent, before, lines } = await restartWithComments()
    expect(blog!.app.settings.get().ipRetentionDays).toBe(90)
    expect(await commentRow(blog!, old)).toEqual({ ...before.old, ip: null })
    expect(await commentRow(blog!, recent)).toEqual(before.recent)
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'old comment IP addresses erased')
    expect(logged).toMatchObject({ level: 30, erased: 1, days: 90 })
    // The comments are still shown to readers.
    const text = visibleText(mainOf((await blog!.app.inject(SEED_PATH)).body))
    expect(text).toContain('Le commentaire de Ancien')
    expect(text).toContain('Le commentaire de Récent')
  })

  it('keeps every IP address when ipRetentionDays is 0', async () => {
    const { old, recent, before, lines } = await restartWithComments({ ipRetentionDays: 0 })
    expect(await commentRow(blog!, old)).toEqual(before.old)
    expect(await commentRow(blog!, recent)).toEqual(before.recent)
    expect(lines.join('')).not.toContain('IP addresses erased')
  })

  it('erases at once when the admin shortens the retention; the cached post page still shows the comment', async () => {
    blog = await buildTestApp({ dir })
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const recent = await addComment(blog, 'Récent', 10, 2)
    const before = await commentRow(blog, recent)
    const page = await blog.app.inject(SEED_PATH)
    expect(page.statusCode).toBe(200)
    expect(visibleText(mainOf(page.body))).toContain('Le commentaire de Récent')

    const s = blog.app.settings.get()
    const form = {
      title: s.title,
      description: s.description,
      language: s.language,
      timezone: s.timezone,
      postsPerPage: String(s.postsPerPage),
      moderation: s.moderation,
      commentsAutoCloseDays: String(s.commentsAutoCloseDays),
      siteImage: s.siteImage,
      maxLinks: String(s.maxLinks),
      holdWords: s.holdWords,
      refuseWords: s.refuseWords,
      commentEditMinutes: String(s.commentEditMinutes),
      reportHoldThreshold: String(s.reportHoldThreshold),
    }
    // Invalid values: the message beside the field, the value kept, nothing changed.
    for (const bad of ['-1', 'abc', '5000', '']) {
      const res = await admin.post('/admin/settings', { ...form, ipRetentionDays: bad })
      expect(res.statusCode, bad).toBe(400)
      expect(res.body).toMatch(/<span class="field-error" id="ipRetentionDays-error">Un nombre entier de jours entre 0 et 3650.<\/span>/)
      expect(res.body).toMatch(/<input id="ipRetentionDays" name="ipRetentionDays" type="number"[^>]* aria-invalid="true"/)
      expect(res.body).toContain(`name="ipRetentionDays" type="number" min="0" max="3650" value="${bad}"`)
      expect(blog.app.settings.get()).toBe(s)
      expect(await commentRow(blog, recent)).toEqual(before)
    }

    const res = await admin.post('/admin/settings', { ...form, ipRetentionDays: '5' })
    expect(res.statusCode).toBe(303)
    expect(blog.app.settings.get().ipRetentionDays).toBe(5)
    expect(await commentRow(blog, recent)).toEqual({ ...before, ip: null })
    const audit = await blog.app.db.selectFrom('audit_log').select(['action', 'details']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(audit.action).toBe('settings.update')
    expect(JSON.parse(audit.details).changed).toEqual(['ipRetentionDays'])

    const settingsPage = await admin.get('/admin/settings')
    expect(settingsPage.body).toMatch(/<input id="ipRetentionDays" name="ipRetentionDays" type="number"[^>]* value="5"/)
    const text = visibleText(mainOf(settingsPage.body))
    expect(text).toContain('Durée de conservation des adresses IP des commentaires (jours)')
    expect(text).toContain('doublons')

    const after = await blog.app.inject(SEED_PATH)
    expect(after.statusCode).toBe(200)
    expect(visibleText(mainOf(after.body))).toContain('Le commentaire de Récent')
  })

  it('shows the label and help in English', async () => {
    blog = await buildTestApp({ dir })
    await blog.app.settings.update({ language: 'en' })
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const text = visibleText(mainOf((await admin.get('/admin/settings')).body))
    expect(text).toContain("Days to keep comments' IP addresses")
    expect(text).toContain('duplicate detection, rate limiting and spotting abuse')
  })
})

describe('eraseOldIps and runIpErasure', () => {
  it('erase nothing for 0 days', async () => {
    const db = {
      selectFrom: () => {
        throw new Error('not called')
      },
      updateTable: () => {
        throw new Error('not called')
      },
    } as unknown as Kysely<Database>
    expect(await eraseOldIps(db, 0)).toEqual({ erased: 0, more: false })
  })

  it('log a failure as a warning instead of throwing', async () => {
    const db = {
      selectFrom: () => {
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
      },
    } as unknown as Kysely<Database>
    const warnings: unknown[] = []
    const log = { warn: (...args: unknown[]) => warnings.push(args), info: () => {} } as unknown as FastifyBaseLogger
    await expect(runIpErasure(db, 90, log)).resolves.toBe(false)
    expect(warnings).toHaveLength(1)
  })
})

describe('the ip-retention plugin', () => {
  let dir: string
  let testDatabase: TestDatabase
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-ip-plugin-'))
    testDatabase = await createTestDatabase(dir)
  })
  afterEach(async () => {
    await testDatabase.drop()
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  it('erases again at each tick, and stops with the app', async () => {
    const warnings: string[] = []
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void warnings.push(line) } } })
    await app.register(database, { databasePath: testDatabase.url })
    await app.register(settings, {
      initialSettings: { title: 'Carnet', description: '', language: 'fr', timezone: 'Europe/Paris' },
    })
    await app.register(ipRetention, { everyMs: 20 })
    await app.ready()
    const now = new Date().toISOString()
    const post = await app.db
      .insertInto('posts')
      .values({ title: 'T', slug: 't', status: 'published', published_at: now, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
    const insert = () =>
      app.db
        .insertInto('comments')
        .values({
          post_id: post.id,
          parent_id: null,
          author_name: 'A',
          author_email: null,
          author_url: null,
          body: 'x',
          status: 'approved',
          created_at: daysAgo(100),
          ip: '192.0.2.9',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    // Inserted after start-up: only a later tick erases it.
    const { id } = await insert()
    const ipOf = async (commentId: number) =>
      (await app.db.selectFrom('comments').select('ip').where('id', '=', commentId).executeTakeFirstOrThrow()).ip
    await expect.poll(() => ipOf(id), { timeout: 2000, interval: 20 }).toBeNull()
    await app.close()
    // Closed: a tick on the closed database would be logged; none comes (the timer is stopped).
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(warnings).toEqual([])
  })
})
