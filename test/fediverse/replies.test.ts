// The conversation with the fediverse, between two real servers: the blog on 127.0.0.2 and a small ActivityPub
// server on 127.0.0.3 (test/helpers/fedi-peer.ts) whose @alice follows the blog and replies to a post. Her reply
// waits for moderation (first-time rule), is approved, shows under the post; the admin's answer reaches her
// server as a Note in reply to hers; a visitor's words stay on the blog; a closed thread, a banned instance and a
// forged signature change nothing; and a restart loses neither the reply nor the answer's delivery.
import { Article, Create, Delete, Mention, Note, PUBLIC_COLLECTION, type Actor } from '@fedify/vocab'
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { insertBan } from '../../src/comments/bans.ts'
import { ANSWER_JOB } from '../../src/fediverse/answers.ts'
import { nowIso } from '../../src/lib/time.ts'
import { AdminClient, createAdmin } from '../helpers/admin.ts'
import { visibleText } from '../helpers/app.ts'
import { commentList, logRecords, openPost } from '../helpers/comments.ts'
import { startFediBlog, type FediBlog } from '../helpers/fedi-blog.ts'
import { startFediPeer, type FediPeer } from '../helpers/fedi-peer.ts'

// Waits (up to 15 s) for what the blog does in the background: received activities and deliveries are jobs,
// and a busy machine may take seconds.
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 })

interface LogRecord {
  msg: string
  result?: { kind: string; reason?: string }
}

