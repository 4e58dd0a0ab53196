// Disqus comments land on the posts their threads' addresses name, threads kept, deleted and spam skipped,
// unmatched threads listed; a second import adds nothing. A thread closed in Disqus closes its post; a thread
// deleted in Disqus brings no comment; a broken comment is left out and said, the rest imported.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPost, setCommentsOpen } from '../../src/content/posts.write.ts'
import { messages } from '../../src/i18n/index.ts'
import { postPath } from '../../src/lib/urls.ts'
import { importDisqus } from '../../src/transfer/disqus-import.ts'
import { BATCH_UNITS } from '../../src/transfer/import-runs.ts'
import { skippedLines, summaryLines } from '../../src/transfer/summary.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { ImportFileError } from '../../src/transfer/xml-records.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { OWN, WP_WXR, snapshot } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

const PALMYRE = 'https://old.example.org/2015/05/21/arrivee-a-palmyre/'

/** A Disqus export: its threads (id, address, closed) and its comments (id, author, parent), in file order. */
function disqusXml(
  threads: Array<{ id: string; link: string; closed?: boolean }>,
  comments: Array<{ id: string; name: string; thread?: string; parent?: string }>,
  tail = '',
): string {
  const t = threads.map(
    (x) =>
      `<thread dsq:id="${x.id}"><link>${x.link}</link><isClosed>${x.closed ? 'true' : 'false'}</isClosed><isDeleted>false</isDeleted></thread>`,
  )
  const c = comments.map(
    (x) =>
      `<post dsq:id="${x.id}"><message><![CDATA[<p>Mot de ${x.name}.</p>]]></message><createdAt>2015-06-01T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>${x.name}</name></author><thread dsq:id="${x.thread ?? threads[0]!.id}"/>${x.parent ? `<parent dsq:id="${x.parent}"/>` : ''}</post>`,
  )
  return `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
${[...t, ...c].join('\n')}
${tail}</disqus>
`
}

