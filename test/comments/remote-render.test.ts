// What readers see of comments and reactions from elsewhere: the name linked to its author's page, the handle,
// "via le fédivers" or "mentionné sur <site>", a link to the original, no image from their server; one thread,
// one count, one feed for the form's, an import's, the fediverse's and a webmention's; reactions counted under
// the post unless the setting hides them. Through the real app (page cache and all) and a real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentList, openPost, send } from '../helpers/comments.ts'
import { htmlErrors } from '../helpers/browser-checks.ts'
import { receiveRemoteComment, recordReaction, type RemoteReaction } from '../../src/comments/remote.ts'
import { commentsFeedPath } from '../../src/lib/urls.ts'

let blog: TestBlog
beforeAll(async () => {
  blog = await buildTestApp({ demo: false, env: { COMMENT_RATE_LIMIT: '0' } })
})
afterAll(() => blog.close())

const page = async (url: string) => (await blog.app.inject(url)).body

/** A post with a comment from each origin. */
async function threadOfFour() {
  const post = await openPost(blog, { title: 'Une note très commentée' })
  expect((await send(blog, post.url, { author: 'Camille', body: 'Par le formulaire.' })).statusCode).toBe(303)
  await blog.app.db
    .insertInto('comments')
    .values({
      post_id: post.id,
      parent_id: null,
      author_name: 'Ancien lecteur',
      author_email: null,
      author_url: null,
      body: 'Importé d’un vieux blog.',
      status: 'approved',
      created_at: new Date().toISOString(),
      ip: null,
      body_key: null,
      origin: 'import',
    })
    .execute()
  expect(
    await receiveRemoteComment(blog.app, {
      postId: post.id,
      parentId: null,
      origin: 'fediverse',
      originUrl: 'https://mastodon.example/users/alice/statuses/42',
      permalink: 'https://mastodon.example/@alice/42',
      author: {
        name: 'Alice <b>Liddell</b>',
        url: 'https://mastodon.example/@alice',
        actor: 'https://mastodon.example/users/alice',
        handle: '@alice@mastodon.example',
      },
      text: 'Depuis le fédivers. <img src="https://mastodon.example/avatar.png">',
    }),
  ).toMatchObject({ kind: 'stored', status: 'approved' })
  expect(
    await receiveRemoteComment(blog.app, {
      postId: post.id,
      parentId: null,
      origin: 'webmention',
      originUrl: 'https://xn--blg-tna.example/2026/reponse',
      permalink: null,
      author: { name: 'Bob', url: 'https://xn--blg-tna.example/', actor: 'https://xn--blg-tna.example/', handle: null },
      text: 'Par une webmention.',
    }),
  ).toMatchObject({ kind: 'stored', status: 'approved' })
  return post
}

describe('comments from elsewhere on the post page', () => {
  it('show the name linked to its author, the handle, where it came from and the original, and no remote image', async () => {
    const post = await threadOfFour()
    const html = await page(post.url)
    const list = commentList(html)
    const text = visibleText(list)
    expect(text).toContain('Alice <b>Liddell</b> @alice@mastodon.example (via le fédivers) | voir l’original')
    expect(text).toContain('Bob (mentionné sur blög.example) | voir l’original')
    expect(list).toContain('<a href="https://mastodon.example/@alice" rel="nofollow ugc noopener">Alice &lt;b&gt;Liddell&lt;/b&gt;</a>')
    expect(list).toContain('<a class="comment-original" href="https://mastodon.example/@alice/42" rel="nofollow ugc noopener">')
    // Without a page of its own, the original is the address it came from.
    expect(list).toContain('<a class="comment-original" href="https://xn--blg-tna.example/2026/reponse" rel="nofollow ugc noopener">')
    expect(list).not.toMatch(/<img[^>]+src="https?:\/\/(?!blog\.test)/)
    expect(list).toContain('&lt;img src=')
    // The form's and the import's say nothing of an origin.
    expect(text).not.toMatch(/Camille[^|]*(via|mentionné)/)
    expect(text).toContain('Par le formulaire.')
    expect(text).toContain('Importé d’un vieux blog.')
    expect(await htmlErrors(html, 'post-with-remote-comments')).toEqual([])
  })

  it('count in the thread and appear in the comments feed like the others', async () => {
    const post = await threadOfFour()
    const home = visibleText(mainOf(await page('/')))
    expect(home).toMatch(/Une note très commentée[\s\S]*Commentaires \(4\)/)
    const feed = await page(commentsFeedPath('rss'))
    for (const body of ['Par le formulaire.', 'Importé d’un vieux blog.', 'Depuis le fédivers.', 'Par une webmention.']) {
      expect(feed).toContain(body)
    }
    expect(visibleText(mainOf(await page(post.url)))).toContain('Commentaires (4)')
  })
})

describe('reactions under the post', () => {
  function reaction(postId: number, kind: RemoteReaction['kind'], i: number, name = `Personne ${i}`): RemoteReaction {
    return {
      postId,
      origin: kind === 'mention' ? 'webmention' : 'fediverse',
      kind,
      sourceUrl: `https://social.example/activities/${kind}/${i}`,
      author: { name, url: `https://social.example/@p${i}`, actor: `https://social.example/users/p${i}` },
    }
  }

  it('show the counts with plurals and who mentioned it, once the page is fresh again, unless the setting hides them', async () => {
    const post = await openPost(blog)
    const before = await page(post.url)
    expect(before).not.toContain('post-reactions')
    for (let i = 1; i <= 3; i++) await recordReaction(blog.app, reaction(post.id, 'like', i))
    for (let i = 1; i <= 2; i++) await recordReaction(blog.app, reaction(post.id, 'boost', i))
    await recordReaction(blog.app, reaction(post.id, 'bookmark', 1))
    await recordReaction(blog.app, reaction(post.id, 'like', 1)) // the same like again: still 3
    await recordReaction(blog.app, reaction(post.id, 'mention', 1, 'Zoé'))
    await recordReaction(blog.app, reaction(post.id, 'mention', 2, ''))
    let html = await page(post.url)
    let text = visibleText(mainOf(html))
    expect(text).toContain('3 j’aime · 2 partages · 1 signet')
    expect(text).toMatch(/Mentionné par\s+Zoé\s+social\.example/)
    expect(html).toContain('<a href="https://social.example/activities/mention/1" rel="nofollow ugc noopener"><bdi>Zoé</bdi></a>')
    // Under the post, before the comments.
    expect(html.indexOf('post-reactions')).toBeLessThan(html.indexOf('id="comments"'))
    expect(await htmlErrors(html, 'post-with-reactions')).toEqual([])

    await blog.app.settings.update({ language: 'en' })
    text = visibleText(mainOf(await page(post.url)))
    expect(text).toContain('3 likes · 2 boosts · 1 bookmark')
    expect(text).toContain('Mentioned by')
    await blog.app.settings.update({ language: 'fr', showReactions: false })
    html = await page(post.url)
    expect(html).not.toContain('post-reactions')
    expect(visibleText(mainOf(html))).not.toContain('j’aime')
    await blog.app.settings.update({ showReactions: true })
  })

  it('say "1 j’aime", "1 partage" in the singular', async () => {
    const post = await openPost(blog)
    await recordReaction(blog.app, reaction(post.id, 'like', 7))
    await recordReaction(blog.app, reaction(post.id, 'boost', 7))
    expect(visibleText(mainOf(await page(post.url)))).toContain('1 j’aime · 1 partage')
  })
})
