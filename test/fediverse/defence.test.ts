// What the inbox refuses: activities whose signature does not verify (another key, a replayed Date, none), bodies
// over 256 KB, too many activities from one instance, and — without OUTBOUND_ALLOW_PRIVATE — anything that would
// make the blog fetch from a private address or over plain http. A refused request changes nothing.
import { afterEach, describe, expect, it } from 'vitest'
import { guarded, isDeliverable } from '../../src/fediverse/federation.ts'
import { logRecords } from '../helpers/comments.ts'
import { startFediBlog, type FediBlog } from '../helpers/fedi-blog.ts'
import { startFediPeer, type FediPeer } from '../helpers/fedi-peer.ts'

describe('the inbox defends itself', () => {
  const open: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close()
  })
  const start = async (options: Parameters<typeof startFediBlog>[0] = {}) => {
    const blog = await startFediBlog(options)
    open.push(blog)
    const peer = await startFediPeer()
    open.push(peer)
    return { blog, peer }
  }
  const followJson = (blog: FediBlog, peer: FediPeer) => ({
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: peer.newId('follow').href,
    type: 'Follow',
    actor: peer.actorId.href,
    object: `${blog.origin}/fediverse/users/blog`,
  })
  const followers = (blog: FediBlog) => blog.app.db.selectFrom('fedi_followers').selectAll().execute()

  it('takes a Follow signed with the sender’s key (the control)', async () => {
    const { blog, peer } = await start()
    const res = await peer.post(`${blog.origin}/fediverse/inbox`, followJson(blog, peer))
    expect(res.status).toBe(202)
    await expect.poll(() => followers(blog)).toHaveLength(1)
  })

  it('refuses an activity signed with another key, or replayed with an old Date, or unsigned: 401, logged once', async () => {
    const { records, logger } = logRecords<{ msg: string; reason?: string; actor?: string }>()
    const { blog, peer } = await start({ logger })
    const inbox = `${blog.origin}/fediverse/users/blog/inbox`
    const forged = await peer.post(inbox, followJson(blog, peer), { wrongKey: true })
    expect(forged.status).toBe(401)
    const replayed = await peer.post(inbox, followJson(blog, peer), { date: new Date(Date.now() - 2 * 3600_000) })
    expect(replayed.status).toBe(401)
    const unsigned = await peer.post(inbox, followJson(blog, peer), { unsigned: true })
    expect(unsigned.status).toBe(401)
    const refusals = records.filter((r) => r.msg.includes('signature that does not verify'))
    expect(refusals).toHaveLength(3)
    expect(refusals[0]!.actor).toBe(peer.actorId.href)
    expect(await followers(blog)).toEqual([])
  })

  it('refuses a body over 256 KB (413) and changes nothing', async () => {
    const { blog, peer } = await start()
    const big = { ...followJson(blog, peer), summary: 'x'.repeat(300 * 1024) }
    const res = await peer.post(`${blog.origin}/fediverse/inbox`, big)
    expect(res.status).toBe(413)
    expect(await followers(blog)).toEqual([])
  })

  it('limits the activities one instance may post a minute (429), counted in the database', async () => {
    const { blog, peer } = await start({ build: { fediverseInboxPerMinute: 2 } })
    const inbox = `${blog.origin}/fediverse/inbox`
    expect((await peer.post(inbox, followJson(blog, peer))).status).toBe(202)
    expect((await peer.post(inbox, followJson(blog, peer))).status).toBe(202)
    const third = await peer.post(inbox, followJson(blog, peer))
    expect(third.status).toBe(429)
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    const counters = await blog.app.db.selectFrom('rate_limits').select('key').execute()
    expect(counters.some((c) => c.key.includes('127.0.0.3'))).toBe(true)
  })

  it('without OUTBOUND_ALLOW_PRIVATE, fetches nothing from a private address or over http: the Follow is refused', async () => {
    const { blog, peer } = await start({ env: { OUTBOUND_ALLOW_PRIVATE: '0' } })
    const res = await peer.post(`${blog.origin}/fediverse/inbox`, followJson(blog, peer))
    // The sender's key cannot be fetched (http, loopback): its signature cannot be checked.
    expect(res.status).toBe(401)
    expect(await followers(blog)).toEqual([])
    // Nor through Fedify's lookups.
    const ctx = (await blog.app.federation()).federation.createContext(new URL(blog.origin), blog.app)
    await expect(ctx.lookupObject(peer.actorId.href)).resolves.toBeNull()
  })
})

describe('remote fetches', () => {
  const recording = () => {
    const asked: string[] = []
    const signals: Array<AbortSignal | undefined> = []
    const loader = async (url: string, options?: { signal?: AbortSignal }) => {
      asked.push(url)
      signals.push(options?.signal)
      return { contextUrl: null, documentUrl: url, document: {} }
    }
    return { asked, signals, loader }
  }

  it('refuses plain http before any request unless OUTBOUND_ALLOW_PRIVATE, and gives each fetch a time limit', async () => {
    const { asked, signals, loader } = recording()
    await expect(guarded(loader, false)('http://93.184.216.34/actor')).rejects.toThrow(/not https/)
    expect(asked).toEqual([])
    await guarded(loader, false)('https://93.184.216.34/actor')
    await guarded(loader, true)('http://127.0.0.3/actor')
    expect(asked).toEqual(['https://93.184.216.34/actor', 'http://127.0.0.3/actor'])
    expect(signals.every((s) => s instanceof AbortSignal)).toBe(true)
  })

  it('delivers only to https inboxes at public addresses unless OUTBOUND_ALLOW_PRIVATE', async () => {
    expect(await isDeliverable(new URL('http://93.184.216.34/inbox'), false)).toBe(false)
    expect(await isDeliverable(new URL('https://127.0.0.1/inbox'), false)).toBe(false)
    expect(await isDeliverable(new URL('https://10.1.2.3/inbox'), false)).toBe(false)
    expect(await isDeliverable(new URL('https://[::1]/inbox'), false)).toBe(false)
    expect(await isDeliverable(new URL('https://93.184.216.34/inbox'), false)).toBe(true)
    expect(await isDeliverable(new URL('http://127.0.0.3/inbox'), true)).toBe(true)
    expect(await isDeliverable(new URL('ftp://127.0.0.3/inbox'), true)).toBe(false)
  })
})
