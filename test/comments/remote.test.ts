// Comments from elsewhere (src/comments/remote.ts) through the real app and a real database: the form's rules
// (word lists, link limit, bans, first time, a closed thread), plus bans by actor and domain, edits and deletes
// by their author, and reactions counted once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { commentsOf, openPost } from '../helpers/comments.ts'
import { banValue, insertBan, isBannedRemote } from '../../src/comments/bans.ts'
import { receiveRemoteComment, recordReaction, removeReaction, removeRemoteComment, type RemoteComment } from '../../src/comments/remote.ts'
import { createPost } from '../../src/content/posts.write.ts'
import type { BanKind } from '../../src/db/schema.ts'

let blog: TestBlog
beforeAll(async () => {
  blog = await buildTestApp({ demo: false })
})
afterAll(() => blog.close())
beforeEach(async () => {
  await blog.app.db.deleteFrom('bans').execute()
  await blog.app.settings.update({ moderation: 'none', holdWords: '', refuseWords: '', banAction: 'spam', commentsAutoCloseDays: 0 })
})

let n = 0
/** A reply from the fediverse by Alice of mastodon.example, each with an address of its own. */
function reply(postId: number, patch: Partial<RemoteComment> = {}): RemoteComment {
  n += 1
  return {
    postId,
    parentId: null,
    origin: 'fediverse',
    originUrl: `https://mastodon.example/users/alice/statuses/${n}`,
    permalink: `https://mastodon.example/@alice/${n}`,
    author: {
      name: 'Alice',
      url: 'https://mastodon.example/@alice',
      actor: 'https://mastodon.example/users/alice',
      handle: '@alice@mastodon.example',
    },
    text: 'Bien vu !',
    ...patch,
  }
}

async function ban(kind: BanKind, typed: string) {
  const value = banValue(kind, typed)
  expect(value, typed).not.toBeNull()
  await insertBan(blog.app.db, {
    kind,
    value: value!,
    shown: typed,
    subaddresses: 0,
    note: '',
    expires_at: null,
    created_at: new Date().toISOString(),
    created_by: 'test',
  })
}