/** Comments enough to fill several of the import's batches. */
const filler = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: String(from + i), name: `Lecteur ${from + i}` }))

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
      origin: 'import',
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

  it('leaves out a comment with a field too long to keep, and imports the others', async () => {
    const file = join(blog.dir, 'long.xml')
    const comment = (id: number, name: string) =>
      `<post dsq:id="${id}"><message><![CDATA[<p>Bonjour</p>]]></message><createdAt>2015-06-01T10:00:00Z</createdAt><author><name>${name}</name></author><thread dsq:id="1"/></post>`
    writeFileSync(
      file,
      `<?xml version="1.0" encoding="utf-8"?><disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>https://old.example.org/2015/05/21/arrivee-a-palmyre/</link></thread>
${comment(2, 'x'.repeat(1001))}
${comment(3, 'Ines')}
</disqus>`,
    )
    const s = await importDisqus(db(), file, options)
    expect(s).toMatchObject({ comments: 1, skipped: { 'unreadable-comment': 1 } })
    expect(summaryLines(s)).toContain('Skipped 1 × comment with a field too long to be kept (name, address, text)')
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

  it('links answers to parents many batches apart, and a dry run writes nothing yet counts them all', async () => {
    const file = join(blog.dir, 'far.xml')
    writeFileSync(
      file,
      disqusXml(
        [{ id: '1', link: PALMYRE, closed: true }],
        [
          // An answer long before its parent, and an answer to a comment of an earlier batch.
          { id: '9000', name: 'Avant', parent: '9001' },
          ...filler(3 * BATCH_UNITS),
          { id: '9001', name: 'Parent' },
          { id: '9002', name: 'Tard', parent: '1' },
        ],
      ),
    )
    const before = await snapshot(blog)
    const dry = await importDisqus(db(), file, { ...options, dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, comments: 3 * BATCH_UNITS + 3, closedThreads: 1, alreadyImported: 0 })
    expect(await snapshot(blog)).toEqual(before)

    const s = await importDisqus(db(), file, options)
    expect(s).toMatchObject({ dryRun: false, comments: 3 * BATCH_UNITS + 3, closedThreads: 1 })
    const byName = async (name: string) =>
      db().selectFrom('comments').select(['id', 'parent_id']).where('author_name', '=', name).executeTakeFirstOrThrow()
    expect((await byName('Avant')).parent_id).toBe((await byName('Parent')).id)
    expect((await byName('Tard')).parent_id).toBe((await byName('Lecteur 1')).id)
  })

  it('imports an answer whose parent, imported before, was deleted since: on its own', async () => {
    await importDisqus(db(), join(OWN, 'disqus.xml'), options)
    // The moderator deletes Dana's comment (and Eve's answer with it).
    await db().deleteFrom('comments').where('author_name', '=', 'Dana').execute()
    const file = join(blog.dir, 'later.xml')
    writeFileSync(
      file,
      disqusXml(
        [{ id: '2001', link: PALMYRE }],
        [
          { id: '3001', name: 'Dana' },
          { id: '3010', name: 'Zoé', parent: '3001' },
        ],
      ),
    )
    const s = await importDisqus(db(), file, options)
    expect(s).toMatchObject({ comments: 1, alreadyImported: 1 })
    const rows = await db()
      .selectFrom('comments')
      .select(['author_name', 'parent_id'])
      .where('author_name', 'in', ['Dana', 'Zoé'])
      .execute()
    expect(rows).toEqual([{ author_name: 'Zoé', parent_id: null }])
  })

  it('refuses a file with an unknown element, in both languages, leaving nothing of the batches already in', async () => {
    const palmyre = await postId('Arrivée à Palmyre')
    const file = join(blog.dir, 'odd.xml')
    writeFileSync(file, disqusXml([{ id: '1', link: PALMYRE, closed: true }], filler(3 * BATCH_UNITS), '<forum>x</forum>\n'))
    const before = await snapshot(blog)
    const err = await importDisqus(db(), file, options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportFileError)
    const refused = err as ImportFileError
    const line = 3 * BATCH_UNITS + 4
    expect(refused.problem).toEqual({ code: 'disqus-element', params: { element: 'forum' } })
    expect(refused.message).toBe(`line ${line}, column 1: unexpected <forum> in a Disqus export`)
    expect(refused.describe('fr')).toBe(`ligne ${line}, colonne 1 : élément <forum> inattendu dans un export Disqus`)
    // The comments of the earlier batches are gone, the thread they closed open again, nothing remembered.
    expect(await snapshot(blog)).toEqual(before)
    expect((await db().selectFrom('posts').select('comments_open').where('id', '=', palmyre).executeTakeFirstOrThrow()).comments_open).toBe(
      1,
    )
  })

  describe('a real export’s closed and deleted threads and broken comments', () => {
    const file = () => join(OWN, 'disqus-states.xml')
    /** The comments the Disqus import added to a post. */
    const bodies = async (title: string) =>
      db()
        .selectFrom('comments as c')
        .innerJoin('import_origins as o', (j) => j.onRef('o.local_id', '=', 'c.id').on('o.kind', '=', 'disqus-post'))
        .select(['c.author_name', 'c.body', 'c.created_at', 'c.parent_id'])
        .where('c.post_id', '=', await postId(title))
        .orderBy('c.created_at')
        .execute()

    it('imports what is sound, leaves out the broken and the deleted thread’s comments, and says so in both languages', async () => {
      const s = await importDisqus(db(), file(), options)
      expect(s.comments).toBe(2)
      expect(s.skipped).toEqual({
        'comment-without-id': 1,
        'comment-bad-date': 2,
        'comment-without-thread': 1,
        'deleted-thread': 2,
      })
      expect(s.unmatched).toEqual([])
      expect(await bodies('Arrivée à Palmyre')).toEqual([
        {
          author_name: 'Sandy',
          body: 'Sir,\nI constructed a sailing ship.\nSee you in the Santa Section\n\nUnited States\n\nAnchor Tag (https://example.org/anchor)',
          created_at: '2015-05-22T09:00:00.000Z',
          parent_id: null,
        },
        // A date without its zone, as Disqus documents them, is UTC; its parent was left out, so it stands alone.
        { author_name: 'Jo', body: 'Réponse à un commentaire laissé de côté.', created_at: '2015-05-23T09:00:00.000Z', parent_id: null },
      ])
      expect(await bodies('Fil fermé')).toEqual([])
      const en = summaryLines(s).join('\n')
      expect(en).toContain('Skipped 1 × Disqus comment without its identifier (dsq:id)')
      expect(en).toContain('Skipped 2 × comment without a readable date')
      expect(en).toContain('Skipped 1 × comment that names no thread')
      expect(en).toContain('Skipped 2 × comment on a thread deleted in Disqus')
      expect(en).not.toMatch(/dsqId:|Too small|expected string/)
      const fr = skippedLines(s, messages('fr').transfer).map((l) => `${l.n} × ${l.text}`)
      expect(fr).toEqual(
        expect.arrayContaining([
          '1 × commentaire Disqus sans son identifiant (dsq:id)',
          '2 × commentaire sans date lisible',
          '1 × commentaire qui ne nomme aucun fil',
          '2 × commentaire d’un fil supprimé dans Disqus',
        ]),
      )
    })

    it('closes the post of a thread closed in Disqus, once: a thread reopened afterwards stays open', async () => {
      const palmyre = await postId('Arrivée à Palmyre')
      const open = async () =>
        (await db().selectFrom('posts').select('comments_open').where('id', '=', palmyre).executeTakeFirstOrThrow()).comments_open
      expect(await open()).toBe(1)
      const dry = await importDisqus(db(), file(), { ...options, dryRun: true })
      expect(dry.closedThreads).toBe(1)
      expect(summaryLines(dry)).toContain('Would close 1 comment thread, as it is in Disqus.')
      expect(await open()).toBe(1)
      const s = await importDisqus(db(), file(), options)
      expect(await open()).toBe(0)
      expect(s.closedThreads).toBe(1)
      expect(summaryLines(s)).toContain('Closed 1 comment thread, as it was in Disqus.')
      expect(messages('fr').transfer.closedThreads(1, false)).toBe('1 fil de commentaires fermé, comme dans Disqus.')
      expect(messages('fr').transfer.closedThreads(3, false)).toBe('3 fils de commentaires fermés, comme dans Disqus.')
      expect(messages('en').transfer.closedThreads(3, false)).toBe('Closed 3 comment threads, as they were in Disqus.')
      const page = await blog.app.inject('/archive/2015/05/21/arrivee-a-palmyre.html')
      expect(visibleText(page.body)).toContain(messages('fr').commentsClosed)
      // The author reopens it; importing the same file again (to add nothing) leaves it open.
      await setCommentsOpen(db(), palmyre, true)
      const again = await importDisqus(db(), file(), options)
      expect(again).toMatchObject({ comments: 0, alreadyImported: 2, closedThreads: 0 })
      expect(summaryLines(again).join('\n')).not.toContain('comment thread')
      expect(await open()).toBe(1)
    })
  })
})
