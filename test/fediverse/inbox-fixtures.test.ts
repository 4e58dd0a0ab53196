// What real servers send, through the blog's inbox: payloads Mastodon, Misskey, Pleroma, Friendica and Pixelfed
// servers sent (test/fixtures/fediverse/, README there says where each comes from), with only their addresses
// rewritten to the test's two hosts — the sender's become the peer's @alice on 127.0.0.3, the replied-to or liked
// object a post of the blog on 127.0.0.2, the account they mention the blog's — then signed by the peer and
// posted. What a reader then sees is checked: the comment under the post with its text, or nothing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commentList, openPost } from '../helpers/comments.ts'
import { startFediBlog, type FediBlog } from '../helpers/fedi-blog.ts'
import { startFediPeer, type FediPeer } from '../helpers/fedi-peer.ts'
import { visibleText } from '../helpers/app.ts'

// Waits (up to 15 s) for what the blog does in the background: received activities and deliveries are jobs,
// and a busy machine may take seconds.
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 })

const FIXTURES = join(import.meta.dirname, '../fixtures/fediverse')
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'

type Json = Record<string, unknown>
const fixture = (name: string): Json => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json

/** Every string of the payload with each `from` replaced by its `to`, in order: addresses only. */
function rewrite<T>(value: T, pairs: ReadonlyArray<readonly [string, string]>): T {
  if (typeof value === 'string') return pairs.reduce<string>((s, [from, to]) => s.split(from).join(to), value) as T
  if (Array.isArray(value)) return value.map((v) => rewrite(v, pairs)) as T
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, pairs)])) as T
  }
  return value
}

/**
 * The payload as the peer sends it: its stale JSON-LD signature (made by the original server over the original
 * text) dropped, since the peer signs the request itself (HTTP Signatures, as Mastodon does).
 */
function resigned(json: Json): Json {
  const { signature: _, ...rest } = json
  return rest
}

/**
 * A bare Note wrapped in the Create its server sent it in (same actor and audience). A Note kept without its
 * @context (Pleroma's tests strip it from the Misskey ones) is read with ActivityStreams' own.
 */
function created(note: Json, actor: string): Json {
  return {
    '@context': note['@context'] ?? 'https://www.w3.org/ns/activitystreams',
    id: `${String(note.id)}/activity`,
    type: 'Create',
    actor,
    to: note.to,
    cc: note.cc,
    object: { ...note, '@context': undefined },
  }
}

