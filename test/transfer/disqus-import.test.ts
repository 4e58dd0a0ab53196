// Disqus comments land on the posts their threads' addresses name, threads kept, deleted and spam skipped,
// unmatched threads listed; a second import adds nothing.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { importDisqus } from '../../src/transfer/disqus-import.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { ImportFileError } from '../../src/transfer/xml-records.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { OWN, WP_WXR, snapshot } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

describe('importing Disqus', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    await importWxr(blog.app.db, join(OWN, 'threads.xml'), options)
  })
  afterEach(() => blog.close())
  const db = () => blog.app.db
  const postId = async (title: string) =>
    (await db().selectFrom('posts').select('id').where('title', '=', title).executeTakeFirstOrThrow()).id

  it('matches threads by old address (query string, trailing slash or not), keeps threads, skips deleted and spam', async () => {
    const commentsBefore = (await db().selectFrom('comments').select('id').execute()).length
    const s = await importDisqus(db(), join(OWN, 'disqus.xml'), options)
    expect(s).toMatchObject({ comments: 3, unmatched: ['https://old.example.org/2012/01/01/disparu/'] })
    expect(s.skipped).toEqual({ 'deleted-comment': 1, 'spam-comment': 1, 'unmatched-thread': 1 })
    expect((await db().selectFrom('comments').select('id').execute()).length).toBe(commentsBefore + 3)
    const palmyre = await db()
      .selectFrom('comments')
      .selectAll()
      .where('post_id', '=', await postId('Arrivée à Palmyre'))
      .execute()
    const dana = palmyre.find((c) => c.author_name === 'Dana')!
    const eve = palmyre.find((c) => c.author_name === 'Eve')!
    expect(dana).toMatchObject({
      status: 'approved',
      author_email: 'dana@example.org',
      ip: '203.0.113.4',
      created_at: '2015-05-21T18:00:00.000Z',
      body: 'Superbe récit\u00a0!\n\nDeuxième paragraphe.',
      parent_id: null,
    })
    expect(eve.parent_id).toBe(dana.id)
    const closed = await db()
      .selectFrom('comments')
      .selectAll()
      .where('post_id', '=', await postId('Fil fermé'))
      .execute()
    expect(closed.map((c) => [c.author_name, c.body])).toEqual([['Gil', 'Sur le fil fermé.']])
  })

  it('matches a thread on Carnet’s own permanent link', async () => {
    const { id, slug } = await createPost(db(), { title: 'Neuve', body: 'x', status: 'published', publishedAt: '2021-06-01T10:00:00.000Z' })
    const link = `http://blog.test${postPath({ slug, published_at: '2021-06-01T10:00:00.000Z' }, 'Europe/Paris')}`
    const file = join(blog.dir, 'own.xml')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(
      file,
      `<?xml version="1.0" encoding="utf-8"?><disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>${link}?x=1</link></thread>
<post dsq:id="2"><message><![CDATA[Bonjour]]></message><createdAt>2021-06-02T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Ines</name></author><thread dsq:id="1"/></post>
</disqus>`,
    )
    const s = await importDisqus(db(), file, options)
    expect(s.comments).toBe(1)
    expect((await db().selectFrom('comments').select('post_id').where('author_name', '=', 'Ines').executeTakeFirstOrThrow()).post_id).toBe(
      id,
    )
  })

  it('adds nothing the second time, and says so', async () => {
    await importDisqus(db(), join(OWN, 'disqus.xml'), options)
    const before = await snapshot(blog)
    const s = await importDisqus(db(), join(OWN, 'disqus.xml'), options)
    expect(s).toMatchObject({ comments: 0, alreadyImported: 3 })
    expect(await snapshot(blog)).toEqual(before)
  })

  it('refuses a malformed file and a WXR file, changing nothing', async () => {
    const before = await snapshot(blog)
    for (const file of [join(WP_WXR, 'malformed-simple.xml'), join(OWN, 'threads.xml'), join(OWN, 'billion-laughs.xml')]) {
      const err = await importDisqus(db(), file, options).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ImportFileError)
    }
    expect(await snapshot(blog)).toEqual(before)
  })
})
