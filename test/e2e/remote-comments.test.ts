// A post page with comments from the fediverse and a webmention and reactions under it, in Chromium: no axe
// violation, nothing wider than a 375 px phone (long handles and instance names included), no request to the
// authors' servers (no avatar, no image of theirs).
import { describe, expect, it } from 'vitest'
import { axeViolations } from '../helpers/browser-checks.ts'
import { hasChromium, useBlogAndBrowser, watchPage } from '../helpers/browser.ts'
import { openPost } from '../helpers/comments.ts'
import { receiveRemoteComment, recordReaction } from '../../src/comments/remote.ts'

describe.skipIf(!hasChromium)('a post with comments and reactions from elsewhere, in a browser', () => {
  const live = useBlogAndBrowser({ demo: false })

  it('passes axe, fits 375 px and loads nothing from the remote servers', async () => {
    const post = await openPost(live.blog)
    const long = 'une-instance-au-nom-vraiment-tres-long-pour-un-telephone.example'
    await receiveRemoteComment(live.blog.app, {
      postId: post.id,
      parentId: null,
      origin: 'fediverse',
      originUrl: `https://${long}/users/quelquun_au_pseudonyme_interminable/statuses/1`,
      permalink: `https://${long}/@quelquun_au_pseudonyme_interminable/1`,
      author: {
        name: 'Quelqu’un au pseudonyme interminable',
        url: `https://${long}/@quelquun_au_pseudonyme_interminable`,
        actor: `https://${long}/users/quelquun_au_pseudonyme_interminable`,
        handle: `@quelquun_au_pseudonyme_interminable@${long}`,
      },
      text: 'Une réponse venue du fédivers.',
    })
    await receiveRemoteComment(live.blog.app, {
      postId: post.id,
      parentId: null,
      origin: 'webmention',
      originUrl: 'https://blog.example/2026/12/reponse',
      permalink: null,
      author: { name: 'Bob', url: 'https://blog.example/', actor: 'https://blog.example/', handle: null },
      text: 'Une réponse écrite sur mon blog.',
    })
    for (const [kind, i] of [
      ['like', 1],
      ['like', 2],
      ['boost', 1],
      ['bookmark', 1],
      ['mention', 1],
    ] as const) {
      await recordReaction(live.blog.app, {
        postId: post.id,
        origin: kind === 'mention' ? 'webmention' : 'fediverse',
        kind,
        sourceUrl: `https://${long}/activities/${kind}/${i}`,
        author: { name: `Personne ${i} du ${long}`, url: null, actor: `https://${long}/users/p${i}` },
      })
    }
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    const foreign: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(live.blog.url)) foreign.push(r.url())
    })
    await page.setViewportSize({ width: 375, height: 800 })
    await page.goto(live.blog.url + post.url)
    expect(await page.locator('.post-reactions').innerText()).toContain('2 j’aime · 1 partage · 1 signet')
    expect(await page.locator('.comment-handle').innerText()).toContain('@quelquun_au_pseudonyme_interminable@')
    expect(await axeViolations(page)).toEqual([])
    const width = await page.evaluate(() => document.scrollingElement!.scrollWidth)
    expect(width).toBeLessThanOrEqual(375)
    expect(foreign).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })
})
