// Two instances on one database: a reply from the fediverse and a reaction received by one are on the post page
// the other serves from its page cache, at its next request.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentList, openPost } from '../helpers/comments.ts'
import { receiveRemoteComment, recordReaction, removeRemoteComment } from '../../src/comments/remote.ts'

let a: TestBlog
let b: TestBlog
beforeAll(async () => {
  a = await buildTestApp({ demo: false })
  b = await buildTestApp({ demo: false, dir: a.dir, env: { SESSION_KEY: a.config.sessionKey ?? '' } })
})
afterAll(async () => {
  await b.close()
  await a.close()
})

it('shows what one instance received on the other’s cached post page at once, and its removal', async () => {
  const post = await openPost(a)
  const get = () => b.app.inject(post.url)
  await get()
  expect((await get()).headers['x-page-cache']).toBe('hit')
  const note = {
    postId: post.id,
    parentId: null,
    origin: 'fediverse' as const,
    originUrl: 'https://mastodon.example/users/alice/statuses/77',
    permalink: null,
    author: { name: 'Alice', url: null, actor: 'https://mastodon.example/users/alice', handle: '@alice@mastodon.example' },
    text: 'Reçu par l’instance A.',
  }
  await receiveRemoteComment(a.app, note)
  await recordReaction(a.app, {
    postId: post.id,
    origin: 'fediverse',
    kind: 'like',
    sourceUrl: 'https://mastodon.example/users/alice#likes/77',
    author: { name: 'Alice', url: null, actor: 'https://mastodon.example/users/alice' },
  })
  const after = await get()
  expect(after.headers['x-page-cache']).not.toBe('hit')
  expect(visibleText(commentList(after.body))).toContain('Reçu par l’instance A.')
  expect(visibleText(after.body)).toContain('1 j’aime')
  await removeRemoteComment(a.app, note.originUrl, note.author.actor)
  expect(visibleText((await get()).body)).not.toContain('Reçu par l’instance A.')
})
