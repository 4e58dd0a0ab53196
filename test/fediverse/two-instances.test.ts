// The blog and another ActivityPub server, each on its own loopback address and real port: the peer
// (test/helpers/fedi-peer.ts, a real Fedify server with its own actor @alice and keys) finds the blog by its
// handle, follows it, and receives what it publishes, with signatures checked on both sides.
import { Accept, Person } from '@fedify/vocab'
import { afterEach, describe, expect, it } from 'vitest'
import { startFediBlog } from '../helpers/fedi-blog.ts'
import { startFediPeer } from '../helpers/fedi-peer.ts'

describe('the blog and a fediverse server on loopback', () => {
  const open: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close()
  })
  const start = async () => {
    const blog = await startFediBlog({ env: { BLOG_TITLE: 'Mon carnet', BLOG_DESCRIPTION: 'Des notes.' } })
    open.push(blog)
    const peer = await startFediPeer()
    open.push(peer)
    return { blog, peer }
  }

  it('finds the blog by its handle: a Person named after the blog, with its description and home page', async () => {
    const { blog, peer } = await start()
    const actor = await peer.lookupHandle(blog.handle)
    expect(actor).toBeInstanceOf(Person)
    expect(actor!.id?.href).toBe(`${blog.origin}/fediverse/users/blog`)
    expect(actor!.preferredUsername).toBe('blog')
    expect(actor!.name?.toString()).toBe('Mon carnet')
    expect(actor!.summary?.toString()).toBe('Des notes.')
    expect(actor!.url?.href).toBe(`${blog.origin}/`)
    // The handle is a setting: a new one is found, the old one no longer.
    await blog.app.settings.update({ fediverseHandle: 'carnet' })
    expect((await peer.lookupHandle(`@carnet@127.0.0.2:${blog.port}`))?.id?.href).toBe(actor!.id!.href)
    expect(await peer.lookupHandle(blog.handle)).toBeNull()
  })

  it('accepts a Follow: the peer gets an Accept, the blog keeps the follower; an Undo removes it', async () => {
    const { blog, peer } = await start()
    const actor = (await peer.lookupHandle(blog.handle))!
    const follow = await peer.follow(actor)
    const accept = await peer.waitFor((r) => r.activity instanceof Accept)
    expect((accept.activity as Accept).objectId?.href).toBe(follow.id!.href)
    const rows = await blog.app.db.selectFrom('fedi_followers').selectAll().execute()
    expect(rows).toMatchObject([
      {
        actor_id: peer.actorId.href,
        inbox: peer.inboxUrl.href,
        shared_inbox: peer.sharedInboxUrl.href,
        handle: peer.handle,
        instance: '127.0.0.3',
      },
    ])
    await peer.unfollow(actor, follow)
    // Received activities are processed after the inbox's 202 (Fedify's queue).
    await expect.poll(() => blog.app.db.selectFrom('fedi_followers').selectAll().execute()).toEqual([])
  })
})
