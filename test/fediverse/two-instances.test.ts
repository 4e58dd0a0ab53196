// The blog and another ActivityPub server, each on its own loopback address and real port: the peer
// (test/helpers/fedi-peer.ts, a real Fedify server with its own actor @alice and keys) finds the blog by its
// handle, follows it, and receives what it publishes, with signatures checked on both sides.
import { Accept, Article, Create, Delete, Hashtag, Person, Reject, Tombstone, Undo, Update } from '@fedify/vocab'
import { afterEach, describe, expect, it } from 'vitest'
import { banValue } from '../../src/comments/bans.ts'
import { createPost, updatePost } from '../../src/content/posts.write.ts'
import { setClock } from '../../src/lib/time.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { logRecords } from '../helpers/comments.ts'
import { visibleText } from '../helpers/app.ts'
import { startFediBlog, type FediBlog } from '../helpers/fedi-blog.ts'
import { startFediPeer, type FediPeer, type ReceivedActivity } from '../helpers/fedi-peer.ts'

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
    // The admin's Fediverse page lists her.
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const page = visibleText((await admin.get('/admin/fediverse')).body)
    expect(page).toContain(`@blog@127.0.0.2:${blog.port}`)
    expect(page).toContain('1 abonné')
    expect(page).toContain(`${peer.handle} 127.0.0.3`)
    await peer.unfollow(actor, follow)
    // Received activities are processed after the inbox's 202 (Fedify's queue).
    await expect.poll(() => blog.app.db.selectFrom('fedi_followers').selectAll().execute()).toEqual([])
  })

  it('takes an Undo that names the Follow only by its id (which her server no longer serves)', async () => {
    const { blog, peer } = await start()
    const actor = (await peer.lookupHandle(blog.handle))!
    const follow = await peer.follow(actor)
    await peer.waitFor((r) => r.activity instanceof Accept)
    expect(await blog.app.db.selectFrom('fedi_followers').select('actor_id').execute()).toHaveLength(1)
    await peer.send(actor, new Undo({ id: peer.newId('undo'), actor: peer.actorId, object: follow.id }))
    await expect.poll(() => blog.app.db.selectFrom('fedi_followers').selectAll().execute()).toEqual([])
  })
})

/** Alice follows the blog, and the blog's Accept has reached her. */
async function follow(blog: FediBlog, peer: FediPeer): Promise<void> {
  const actor = await peer.lookupHandle(blog.handle)
  expect(actor).not.toBeNull()
  await peer.follow(actor!)
  await peer.waitFor((r) => r.activity instanceof Accept)
}

const creates = (peer: FediPeer) => peer.received.filter((r) => r.activity instanceof Create)
const isCreateOf = (url: string) => (r: ReceivedActivity) => r.activity instanceof Create && r.activity.objectId?.href === url
/** The address of a post as the blog shows it (from its home page). */
async function postUrl(blog: FediBlog, title: string): Promise<string> {
  const home = await blog.app.inject('/')
  const path = new RegExp(`href="(/archive/[^"]+)"[^>]*>${title}<`).exec(home.body)?.[1]
  expect(path, `${title} on the home page`).toBeDefined()
  return `${blog.origin}${path}`
}
async function edit(blog: FediBlog, id: number, changes: { title?: string; body?: string; status?: 'published' | 'draft' }) {
  const post = await blog.app.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const categoryIds = (await blog.app.db.selectFrom('post_categories').select('category_id').where('post_id', '=', id).execute()).map(
    (r) => r.category_id,
  )
  const tags = (await blog.app.db.selectFrom('post_tags').select('name').where('post_id', '=', id).orderBy('position').execute()).map(
    (r) => r.name,
  )
  await updatePost(blog.app.db, id, {
    title: changes.title ?? post.title,
    slug: post.slug,
    body: changes.body ?? post.body_source,
    signature: post.signature,
    status: changes.status ?? post.status,
    publishedAt: post.published_at,
    categoryIds,
    tags,
  })
}

it('lets the admin remove a follower: her server gets a Reject of her Follow', async () => {
  const blog = await startFediBlog()
  const peer = await startFediPeer()
  try {
    const actor = (await peer.lookupHandle(blog.handle))!
    const sent = await peer.follow(actor)
    await peer.waitFor((r) => r.activity instanceof Accept)
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const page = await admin.get('/admin/fediverse')
    const action = /action="(\/admin\/fediverse\/followers\/\d+\/remove)"/.exec(page.body)![1]!
    const res = await admin.post(action)
    expect(res.statusCode).toBe(303)
    expect(visibleText((await admin.get(res.headers.location as string)).body)).toContain('L’abonné est retiré')
    const rejected = await peer.waitFor((r) => r.activity instanceof Reject)
    expect((rejected.activity as Reject).objectId?.href).toBe(sent.id!.href)
    expect(await blog.app.db.selectFrom('fedi_followers').selectAll().execute()).toEqual([])
    const audit = await blog.app.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'like', 'fediverse%').execute()
    expect(audit).toEqual([{ action: 'fediverse.follower.remove', target: peer.handle }])
  } finally {
    await peer.close()
    await blog.close()
  }
})

