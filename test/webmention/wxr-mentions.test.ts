// A WordPress export's pingbacks and trackbacks (Carnet skipped them before) become mentions of their post,
// counted in the import's summary, once however many times the file is imported.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { summaryLines } from '../../src/transfer/summary.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const FILE = join(resolve(import.meta.dirname, 'fixtures'), 'link-notices.xml')
const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

describe('pingbacks and trackbacks in a WXR import', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterEach(() => blog.close())

  it('approved ones with an address become mentions; the others are skipped; a second import adds nothing', async () => {
    const dry = await importWxr(blog.app.db, FILE, { ...options, dryRun: true })
    expect(dry).toMatchObject({ posts: 1, comments: 0, mentions: 2 })
    expect(await blog.app.db.selectFrom('reactions').selectAll().execute()).toEqual([])

    const s = await importWxr(blog.app.db, FILE, options)
    expect(s).toMatchObject({ posts: 1, comments: 0, mentions: 2 })
    expect(s.skipped).toEqual({ 'link-notice:pingback': 1, 'link-notice:trackback': 1 })
    expect(summaryLines(s)).toContain('Kept 2 pingbacks and trackbacks as mentions of the posts.')
    const rows = await blog.app.db
      .selectFrom('reactions')
      .innerJoin('posts', 'posts.id', 'reactions.post_id')
      .select([
        'posts.title',
        'reactions.origin',
        'reactions.kind',
        'reactions.source_url',
        'reactions.author_name',
        'reactions.author_url',
        'reactions.created_at',
      ])
      .orderBy('reactions.created_at')
      .execute()
    expect(rows).toEqual([
      {
        title: 'Cité ailleurs',
        origin: 'webmention',
        kind: 'mention',
        source_url: 'https://anne.example.net/2016/03/lectures/',
        author_name: 'Le blog d’Anne » Lectures'.replace('’', "'"),
        author_url: 'https://anne.example.net/2016/03/lectures/',
        created_at: '2016-03-02T11:00:00.000Z',
      },
      {
        title: 'Cité ailleurs',
        origin: 'webmention',
        kind: 'mention',
        source_url: 'http://paul.example.com/?p=12',
        author_name: 'Carnet de Paul',
        author_url: 'http://paul.example.com/?p=12',
        created_at: '2016-03-03T11:00:00.000Z',
      },
    ])
    expect(await blog.app.db.selectFrom('comments').selectAll().execute()).toEqual([])

    const again = await importWxr(blog.app.db, FILE, options)
    expect(again).toMatchObject({ posts: 0, mentions: 0 })
    expect(await blog.app.db.selectFrom('reactions').selectAll().execute()).toHaveLength(2)
  })

  it('the admin’s import page says how many were kept', async () => {
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    await admin.get('/admin/transfer')
    const boundary = '----carnet-webmention-boundary'
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${admin.csrf}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nwxr\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="links.xml"\r\nContent-Type: text/xml\r\n\r\n`),
      readFileSync(FILE),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const res = await blog.app.inject({
      method: 'POST',
      url: '/admin/transfer/import',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: admin.cookie },
      payload,
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('2 rétroliens (pingbacks, trackbacks) gardés comme mentions des notes.')
  })
})