describe('payloads real servers send, through the inbox', () => {
  let blog: FediBlog
  let peer: FediPeer
  let post: { id: number; url: string }
  let postUrl: string
  beforeEach(async () => {
    blog = await startFediBlog()
    peer = await startFediPeer()
    post = await openPost(blog, { title: 'Une note du blog' })
    postUrl = `${blog.origin}${post.url}`
  })
  afterEach(async () => {
    await peer?.close()
    await blog?.close()
  })

  const blogHost = () => new URL(blog.origin).host
  const peerHost = () => new URL(peer.origin).host
  /** Posts the activity to the blog's shared inbox, signed by the peer; Fedify's 202 means taken for processing. */
  async function deliver(json: Json) {
    const res = await peer.post(`${blog.origin}/fediverse/inbox`, resigned(json))
    expect(res.status, await res.clone().text()).toBe(202)
  }
  const comments = () => blog.app.db.selectFrom('comments').selectAll().where('post_id', '=', post.id).orderBy('id').execute()
  const page = async () => {
    const res = await blog.app.inject({ method: 'GET', url: post.url })
    expect(res.statusCode).toBe(200)
    return res.body
  }
  const pageText = async () => visibleText(commentList(await page()))
  /** The control: a reply that does arrive, so that "nothing happened" below is not a slow inbox. */
  async function controlReply(text: string) {
    const id = peer.newId('note').href
    await deliver({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/activity`,
      type: 'Create',
      actor: peer.actorId.href,
      to: [PUBLIC],
      object: { id, type: 'Note', attributedTo: peer.actorId.href, to: [PUBLIC], inReplyTo: postUrl, content: `<p>${text}</p>` },
    })
    await poll(async () => (await comments()).map((c) => c.body)).toContain(text)
  }

  // Mastodon, 2021: an unlisted reply (as:Public in cc) starting with a mention of whom it answers.
  const MADRID = 'mastodon/create-note-reply-unlisted.json'
  const madrid = () =>
    rewrite(fixture(MADRID), [
      ['https://mamot.fr/users/retiolus/statuses/107224244380204526', postUrl],
      ['https://mastodon.madrid/users/felix', peer.actorId.href],
      ['https://mastodon.madrid', peer.origin],
      ['https://mamot.fr', blog.origin],
      ['mamot.fr', blogHost()],
    ])

  it('Mastodon: an unlisted reply becomes a comment under the post, the blog’s mention dropped, its author shown', async () => {
    await deliver(madrid())
    await poll(comments).toHaveLength(1)
    const [c] = await comments()
    expect(c).toMatchObject({
      origin: 'fediverse',
      status: 'approved',
      author_name: 'Alice',
      author_handle: `@alice@${peerHost()}`,
      author_actor: peer.actorId.href,
      body: 'i have never been disappointed by a thinkpad. if you want to save money, get a model from a few years ago, there isnt a huge difference anyway.',
    })
    expect(c!.origin_url).toBe(`${peer.actorId.href}/statuses/107224289116410645`)
    const text = await pageText()
    expect(text).toContain('Alice')
    expect(text).toContain(`@alice@${peerHost()}`)
    expect(text).toContain('i have never been disappointed by a thinkpad.')
    expect(text).not.toContain('@retiolus')
    // "See the original": the Note's page on its server.
    expect(commentList(await page())).toContain(`href="${peer.origin}/@felix/107224289116410645"`)
  })

  it('Mastodon: the same reply followers-only (as:Public removed from cc) never becomes a comment', async () => {
    const json = madrid()
    const drop = (list: unknown) => (list as string[]).filter((a) => a !== PUBLIC)
    json.cc = drop(json.cc)
    const note = json.object as Json
    note.cc = drop(note.cc)
    await deliver(json)
    await controlReply('Le témoin arrive.')
    expect((await comments()).map((c) => c.body)).toEqual(['Le témoin arrive.'])
    expect(await pageText()).not.toContain('thinkpad')
  })

  it('Mastodon: a direct message never becomes a comment', async () => {
    const note = rewrite(fixture('mastodon/note-direct.json'), [
      ['https://mastodon.world/users/nutomic/statuses/110854464248188528', postUrl],
      ['https://mastodon.world/users/nutomic', peer.actorId.href],
      ['https://mastodon.world', peer.origin],
      ['https://ds9.lemmy.ml/u/nutomic', `${blog.origin}/fediverse/users/blog`],
      ['ds9.lemmy.ml', blogHost()],
    ])
    await deliver(created(note, peer.actorId.href))
    await controlReply('Le témoin arrive.')
    expect((await comments()).map((c) => c.body)).toEqual(['Le témoin arrive.'])
    // The message's text ("444") as a word: the peer's port may contain those digits.
    expect(await pageText()).not.toMatch(/(^|\s)444(\s|$)/)
  })

  it('Mastodon: an edit (Update of the Note) changes the comment’s text; a Delete of its Tombstone removes it', async () => {
    await deliver(madrid())
    await poll(comments).toHaveLength(1)
    const edit = madrid()
    edit.type = 'Update'
    edit.id = `${peer.actorId.href}/statuses/107224289116410645#updates/1`
    const note = edit.object as Json
    note.updated = '2021-11-05T12:00:00Z'
    note.content = note.content!.toString().replace('thinkpad', 'ThinkPad X220')
    await deliver(edit)
    await poll(async () => (await comments())[0]?.body).toContain('ThinkPad X220')
    expect(await comments()).toHaveLength(1)
    expect(await pageText()).toContain('disappointed by a ThinkPad X220.')

    const del = rewrite(fixture('mastodon/delete-tombstone.json'), [
      // The Delete names the status it deletes: here the reply above.
      ['107773559874184870', '107224289116410645'],
      ['https://mastodon.madrid/users/felix', peer.actorId.href],
      ['https://mastodon.madrid', peer.origin],
    ])
    await deliver(del)
    await poll(comments).toHaveLength(0)
    expect(await pageText()).not.toContain('ThinkPad')
  })

  it('a Delete or an Update from another actor than the reply’s changes nothing', async () => {
    await deliver(madrid())
    await poll(comments).toHaveLength(1)
    const mallory = await startFediPeer({ host: '127.0.0.4', name: 'mallory' })
    try {
      const noteId = `${peer.actorId.href}/statuses/107224289116410645`
      const del = {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: mallory.newId('delete').href,
        type: 'Delete',
        actor: mallory.actorId.href,
        object: noteId,
      }
      expect((await mallory.post(`${blog.origin}/fediverse/inbox`, del)).status).toBe(202)
      const edit = { ...madrid(), type: 'Update', id: mallory.newId('update').href, actor: mallory.actorId.href }
      expect((await mallory.post(`${blog.origin}/fediverse/inbox`, edit)).status).toBe(202)
      await controlReply('Le témoin arrive.')
      const rows = await comments()
      expect(rows.map((c) => c.body)).toEqual([expect.stringContaining('thinkpad'), 'Le témoin arrive.'])
    } finally {
      await mallory.close()
    }
  })

  it('Mastodon: a Like and a boost are counted beside the post; their Undo takes them back', async () => {
    const actor: Array<readonly [string, string]> = [
      ['https://mastodon.madrid/users/felix', peer.actorId.href],
      ['https://mastodon.madrid', peer.origin],
    ]
    await deliver(rewrite(fixture('mastodon/like.json'), [['https://ds9.lemmy.ml/post/147', postUrl], ...actor]))
    const announce = [
      ['http://mastodon.example.org/@admin/99541947525187367', postUrl],
      ['http://mastodon.example.org/users/admin', peer.actorId.href],
      ['http://mastodon.example.org', peer.origin],
    ] as const
    await deliver(rewrite(fixture('mastodon/announce.json'), announce))
    const reactions = () => blog.app.db.selectFrom('reactions').select(['kind', 'author_actor']).orderBy('kind').execute()
    await poll(reactions).toHaveLength(2)
    expect(await reactions()).toEqual([
      { kind: 'boost', author_actor: peer.actorId.href },
      { kind: 'like', author_actor: peer.actorId.href },
    ])
    const shown = visibleText(await page())
    expect(shown).toContain('1 j’aime')
    expect(shown).toContain('1 partage')

    // Mastodon's Undo names its Like by id: here the Like above (the captured pair had two different likes).
    await deliver(
      rewrite(fixture('mastodon/undo-like.json'), [['likes/212341', 'likes/212340'], ['https://ds9.lemmy.ml/post/147', postUrl], ...actor]),
    )
    // This 2018 Undo names its contexts with http:// (an old Mastodon's): the blog, offline here, reads them
    // as the https:// ones Fedify has preloaded (fetched from w3.org in production).
    await deliver(
      rewrite(fixture('mastodon/undo-announce.json'), [
        ...announce,
        ['http://www.w3.org/ns/activitystreams', 'https://www.w3.org/ns/activitystreams'],
        ['http://w3id.org/security/v1', 'https://w3id.org/security/v1'],
      ]),
    )
    await poll(reactions).toHaveLength(0)
    expect(visibleText(await page())).not.toContain('j’aime')
  })

  it('Mastodon: a content warning is the first line, the hashtag stays words, the blog’s mention goes', async () => {
    const json = rewrite(fixture('mastodon/create-note-cw-hashtag.json'), [
      ['https://mastodon.local/users/admin', peer.actorId.href],
      ['https://mastodon.local', peer.origin],
      ['https://testing.local', blog.origin],
      ['testing.local', blogHost()],
    ])
    // It answered nothing; here it answers the post.
    ;(json.object as Json).inReplyTo = postUrl
    await deliver(json)
    await poll(comments).toHaveLength(1)
    expect((await comments())[0]!.body).toBe('cw\n\n#moo')
  })

  it('Mastodon: a link keeps its whole address, an attachment’s image is never loaded from their server', async () => {
    const note = rewrite(fixture('mastodon/note-public-link-attachment.json'), [
      ['https://floss.social/users/kde/statuses/113306824627995724', postUrl],
      ['https://floss.social/users/kde', peer.actorId.href],
      ['https://floss.social', peer.origin],
      ['https://lemmy.kde.social', blog.origin],
      ['lemmy.kde.social', blogHost()],
    ])
    await deliver(created(note, peer.actorId.href))
    await poll(comments).toHaveLength(1)
    expect((await comments())[0]!.body).toBe(
      'We also need funding 💶 to keep the gears turning! Please support us with a donation:\n\nhttps://kde.org/donate/\n\n[3/3]',
    )
    const html = await page()
    expect(html).not.toContain('cdn.masto.host')
    expect(html).not.toMatch(new RegExp(`<img[^>]+${peer.origin.replace(/[.:/]/g, '\\$&')}`))
  })

  it('Pleroma: custom emoji stay their :shortcodes: as text, the summary first, no image from their server', async () => {
    const note = rewrite(fixture('pleroma/note-emoji-in-summary.json'), [
      ['https://patch.local/users/rin', peer.actorId.href],
      ['https://patch.local', peer.origin],
    ])
    // Its litepub context (an address on its server, unreachable here) names ActivityStreams' terms: it is read
    // with ActivityStreams' own.
    note['@context'] = ['https://www.w3.org/ns/activitystreams']
    note.inReplyTo = postUrl
    await deliver(created(note, peer.actorId.href))
    await poll(comments).toHaveLength(1)
    expect((await comments())[0]!.body).toBe(':joker_smile:\n\n:joker_disapprove:\n\njust grabbing a test fixture, nevermind me')
    expect(await page()).not.toContain('/emoji/custom/')
  })

  it('Misskey: the HTML is read (not the MFM source), the mention of the blog dropped; a quote keeps its “RE:” link', async () => {
    const mfm = rewrite(fixture('misskey/note-misskey-content.json'), [
      ['https://misskey.local/users/92hzkskwgy', peer.actorId.href],
      ['https://misskey.local', peer.origin],
      ['https://akkoma.local.live/users/akkoma_user', `${blog.origin}/fediverse/users/blog`],
      ['http://localhost:4001/users/akkoma_user', `${blog.origin}/fediverse/users/blog`],
      ['akkoma.local.live', blogHost()],
    ])
    mfm.inReplyTo = postUrl
    await deliver(created(mfm, peer.actorId.href))
    const quote = rewrite(fixture('misskey/note-quote.json'), [
      ['https://misskey.local/users/93492q0ip0', peer.actorId.href],
      ['https://misskey.local', peer.origin],
    ])
    quote.inReplyTo = postUrl
    await deliver(created(quote, peer.actorId.href))
    await poll(comments).toHaveLength(2)
    const bodies = (await comments()).map((c) => c.body).sort()
    expect(bodies).toEqual([
      'i quompt u\n\nRE: https://mastodon.local/objects/30c543fb-a165-40dd-87fd-4e249ec5a40b',
      'linkifylink #dancedance  mfm goes here\n\n## aaa',
    ])
  })

  it('Pixelfed: a comment Note becomes a comment', async () => {
    const json = rewrite(fixture('pixelfed/create-note-comment.json'), [
      ['https://blog.example/2026/12/a-post', postUrl],
      ['https://pixelfed.example/users/alice', peer.actorId.href],
      ['https://pixelfed.example', peer.origin],
      ['https://blog.example', blog.origin],
      ['blog.example', blogHost()],
    ])
    await deliver(json)
    await poll(comments).toHaveLength(1)
    expect((await comments())[0]!.body).toBe('Lovely light in the second photo #film')
    expect(await pageText()).toContain('Lovely light in the second photo #film')
  })

  it('Friendica: an Update of a reply not seen before is taken as the reply it is', async () => {
    const json = rewrite(fixture('friendica/update-note.json'), [
      ['https://pirati.ca/objects/ec054ce7-2062-3bfa-8687-ca8313624820', postUrl],
      ['https://pirati.ca/profile/heluecht', peer.actorId.href],
      ['https://pirati.ca/profile/test8', `${blog.origin}/fediverse/users/blog`],
      ['https://pirati.ca', peer.origin],
      ['pirati.ca', peerHost()],
    ])
    await deliver(json)
    await poll(comments).toHaveLength(1)
    expect((await comments())[0]!.body).toBe('This is an edited comment.')
  })
})
