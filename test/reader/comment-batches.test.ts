// Group commit: comments that arrive while one transaction holds the write lock are written together by the next
// (src/comments/comments.service.ts). What each commenter gets must not depend on who else came at that moment:
// each comment is judged as if it came alone after the ones before it.
import type { Transaction } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { createPost } from '../../src/content/posts.write.ts'
import type { Database } from '../../src/db/schema.ts'
import { submitComment, type SubmitResult } from '../../src/comments/comments.service.ts'
import type { CommentInput } from '../../src/comments/comments.schemas.ts'
import { buildTestApp, mainOf, type TestBlog } from '../helpers/app.ts'
import { commentInput } from '../helpers/comments.ts'

const comment = commentInput

describe('comments arriving together', () => {
  let blog: TestBlog
  let adminId: number
  let postId: number
  let postUrl: string
  /** The transaction each stored comment was written in, by comment id. */
  const transactions = new Map<number, Transaction<Database>>()

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createUser(blog.app.db, 'redaction', 'un mot de passe assez long')
    ;({ id: adminId } = await blog.app.db.selectFrom('users').select('id').where('username', '=', 'redaction').executeTakeFirstOrThrow())
    ;({ id: postId } = await createPost(blog.app.db, {
      title: 'Un fil très animé',
      body: 'x',
      status: 'published',
      publishedAt: '2020-03-01T10:00:00.000Z',
    }))
    postUrl = '/archive/2020/03/01/un-fil-tres-anime.html'
  })
  afterAll(() => blog.close())

  /**
   * Sends comments at the same moment. Written by the signed-in admin, a comment looks up no ban before its
   * write: each joins the writer's queue as it is sent, so the first goes alone and the others together, in order.
   */
  function sendEach(
    comments: Array<{ comment: CommentInput; ip: string; afterStore?: () => Promise<void>; postId?: number }>,
  ): Array<Promise<SubmitResult>> {
    const settings = blog.app.settings.get()
    return comments.map((c) =>
      submitComment(blog.app.db, {
        postId: c.postId ?? postId,
        comment: c.comment,
        ip: c.ip,
        settings,
        userId: adminId,
        afterStore: async (trx, stored) => {
          transactions.set(stored.id, trx)
          await c.afterStore?.()
        },
      }),
    )
  }
  const sendTogether = (comments: Parameters<typeof sendEach>[0]) => Promise.all(sendEach(comments))

  const idOf = (r: SubmitResult | undefined) => {
    if (r?.kind !== 'stored') throw new Error(`not stored: ${JSON.stringify(r)}`)
    return r.id
  }
  const rows = () =>
    blog.app.db.selectFrom('comments').select(['id', 'author_name', 'body']).where('post_id', '=', postId).orderBy('id').execute()

  it('are written in one transaction after the first, which goes at once, alone; ids and times follow their order', async () => {
    const results = await sendTogether(
      Array.from({ length: 12 }, (_, i) => ({ comment: comment(`Lecteur ${i}`, `Commentaire numéro ${i}.`), ip: `192.0.2.${i + 1}` })),
    )
    const ids = results.map(idOf)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    const times = results.map((r) => (r as { createdAt: string }).createdAt)
    expect(times).toEqual([...times].sort())
    const first = transactions.get(ids[0]!)
    const rest = new Set(ids.slice(1).map((id) => transactions.get(id)))
    expect(rest.size).toBe(1)
    expect(rest.has(first)).toBe(false)

    // The page lists them in the order they were sent.
    const page = mainOf((await blog.app.inject(postUrl)).body)
    expect([...page.matchAll(/id="comment-(\d+)"/g)].map((m) => Number(m[1]))).toEqual(ids)
  })

  it('gives each comment of a batch its own answer: stored, duplicate (of the table or of the batch), parent gone', async () => {
    const [said] = await sendTogether([{ comment: comment('Paul', 'Déjà dit.'), ip: '198.51.100.1' }])
    const hidden = idOf((await sendTogether([{ comment: comment('Spam', 'Achetez.'), ip: '198.51.100.9' }]))[0])
    await blog.app.db.updateTable('comments').set({ status: 'spam' }).where('id', '=', hidden).execute()
    const before = (await rows()).length

    const results = await sendTogether([
      // The first goes alone…
      { comment: comment('Ouverture', 'Premier du lot.'), ip: '203.0.113.1' },
      // …and these together.
      { comment: comment('Paul', 'Déjà dit.'), ip: '203.0.113.2' }, // the same name and text as a stored comment
      { comment: comment('Jeanne', 'Déjà dit.'), ip: '203.0.113.3' }, // the same text, someone else
      { comment: comment('Lou', 'Une réponse.', hidden), ip: '203.0.113.4' }, // to a comment readers no longer see
      { comment: comment('Lou', 'Double clic.'), ip: '203.0.113.4' },
      { comment: comment('Lou', 'Double  CLIC.'), ip: '203.0.113.4' }, // the same, sent twice in the batch
      { comment: comment('Max', 'Une vraie réponse.', idOf(said)), ip: '203.0.113.5' },
    ])
    expect(results.map((r) => r.kind)).toEqual(['stored', 'duplicate', 'stored', 'parent-gone', 'stored', 'duplicate', 'stored'])
    const batch = new Set([2, 4, 6].map((i) => transactions.get(idOf(results[i]))))
    expect(batch.size).toBe(1)

    // The table holds the stored ones, and nothing of the others.
    const added = (await rows()).slice(before)
    expect(added.map((r) => [r.author_name, r.body])).toEqual([
      ['Ouverture', 'Premier du lot.'],
      ['Jeanne', 'Déjà dit.'],
      ['Lou', 'Double clic.'],
      ['Max', 'Une vraie réponse.'],
    ])
    const page = mainOf((await blog.app.inject(postUrl)).body)
    expect(page).toContain('Une vraie réponse.')
    expect(page).not.toContain('Une réponse.')
  })

  it('commits nothing when none of a batch is stored', async () => {
    await sendTogether([{ comment: comment('Zoé', 'Une fois.'), ip: '203.0.113.20' }])
    const state = () => blog.app.db.selectFrom('site_state').selectAll().executeTakeFirstOrThrow()
    const before = await state()
    const count = (await rows()).length
    // Each is a duplicate of the stored one: the batch's transaction is rolled back, not committed empty.
    const results = await sendTogether([
      { comment: comment('Zoé', 'Une fois.'), ip: '203.0.113.20' },
      { comment: comment('Zoé', 'Une  fois.'), ip: '203.0.113.21' },
    ])
    expect(results.map((r) => r.kind)).toEqual(['duplicate', 'duplicate'])
    expect(await state()).toEqual(before)
    expect(await rows()).toHaveLength(count)
  })

  it("keeps one comment's failure its own: the others of its batch are stored", async () => {
    const count = (await rows()).length
    let failing = true
    const results = await Promise.allSettled(
      sendEach([
        { comment: comment('Avant', 'Seul dans son lot.'), ip: '203.0.113.30' },
        { comment: comment('Anne', 'Dans le même lot.'), ip: '203.0.113.31' },
        {
          comment: comment('Bruno', 'Celui dont la suite échoue.'),
          ip: '203.0.113.32',
          afterStore: async () => {
            if (failing) throw new Error('the outbox is broken')
          },
        },
        // A post deleted while its comment waited for the batch: the foreign key refuses that row alone.
        { comment: comment('Chloé', 'Sous une note effacée.'), ip: '203.0.113.33', postId: 999_999 },
        { comment: comment('David', 'Le dernier du lot.'), ip: '203.0.113.34' },
      ]),
    )
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect(((results[2] as PromiseRejectedResult).reason as Error).message).toBe('the outbox is broken')
    expect((await rows()).slice(count).map((r) => r.author_name)).toEqual(['Avant', 'Anne', 'David'])

    failing = false
    const [again] = await sendTogether([{ comment: comment('Bruno', 'Celui dont la suite échoue.'), ip: '203.0.113.32' }])
    expect(again!.kind).toBe('stored')
  })
})