describe('a comment from the fediverse', () => {
  it('is stored with where it came from and who wrote it, with no IP address, and counts in the thread', async () => {
    const post = await openPost(blog)
    const result = await receiveRemoteComment(blog.app, reply(post.id, { text: 'Merci,\n\nbelle note.' }))
    expect(result).toMatchObject({ kind: 'stored', status: 'approved' })
    const [row] = await commentsOf(blog, post.id)
    expect(row).toMatchObject({
      origin: 'fediverse',
      origin_url: `https://mastodon.example/users/alice/statuses/${n}`,
      origin_permalink: `https://mastodon.example/@alice/${n}`,
      author_actor: 'https://mastodon.example/users/alice',
      author_handle: '@alice@mastodon.example',
      author_name: 'Alice',
      author_email: null,
      ip: null,
      body: 'Merci,\n\nbelle note.',
    })
    const stats = await blog.app.db.selectFrom('post_stats').select('approved_comments').where('post_id', '=', post.id).executeTakeFirst()
    expect(Number(stats?.approved_comments)).toBe(1)
  })

  it('is held for a hold word or too many links, and refused for a refuse word (nothing stored)', async () => {
    const post = await openPost(blog)
    await blog.app.settings.update({ holdWords: 'casino', refuseWords: 'viagra' })
    expect(await receiveRemoteComment(blog.app, reply(post.id, { text: 'Un bon CASINO en ligne' }))).toMatchObject({
      kind: 'stored',
      status: 'pending',
    })
    expect(
      await receiveRemoteComment(blog.app, reply(post.id, { text: 'https://a.example https://b.example https://c.example' })),
    ).toMatchObject({
      status: 'pending',
    })
    expect(await receiveRemoteComment(blog.app, reply(post.id, { text: 'Du Viágra pas cher' }))).toEqual({
      kind: 'refused',
      reason: 'words',
    })
    // The handle is read by the lists too.
    await blog.app.settings.update({ refuseWords: 'spammer' })
    const handle = reply(post.id)
    handle.author.handle = '@spammer@bad.example'
    expect(await receiveRemoteComment(blog.app, handle)).toEqual({ kind: 'refused', reason: 'words' })
    expect((await commentsOf(blog, post.id)).map((r) => r.status)).toEqual(['pending', 'pending'])
  })

  it('is refused (or kept as spam) when its actor is banned', async () => {
    const post = await openPost(blog)
    await ban('actor', 'https://mastodon.example/users/alice')
    expect(await receiveRemoteComment(blog.app, reply(post.id))).toMatchObject({ kind: 'stored', status: 'spam' })
    await blog.app.settings.update({ banAction: 'refuse' })
    expect(await receiveRemoteComment(blog.app, reply(post.id))).toEqual({ kind: 'refused', reason: 'banned' })
    // Someone else of the same instance is not Alice.
    const bob = reply(post.id, {
      author: { name: 'Bob', url: null, actor: 'https://mastodon.example/users/bob', handle: '@bob@mastodon.example' },
    })
    expect(await receiveRemoteComment(blog.app, bob)).toMatchObject({ kind: 'stored', status: 'approved' })
    expect(await isBannedRemote(blog.app.db, { actor: 'https://mastodon.example/users/alice' })).toBe(true)
    expect(await isBannedRemote(blog.app.db, { actor: 'https://mastodon.example/users/bob' })).toBe(false)
  })

  it('is refused when its instance is banned by domain, subdomains included, and not for a look-alike host', async () => {
    const post = await openPost(blog)
    await blog.app.settings.update({ banAction: 'refuse' })
    await ban('domain', 'Bad.Example')
    const from = (actor: string) =>
      reply(post.id, { originUrl: `${actor}/statuses/${++n}`, author: { name: 'X', url: null, actor, handle: null } })
    expect(await receiveRemoteComment(blog.app, from('https://bad.example/users/x'))).toEqual({ kind: 'refused', reason: 'banned' })
    expect(await receiveRemoteComment(blog.app, from('https://eu.social.bad.example/users/x'))).toEqual({
      kind: 'refused',
      reason: 'banned',
    })
    expect(await receiveRemoteComment(blog.app, from('https://notbad.example/users/x'))).toMatchObject({ kind: 'stored' })
    expect(await isBannedRemote(blog.app.db, { domain: 'eu.bad.example' })).toBe(true)
    expect(await isBannedRemote(blog.app.db, { domain: 'https://bad.example/inbox' })).toBe(true)
    expect(await isBannedRemote(blog.app.db, { domain: 'notbad.example' })).toBe(false)
    // An internationalised domain, typed as people read it, covers its punycode host.
    await ban('domain', 'exämple.social')
    expect(await receiveRemoteComment(blog.app, from('https://xn--exmple-cua.social/users/y'))).toEqual({
      kind: 'refused',
      reason: 'banned',
    })
  })

  it('is held the first time its actor comments (moderation first-time), whatever its name, and not after', async () => {
    const post = await openPost(blog)
    await blog.app.settings.update({ moderation: 'first-time' })
    const carla = { name: 'Carla', url: null, actor: 'https://first.example/users/carla', handle: '@carla@first.example' }
    const first = await receiveRemoteComment(blog.app, reply(post.id, { author: carla }))
    expect(first).toMatchObject({ kind: 'stored', status: 'pending' })
    await blog.app.db
      .updateTable('comments')
      .set({ status: 'approved' })
      .where('id', '=', (first as { id: number }).id)
      .execute()
    const renamed = reply(post.id, { author: { ...carla, name: 'Carla (en vacances)' } })
    expect(await receiveRemoteComment(blog.app, renamed)).toMatchObject({ status: 'approved' })
    // Another actor with the same name is someone new.
    const other = reply(post.id, { author: { name: 'Carla', url: null, actor: 'https://other.example/users/carla', handle: null } })
    expect(await receiveRemoteComment(blog.app, other)).toMatchObject({ status: 'pending' })
  })

  it('is refused in a closed thread and on a post readers cannot see; an answer to a hidden comment is refused', async () => {
    const closed = await openPost(blog, { commentsOpen: false })
    expect(await receiveRemoteComment(blog.app, reply(closed.id))).toEqual({ kind: 'refused', reason: 'closed' })
    await blog.app.settings.update({ commentsAutoCloseDays: 1 })
    const old = await openPost(blog, { daysAgo: 3 })
    expect(await receiveRemoteComment(blog.app, reply(old.id))).toEqual({ kind: 'refused', reason: 'closed' })
    const draft = await createPost(blog.app.db, { title: 'Brouillon', body: 'x', status: 'draft', publishedAt: null, commentsOpen: true })
    expect(await receiveRemoteComment(blog.app, reply(draft.id))).toEqual({ kind: 'refused', reason: 'post-gone' })
    expect(await receiveRemoteComment(blog.app, reply(999_999))).toEqual({ kind: 'refused', reason: 'post-gone' })
    await blog.app.settings.update({ commentsAutoCloseDays: 0 })
    const post = await openPost(blog)
    expect(await receiveRemoteComment(blog.app, reply(post.id, { parentId: 999_999 }))).toEqual({ kind: 'refused', reason: 'parent-gone' })
    expect(await commentsOf(blog, closed.id)).toEqual([])
    expect(await commentsOf(blog, post.id)).toEqual([])
  })

  it('is never a duplicate of another remote comment with the same text', async () => {
    const post = await openPost(blog)
    expect(await receiveRemoteComment(blog.app, reply(post.id, { text: 'Merci !' }))).toMatchObject({ kind: 'stored' })
    const bob = reply(post.id, { text: 'Merci !', author: { name: 'Bob', url: null, actor: 'https://b.example/users/bob', handle: null } })
    expect(await receiveRemoteComment(blog.app, bob)).toMatchObject({ kind: 'stored' })
    expect(await commentsOf(blog, post.id)).toHaveLength(2)
  })
})