describe('replies from the fediverse and the answers that go back', () => {
  const open: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close()
  })

  async function start(options: Parameters<typeof startFediBlog>[0] = {}) {
    const blog = await startFediBlog(options)
    open.push(blog)
    return blog
  }

  /** The blog, alice following it, a post, and the admin signed in. */
  async function conversation(options: Parameters<typeof startFediBlog>[0] = {}) {
    const blog = await start(options)
    await blog.app.settings.update({ moderation: 'first-time' })
    await createAdmin(blog.app, 'admin')
    const admin = await signedInAs(blog, 'admin')
    const peer = await startFediPeer()
    open.push(peer)
    const blogActor = (await peer.lookupHandle(blog.handle))!
    expect(blogActor.id?.href).toBe(`${blog.origin}/fediverse/users/blog`)
    await peer.follow(blogActor)
    await poll(async () => {
      await blog.app.jobs.runDue()
      return blog.app.db.selectFrom('fedi_followers').select('actor_id').execute()
    }).toEqual([{ actor_id: peer.actorId.href }])
    const post = await openPost(blog, { title: 'Des nouvelles du jardin' })
    const postUrl = `${blog.origin}${post.url}`
    // The post is an Article on the fediverse, at its own address.
    expect(await peer.lookup(postUrl)).toBeInstanceOf(Article)
    return { blog, peer, blogActor, admin, post, postUrl }
  }

  async function signedInAs(blog: FediBlog, username: string): Promise<AdminClient> {
    const client = new AdminClient(blog.app)
    const res = await client.signIn(username)
    expect(res.statusCode, res.body).toBe(303)
    return client
  }

  let replies = 0
  /** Alice replies (publicly) to `inReplyTo`, mentioning the blog first as Mastodon does. */
  async function reply(peer: FediPeer, blogActor: Actor, inReplyTo: string, text: string, blog: FediBlog) {
    const note = peer.publishNote(`reply-${++replies}`, {
      attribution: peer.actorId,
      replyTarget: new URL(inReplyTo),
      content: `<p><span class="h-card"><a href="${blog.origin}/" class="u-url mention">@<span>blog</span></a></span> ${text}</p>`,
      tags: [new Mention({ href: blogActor.id, name: blog.handle })],
      tos: [PUBLIC_COLLECTION],
      ccs: [new URL(`${peer.actorId.href}/followers`), blogActor.id!],
      url: new URL(`/@alice/${replies}`, peer.origin),
    })
    await peer.send(
      blogActor,
      new Create({ id: peer.newId('create'), actor: peer.actorId, object: note, tos: [PUBLIC_COLLECTION], ccs: [blogActor.id!] }),
    )
    return note
  }

  /** The post's comments, once the activities received so far are processed (jobs; some tests do not poll). */
  const commentRows = async (blog: FediBlog, postId: number) => {
    await blog.app.jobs.runDue()
    return blog.app.db.selectFrom('comments').selectAll().where('post_id', '=', postId).orderBy('id').execute()
  }
  const pageOf = async (blog: FediBlog, url: string) => {
    const res = await blog.app.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(200)
    return res.body
  }
  /** The Notes in reply to `noteId` that reached the peer. */
  const answersTo = (peer: FediPeer, noteId: string) =>
    peer.received.filter((r) => r.activity instanceof Create && (r.json.object as { inReplyTo?: string } | undefined)?.inReplyTo === noteId)

  it('a reply waits for moderation, shows under the post once approved; the admin’s answer reaches alice; a visitor’s does not', async () => {
    const { blog, peer, blogActor, admin, post, postUrl } = await conversation()
    const note = await reply(peer, blogActor, postUrl, 'Très belle note, merci !', blog)

    // First time: held, not shown.
    await poll(() => commentRows(blog, post.id)).toHaveLength(1)
    const [held] = await commentRows(blog, post.id)
    expect(held).toMatchObject({ status: 'pending', origin: 'fediverse', origin_url: note.id!.href, body: 'Très belle note, merci !' })
    expect(visibleText(commentList(await pageOf(blog, post.url)))).not.toContain('Très belle note')

    // The admin approves it from the moderation list.
    await admin.get('/admin/comments')
    const approved = await admin.post('/admin/comments', { row: `approve:${held!.id}`, status: 'pending' })
    expect(approved.statusCode).toBe(303)
    const html = commentList(await pageOf(blog, post.url))
    const text = visibleText(html)
    expect(text).toContain('Alice')
    expect(text).toContain(peer.handle)
    expect(text).toContain('Très belle note, merci !')
    expect(text).not.toContain('@blog')
    expect(html).toContain(`href="${peer.origin}/@alice/${replies}"`)
    // Nothing of alice's server is loaded by a reader's browser.
    expect(html).not.toMatch(/<img[^>]+127\.0\.0\.3/)

    // The admin answers from the conversation view: the answer is a comment here and a Note there.
    await admin.get(`/admin/comments/${held!.id}/answer`)
    const answered = await admin.post(`/admin/comments/${held!.id}/answer`, {
      body: 'Merci Alice, à bientôt au jardin.',
      status: 'approved',
    })
    expect(answered.statusCode).toBe(303)
    const answer = (await commentRows(blog, post.id)).find((c) => c.parent_id === held!.id)!
    expect(answer.user_id).not.toBeNull()
    await blog.app.jobs.runDue()
    const received = await peer.waitFor((r) => answersTo(peer, note.id!.href).includes(r))
    const sent = received.json.object as {
      id: string
      content: string
      tag: Array<{ type: string; href: string }> | { type: string; href: string }
      to: unknown
    }
    expect(sent.id).toBe(`${blog.origin}/comment/${answer.id}`)
    expect(sent.content).toContain(`@alice@${new URL(peer.origin).host}`)
    expect(sent.content.indexOf('@alice')).toBeLessThan(sent.content.indexOf('Merci Alice, à bientôt au jardin.'))
    expect([sent.tag].flat()).toContainEqual(expect.objectContaining({ type: 'Mention', href: peer.actorId.href }))
    expect([sent.to].flat()).toContain(peer.actorId.href)
    expect((received.activity as Create).actorId?.href).toBe(`${blog.origin}/fediverse/users/blog`)
    // Its address gives the Note to a server that asks for it, and the comment's page to a browser.
    const fetched = await peer.lookup(sent.id)
    expect(fetched).toBeInstanceOf(Note)
    expect((fetched as Note).replyTargetId?.href).toBe(note.id!.href)
    expect((await blog.app.inject({ method: 'GET', url: `/comment/${answer.id}` })).statusCode).toBe(302)

    // A visitor answers alice's comment from the public form: the comment is kept here, nothing is sent.
    const before = peer.received.length
    const visitor = await blog.app.inject({
      method: 'POST',
      url: post.url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ author: 'Bob', body: 'Moi aussi, j’aime ce jardin.', parent: String(held!.id) }).toString(),
      remoteAddress: '203.0.113.9',
    })
    expect(visitor.statusCode, visitor.body).toBe(303)
    await poll(async () => (await commentRows(blog, post.id)).map((c) => c.author_name)).toContain('Bob')
    await blog.app.jobs.runDue()
    const jobs = await blog.app.db.selectFrom('jobs').select('payload').where('kind', '=', ANSWER_JOB).execute()
    expect(jobs).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 300))
    expect(peer.received.length).toBe(before)
    // Nor is it a Note at its address, nor is alice's comment (it is hers).
    const bob = (await commentRows(blog, post.id)).find((c) => c.author_name === 'Bob')!
    expect(await peer.lookup(`${blog.origin}/comment/${bob.id}`)).toBeNull()
    expect(await peer.lookup(`${blog.origin}/comment/${held!.id}`)).toBeNull()
  })

  it('an admin answering from the public form, signed in, answers alice there too; her reply to the answer is threaded under it', async () => {
    const { blog, peer, blogActor, admin, post, postUrl } = await conversation()
    await blog.app.settings.update({ moderation: 'none' })
    const note = await reply(peer, blogActor, postUrl, 'Une question sur les tomates.', blog)
    await poll(() => commentRows(blog, post.id)).toHaveLength(1)
    const [first] = await commentRows(blog, post.id)

    const sent = await blog.app.inject({
      method: 'POST',
      url: post.url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin.cookie },
      payload: new URLSearchParams({ author: 'Admin', body: 'Elles aiment le soleil.', parent: String(first!.id) }).toString(),
    })
    expect(sent.statusCode, sent.body).toBe(303)
    await poll(() => commentRows(blog, post.id)).toHaveLength(2)
    const answer = (await commentRows(blog, post.id))[1]!
    expect(answer.user_id).not.toBeNull()
    await blog.app.jobs.runDue()
    await peer.waitFor((r) => answersTo(peer, note.id!.href).length > 0 && answersTo(peer, note.id!.href).includes(r))

    // Alice answers the answer: its Note id is the comment's address on the blog.
    await reply(peer, blogActor, `${blog.origin}/comment/${answer.id}`, 'Merci !', blog)
    await poll(() => commentRows(blog, post.id)).toHaveLength(3)
    expect((await commentRows(blog, post.id))[2]).toMatchObject({ parent_id: answer.id, body: 'Merci !' })
  })

  it('a closed thread refuses her next reply; a banned account is refused; a forged signature changes nothing', async () => {
    const { records, logger } = logRecords<LogRecord>()
    const { blog, peer, blogActor, post, postUrl } = await conversation({ logger })
    await blog.app.settings.update({ moderation: 'none' })
    await reply(peer, blogActor, postUrl, 'Premier passage.', blog)
    await poll(() => commentRows(blog, post.id)).toHaveLength(1)

    await blog.app.db.updateTable('posts').set({ comments_open: 0 }).where('id', '=', post.id).execute()
    await reply(peer, blogActor, postUrl, 'Fermé ?', blog)
    await poll(() => records.filter((r) => r.result?.reason === 'closed')).toHaveLength(1)

    await blog.app.db.updateTable('posts').set({ comments_open: 1 }).where('id', '=', post.id).execute()
    // Alice's account is banned. (A ban of her instance is a domain ban, which names a host name: here the
    // instance is an IP address, which a domain ban cannot name; the comments room's tests cover domains.)
    await insertBan(blog.app.db, {
      kind: 'actor',
      value: peer.actorId.href,
      shown: peer.actorId.href,
      subaddresses: 0,
      note: '',
      expires_at: null,
      created_at: nowIso(),
      created_by: 'admin',
    })
    await reply(peer, blogActor, postUrl, 'Banni ?', blog)
    await poll(() => records.filter((r) => r.msg.includes('banned actor or instance'))).toHaveLength(1)

    const forged = await peer.post(
      `${blog.origin}/fediverse/inbox`,
      {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: peer.newId('create').href,
        type: 'Create',
        actor: peer.actorId.href,
        to: [PUBLIC_COLLECTION.href],
        object: {
          id: peer.newId('note').href,
          type: 'Note',
          attributedTo: peer.actorId.href,
          inReplyTo: postUrl,
          content: 'Faux',
          to: [PUBLIC_COLLECTION.href],
        },
      },
      { wrongKey: true },
    )
    expect(forged.status).toBe(401)
    expect((await commentRows(blog, post.id)).map((c) => c.body)).toEqual(['Premier passage.'])
  })

  it('an answer the admin deletes is deleted on alice’s server too', async () => {
    const { blog, peer, blogActor, admin, post, postUrl } = await conversation()
    await blog.app.settings.update({ moderation: 'none' })
    const note = await reply(peer, blogActor, postUrl, 'Une remarque.', blog)
    await poll(() => commentRows(blog, post.id)).toHaveLength(1)
    const [first] = await commentRows(blog, post.id)
    await admin.get(`/admin/comments/${first!.id}/answer`)
    await admin.post(`/admin/comments/${first!.id}/answer`, { body: 'Une réponse regrettée.', status: 'approved' })
    await blog.app.jobs.runDue()
    await peer.waitFor((r) => answersTo(peer, note.id!.href).includes(r))
    const answer = (await commentRows(blog, post.id))[1]!

    await admin.get('/admin/comments?status=approved')
    expect((await admin.post('/admin/comments', { row: `delete:${answer.id}`, status: 'approved' })).statusCode).toBe(303)
    expect(await commentRows(blog, post.id)).toHaveLength(1)
    await blog.app.jobs.runDue()
    const deleted = await peer.waitFor((r) => r.activity instanceof Delete)
    expect((deleted.activity as Delete).objectId?.href).toBe(`${blog.origin}/comment/${answer.id}`)
  })

  it('a restart keeps the reply, and delivers an answer queued before it', async () => {
    // Jobs run only when the test says: the answer is still queued when the blog stops.
    const { blog, peer, blogActor, admin, post, postUrl } = await conversation({ env: { JOBS_POLL_MS: '0' } })
    await blog.app.settings.update({ moderation: 'none' })
    const note = await reply(peer, blogActor, postUrl, 'Avant le redémarrage.', blog)
    await poll(() => commentRows(blog, post.id)).toHaveLength(1)
    const [first] = await commentRows(blog, post.id)
    await admin.get(`/admin/comments/${first!.id}/answer`)
    expect(
      (await admin.post(`/admin/comments/${first!.id}/answer`, { body: 'Réponse envoyée après.', status: 'approved' })).statusCode,
    ).toBe(303)

    // Stopped before the job ran; the same blog (database, address) starts again.
    const { dir, port } = blog
    open.splice(open.indexOf(blog), 1, { close: async () => rmSync(dir, { recursive: true, force: true }) })
    await blog.app.close()
    expect(answersTo(peer, note.id!.href)).toEqual([])
    const again = await start({ dir, port, env: { JOBS_POLL_MS: '0' } })
    expect(visibleText(commentList(await pageOf(again, post.url)))).toContain('Avant le redémarrage.')
    expect(await again.app.jobs.runDue()).toBeGreaterThan(0)
    const received = await peer.waitFor((r) => answersTo(peer, note.id!.href).includes(r))
    expect((received.json.object as { content: string }).content).toContain('Réponse envoyée après.')
  })
})