it('refuses a follow from a banned account with a Reject, and keeps no follower', async () => {
  const blog = await startFediBlog()
  const peer = await startFediPeer()
  try {
    await blog.app.db
      .insertInto('bans')
      .values({
        kind: 'actor',
        value: banValue('actor', peer.actorId.href)!,
        shown: peer.handle,
        expires_at: null,
        created_at: new Date().toISOString(),
        created_by: 'test',
      })
      .execute()
    const actor = (await peer.lookupHandle(blog.handle))!
    const sent = await peer.follow(actor)
    const rejected = await peer.waitFor((r) => r.activity instanceof Reject)
    expect((rejected.activity as Reject).objectId?.href).toBe(sent.id!.href)
    expect(peer.received.some((r) => r.activity instanceof Accept)).toBe(false)
    expect(await blog.app.db.selectFrom('fedi_followers').selectAll().execute()).toEqual([])
  } finally {
    await peer.close()
    await blog.close()
  }
})

describe('publishing to the followers', () => {
  const open: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    setClock(null)
    for (const o of open.splice(0).reverse()) await o.close()
  })
  const started = <T extends { close(): Promise<void> }>(thing: T): T => {
    open.push(thing)
    return thing
  }

  it('sends a new post as a Create of an Article (title, link, hashtags, language), its edit as Update, its withdrawal as Delete', async () => {
    const blog = started(await startFediBlog({ env: { BLOG_LANGUAGE: 'fr' } }))
    const peer = started(await startFediPeer())
    await follow(blog, peer)
    const { id } = await createPost(blog.app.db, {
      title: 'Le potager en hiver',
      body: 'Les poireaux tiennent bon. ![Poireaux](/media/poireaux.jpg)',
      status: 'published',
      categories: ['Jardin'],
      tags: ['légumes', 'hiver au jardin'],
    })
    const url = await postUrl(blog, 'Le potager en hiver')
    const created = await peer.waitFor(isCreateOf(url))
    const article = await (created.activity as Create).getObject()
    expect(article).toBeInstanceOf(Article)
    expect(article!.name?.toString()).toBe('Le potager en hiver')
    expect(article!.url?.href).toBe(url)
    expect(article!.attributionId?.href).toBe(`${blog.origin}/fediverse/users/blog`)
    const json = created.json.object as Record<string, unknown>
    expect(json.contentMap).toEqual({ fr: expect.stringContaining('Les poireaux tiennent bon.') })
    expect(String(json.content)).toContain(`src="${blog.origin}/media/poireaux.jpg"`)
    const tags = []
    for await (const tag of article!.getTags()) if (tag instanceof Hashtag) tags.push({ name: tag.name?.toString(), href: tag.href?.href })
    expect(tags).toEqual([
      { name: '#Jardin', href: `${blog.origin}/category/jardin` },
      { name: '#légumes', href: `${blog.origin}/search?q=l%C3%A9gumes` },
      { name: '#hiverAuJardin', href: `${blog.origin}/search?q=hiver%20au%20jardin` },
    ])
    expect(created.json.to).toBe('as:Public')
    expect(created.json.cc).toBe(`${blog.origin}/fediverse/users/blog/followers`)
    // Delivered to the shared inbox the follower announced.
    expect(created.inbox).toBe('shared')

    await edit(blog, id, { title: 'Le potager en plein hiver' })
    const updated = await peer.waitFor((r) => r.activity instanceof Update)
    expect((await (updated.activity as Update).getObject())?.name?.toString()).toBe('Le potager en plein hiver')

    await edit(blog, id, { status: 'draft' })
    const deleted = await peer.waitFor((r) => r.activity instanceof Delete)
    const tombstone = await (deleted.activity as Delete).getObject()
    expect(tombstone).toBeInstanceOf(Tombstone)
    expect(tombstone!.id?.href).toBe(url)
    expect(creates(peer)).toHaveLength(1)
  })

  it('sends nothing of the posts that were public before the blog was in the fediverse', async () => {
    const blog = started(await startFediBlog())
    await createPost(blog.app.db, { title: 'Ancien billet', body: 'Avant.', status: 'published', publishedAt: '2020-05-01T10:00:00.000Z' })
    const peer = started(await startFediPeer())
    await follow(blog, peer)
    await createPost(blog.app.db, { title: 'Nouveau billet', body: 'Après.', status: 'published' })
    await peer.waitFor(isCreateOf(await postUrl(blog, 'Nouveau billet')))
    await blog.app.publications.check()
    await blog.app.jobs.runDue()
    expect(creates(peer).map((r) => (r.json.object as { name: string }).name)).toEqual(['Nouveau billet'])
  })

  it('sends a scheduled post at its minute, once', async () => {
    let clock = Date.now()
    setClock(() => clock)
    const blog = started(await startFediBlog())
    const peer = started(await startFediPeer())
    await follow(blog, peer)
    const at = new Date(clock + 60_000).toISOString()
    await createPost(blog.app.db, { title: 'Programmé', body: 'À la minute.', status: 'published', publishedAt: at })
    await blog.app.publications.check()
    await blog.app.jobs.runDue()
    expect(creates(peer)).toEqual([])
    clock += 61_000
    const created = await peer.waitFor((r) => r.activity instanceof Create)
    expect((created.json.object as { name: string }).name).toBe('Programmé')
    for (let i = 0; i < 3; i++) {
      await blog.app.publications.check()
      await blog.app.jobs.runDue()
    }
    expect(creates(peer)).toHaveLength(1)
  })

  it('logs a delivery that failed (a follower’s server down), and keeps it for a later attempt', async () => {
    const { records, logger } = logRecords<{ msg: string; activity?: string }>()
    const blog = started(await startFediBlog({ logger }))
    const peer = await startFediPeer()
    await follow(blog, peer)
    await peer.close()
    await createPost(blog.app.db, { title: 'Personne pour le lire', body: 'Texte.', status: 'published' })
    await expect
      .poll(() => records.filter((r) => r.msg.startsWith('fediverse: a delivery failed')).length, { timeout: 15_000 })
      .toBeGreaterThan(0)
    // Fedify queues the delivery again, for later (just after it logged the failure).
    const later = () =>
      blog.app.db.selectFrom('jobs').select('run_at').where('kind', '=', 'fedify').where('state', '=', 'pending').execute()
    await expect.poll(async () => (await later()).some((j) => j.run_at > new Date().toISOString())).toBe(true)
  })

  it('delivers what was queued before a restart', async () => {
    // No polling: the announcement is queued, then the blog stops before any delivery.
    const first = await startFediBlog({ env: { JOBS_POLL_MS: '0' } })
    // Closed (and its database dropped) last, after the second life of the blog.
    open.push({ close: () => first.close() })
    // The blog is in the fediverse from now on (without polling, the watcher's first look is this one).
    await first.app.publications.check()
    const peer = started(await startFediPeer())
    const actor = (await peer.lookupHandle(first.handle))!
    await peer.follow(actor)
    await first.app.jobs.runDue()
    await peer.waitFor((r) => r.activity instanceof Accept)
    await createPost(first.app.db, { title: 'Avant le redémarrage', body: 'Texte.', status: 'published' })
    await first.app.publications.check()
    const waiting = await first.app.db.selectFrom('jobs').select('kind').where('state', '=', 'pending').execute()
    expect(waiting.map((j) => j.kind)).toContain('fediverse-post')
    await first.app.close()
    expect(creates(peer)).toEqual([])

    const again = started(await startFediBlog({ dir: first.dir, port: first.port }))
    const created = await peer.waitFor((r) => r.activity instanceof Create)
    expect((created.json.object as { name: string }).name).toBe('Avant le redémarrage')
    expect(again.origin).toBe(first.origin)
  })

  it('delivers once with two instances on one database', async () => {
    const a = started(await startFediBlog())
    // The second instance: same database, same SITE_URL (behind one address), its own port.
    const b = started(await startFediBlog({ dir: a.dir, siteUrl: a.origin }))
    const peer = started(await startFediPeer())
    await follow(a, peer)
    await createPost(b.app.db, { title: 'Un seul envoi', body: 'Texte.', status: 'published' })
    await peer.waitFor((r) => r.activity instanceof Create)
    // Both instances keep checking and running jobs for a while: no second copy comes.
    for (let i = 0; i < 5; i++) {
      await Promise.all([a.app.publications.check(), b.app.publications.check()])
      await Promise.all([a.app.jobs.runDue(), b.app.jobs.runDue()])
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(creates(peer)).toHaveLength(1)
    const ran = await a.app.db.selectFrom('jobs').select(['kind', 'claimed_by']).where('state', '=', 'done').execute()
    expect(ran.filter((j) => j.kind === 'fediverse-post')).toHaveLength(1)
  })
})