describe('an Update, a Delete', () => {
  it('changes the text of the comment sent before (edited_at set), and holds an approved one whose new text has a hold word', async () => {
    const post = await openPost(blog)
    const note = reply(post.id, { text: 'Première version' })
    const stored = await receiveRemoteComment(blog.app, note)
    expect(await receiveRemoteComment(blog.app, { ...note, text: 'Première version' })).toEqual({
      kind: 'updated',
      id: (stored as { id: number }).id,
    })
    expect((await commentsOf(blog, post.id))[0]!.edited_at).toBeNull()
    expect(await receiveRemoteComment(blog.app, { ...note, text: 'Seconde version' })).toEqual({
      kind: 'updated',
      id: (stored as { id: number }).id,
    })
    let rows = await commentsOf(blog, post.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ body: 'Seconde version', status: 'approved' })
    expect(rows[0]!.edited_at).not.toBeNull()
    await blog.app.settings.update({ holdWords: 'casino', refuseWords: 'viagra' })
    await receiveRemoteComment(blog.app, { ...note, text: 'Venez au casino' })
    rows = await commentsOf(blog, post.id)
    expect(rows[0]).toMatchObject({ body: 'Venez au casino', status: 'pending' })
    // A refuse word refuses the edit: the text stays as it was.
    expect(await receiveRemoteComment(blog.app, { ...note, text: 'viagra' })).toEqual({ kind: 'refused', reason: 'words' })
    expect((await commentsOf(blog, post.id))[0]!.body).toBe('Venez au casino')
  })

  it('of a comment already there is taken in a thread closed since; sent under another actor, it changes nothing', async () => {
    const post = await openPost(blog)
    const note = reply(post.id, { text: 'Avant' })
    await receiveRemoteComment(blog.app, note)
    await blog.app.db.updateTable('posts').set({ comments_open: 0 }).where('id', '=', post.id).execute()
    expect(await receiveRemoteComment(blog.app, { ...note, text: 'Après' })).toMatchObject({ kind: 'updated' })
    const mallory = { ...note, text: 'Volé', author: { ...note.author, actor: 'https://evil.example/users/mallory' } }
    expect(await receiveRemoteComment(blog.app, mallory)).toEqual({ kind: 'refused', reason: 'not-author' })
    expect((await commentsOf(blog, post.id))[0]!.body).toBe('Après')
  })

  it('removes the comment only when it comes from its author; its answers stay', async () => {
    const post = await openPost(blog)
    const note = reply(post.id)
    const stored = (await receiveRemoteComment(blog.app, note)) as { id: number }
    const answer = (await receiveRemoteComment(blog.app, reply(post.id, { parentId: stored.id }))) as { id: number }
    expect(await removeRemoteComment(blog.app, note.originUrl, 'https://evil.example/users/mallory')).toBe(0)
    expect(await commentsOf(blog, post.id)).toHaveLength(2)
    expect(await removeRemoteComment(blog.app, note.originUrl, note.author.actor!)).toBe(1)
    const rows = await commentsOf(blog, post.id)
    expect(rows.map((r) => [r.id, r.parent_id])).toEqual([[answer.id, null]])
    expect(await removeRemoteComment(blog.app, note.originUrl)).toBe(0)
  })
})

describe('reactions', () => {
  it('are counted once per source, removed by an Undo, and not for a banned domain or a hidden post', async () => {
    const post = await openPost(blog)
    const like = {
      postId: post.id,
      origin: 'fediverse' as const,
      kind: 'like' as const,
      sourceUrl: 'https://mastodon.example/users/alice#likes/1',
      author: { name: 'Alice', url: 'https://mastodon.example/@alice', actor: 'https://mastodon.example/users/alice' },
    }
    expect(await recordReaction(blog.app, like)).toBe(true)
    expect(await recordReaction(blog.app, like)).toBe(false)
    expect(await recordReaction(blog.app, { ...like, kind: 'boost' })).toBe(true)
    const count = async () => (await blog.app.db.selectFrom('reactions').select('kind').where('post_id', '=', post.id).execute()).length
    expect(await count()).toBe(2)
    expect(await removeReaction(blog.app, like.sourceUrl, 'like')).toBe(1)
    expect(await count()).toBe(1)
    expect(await removeReaction(blog.app, like.sourceUrl)).toBe(1)
    await ban('domain', 'mastodon.example')
    expect(await recordReaction(blog.app, like)).toBe(false)
    const draft = await createPost(blog.app.db, { title: 'Brouillon', body: 'x', status: 'draft', publishedAt: null, commentsOpen: true })
    expect(
      await recordReaction(blog.app, { ...like, postId: draft.id, author: { name: 'B', url: null, actor: 'https://b.example/u/b' } }),
    ).toBe(false)
    expect(await count()).toBe(0)
  })
})
