// Export a blog with everything (the demo content, generated threads with every status, a closed thread, a
// draft, a scheduled and an HTML post, awkward text) and import it into an empty database: the same posts,
// categories, tags, comments, threads, statuses and closed threads, compared row by row.
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import { createPost } from '../../src/content/posts.write.ts'
import { createUser } from '../../src/admin/users.ts'
import type { Database } from '../../src/db/schema.ts'
import { openDatabase } from '../../src/db/plugin.ts'
import { cdata, exportWxr } from '../../src/transfer/wxr-export.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { xmlRecords } from '../../src/transfer/xml-records.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { runCli } from '../helpers/cli.ts'

const AWKWARD = 'Fin de CDATA ]]> ici, <b>pas du HTML</b> & &amp;lt; 🙂 مرحبا\nDeuxième ligne'

async function generateThreads(db: Kysely<Database>) {
  const posts = await db.selectFrom('posts').select('id').orderBy('id').limit(3).execute()
  let n = 0
  for (const { id } of posts) {
    const roots: number[] = []
    for (let i = 0; i < 6; i++) {
      const status = (['approved', 'pending', 'spam'] as const)[i % 3]!
      const parent = i >= 3 ? roots[i - 3]! : null
      const row = await db
        .insertInto('comments')
        .values({
          post_id: id,
          parent_id: parent,
          author_name: i === 2 ? 'Zoë <b>Tester</b>' : `Lecteur ${++n}`,
          author_email: i % 2 ? `l${n}@exämple.fr` : null,
          author_url: i === 1 ? 'https://example.org/~moi' : null,
          body: i === 0 ? AWKWARD : `Commentaire ${n}, statut ${status}.`,
          status,
          created_at: new Date(Date.UTC(2020, 0, 1, 10, n, 7, 123 + n)).toISOString(),
          ip: i % 2 ? `192.0.2.${n}` : null,
          body_key: null,
          // One from the fediverse, one from a webmention: where they came from travels too.
          ...(i === 4
            ? {
                origin: 'fediverse' as const,
                origin_url: `https://mastodon.example/users/a/statuses/${n}`,
                origin_permalink: `https://mastodon.example/@a/${n}`,
                author_actor: 'https://mastodon.example/users/a',
                author_handle: '@a@mastodon.example',
              }
            : i === 5
              ? { origin: 'webmention' as const, origin_url: `https://blog.example/${n}`, author_actor: 'https://blog.example/' }
              : {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      if (i < 3) roots.push(row.id)
    }
  }
  await db.updateTable('posts').set({ comments_open: 0 }).where('id', '=', posts[1]!.id).execute()
  await createPost(db, { title: 'Un brouillon', body: 'Pas fini ]]> encore', status: 'draft', tags: ['à faire'] })
  await createPost(db, {
    title: 'Plus tard',
    body: '*Bientôt*',
    status: 'published',
    publishedAt: '2099-05-01T08:00:00.000Z',
    categories: ['Futur'],
  })
  await createPost(db, {
    title: 'Venue de WordPress',
    body: '<!-- wp:paragraph -->\nLigne\nsuivante\n\n[caption]<img src="https://ex.org/a.jpg" alt="a"> Légende[/caption]',
    format: 'html',
    status: 'published',
    publishedAt: '2019-03-31T00:30:00.000Z',
    signature: '',
  })
}

/** Everything a reader or an admin can see, without ids: posts by slug, comments with their parent's identity. */
async function contents(db: Kysely<Database>) {
  const posts = await db.selectFrom('posts').selectAll().orderBy('slug').execute()
  const slugOf = new Map(posts.map((p) => [p.id, p.slug]))
  const cats = await db
    .selectFrom('post_categories as pc')
    .innerJoin('categories as c', 'c.id', 'pc.category_id')
    .select(['pc.post_id', 'c.name', 'c.slug'])
    .execute()
  const tags = await db.selectFrom('post_tags').selectAll().orderBy('position').execute()
  // Ids differ between the two blogs: ties in time are broken by what the comment says.
  const comments = await db.selectFrom('comments').selectAll().orderBy('created_at').orderBy('author_name').orderBy('body').execute()
  const identity = new Map(comments.map((c) => [c.id, `${c.author_name} @ ${c.created_at}`]))
  // Writers' ids differ too: a post's writer by their username.
  const usernames = new Map((await db.selectFrom('users').select(['id', 'username']).execute()).map((u) => [u.id, u.username]))
  return {
    posts: posts.map(({ id, author_id, ...p }) => ({
      ...p,
      author: author_id === null ? null : usernames.get(author_id),
      categories: cats
        .filter((c) => c.post_id === id)
        .map((c) => `${c.name} (${c.slug})`)
        .sort(),
      tags: tags.filter((t) => t.post_id === id).map((t) => t.name),
    })),
    categories: (await db.selectFrom('categories').select(['name', 'slug']).orderBy('slug').execute()).map((c) => `${c.name} (${c.slug})`),
    comments: comments.map(({ id: _id, post_id, parent_id, body_key: _key, ...c }) => ({
      ...c,
      post: slugOf.get(post_id),
      parent: parent_id === null ? null : identity.get(parent_id),
    })),
  }
}

describe('export then import', () => {
  let source: TestBlog
  let target: TestBlog
  let file: string
  beforeAll(async () => {
    source = await buildTestApp()
    // The blog's first writer: the demo's posts are theirs, and the export names them (issue 29).
    await createUser(source.app.db, 'redac', 'correct horse battery')
    await generateThreads(source.app.db)
    target = await buildTestApp({ demo: false })
    file = join(target.dir, 'export.xml')
    const out = createWriteStream(file)
    // A small page size, so that paging is crossed several times.
    await exportWxr(source.app.db, out, {
      siteUrl: 'http://blog.test',
      title: 'Carnet',
      description: '',
      language: 'fr',
      timeZone: 'Europe/Paris',
      pageSize: 4,
    })
    out.end()
    await finished(out)
  })
  afterAll(async () => {
    await source.close()
    await target.close()
  })

  it('writes well-formed WXR 1.2 with every post and comment', async () => {
    const items = []
    for await (const node of xmlRecords(createReadStream(file), { container: ['rss', 'channel'] }))
      if (node.local === 'item') items.push(node)
    const posts = await source.app.db.selectFrom('posts').select('id').execute()
    expect(items).toHaveLength(posts.length)
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('<wp:wxr_version>1.2</wp:wxr_version>')
    expect(text).toContain('<wp:status><![CDATA[draft]]></wp:status>')
    expect(text).toContain('<wp:status><![CDATA[future]]></wp:status>')
    expect(text).toContain('<wp:comment_status><![CDATA[closed]]></wp:comment_status>')
    expect(text).toContain('<wp:comment_approved><![CDATA[spam]]></wp:comment_approved>')
    expect(text).toContain('<wp:comment_approved><![CDATA[0]]></wp:comment_approved>')
    expect(text).toContain(']]]]><![CDATA[>')
  })

  it('imports into an empty database as the same blog, row by row', async () => {
    const summary = await importWxr(target.app.db, file, { timeZone: 'Europe/Paris', anonymous: 'Anonyme' })
    expect(summary.skipped).toEqual({})
    const before = await contents(source.app.db)
    const after = await contents(target.app.db)
    expect(after.posts).toHaveLength(before.posts.length)
    expect(after.comments).toHaveLength(before.comments.length)
    expect(before.comments.filter((c) => c.parent !== null).length).toBeGreaterThan(0)
    for (let i = 0; i < before.posts.length; i++) expect(after.posts[i]).toEqual(before.posts[i])
    for (let i = 0; i < before.comments.length; i++) expect(after.comments[i]).toEqual(before.comments[i])
    expect(after.categories).toEqual(before.categories)
  })

  it('imported into the blog it came from, adds nothing: Carnet knows its own posts and comments', async () => {
    const before = await contents(source.app.db)
    const summary = await importWxr(source.app.db, file, { timeZone: 'Europe/Paris', anonymous: 'Anonyme' })
    expect(summary).toMatchObject({ posts: 0, comments: 0, categories: 0 })
    expect(summary.alreadyImported).toBe(before.posts.length + before.comments.length)
    expect(await contents(source.app.db)).toEqual(before)
  })
})

describe('cdata', () => {
  it('splits "]]>" so that the text comes back whole', () => {
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>')
  })
})

describe('npm run cli -- export wxr', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createPost(blog.app.db, { title: 'Une note', body: 'Texte', status: 'published' })
    await blog.app.close()
  })
  afterAll(() => blog.close())
  const env = () => ({ DATABASE_URL: blog.config.databasePath, LOG_LEVEL: 'silent', SITE_URL: '' })

  it('names posts by the address the server last ran under, not http://localhost:3000, when SITE_URL is unset', async () => {
    const file = join(blog.dir, 'stored-address.xml')
    const res = await runCli(['export', 'wxr', file], env())
    expect(res.code).toBe(0)
    const text = readFileSync(file, 'utf8')
    expect(text).toMatch(/<guid isPermaLink="false">http:\/\/blog\.test\/\?p=\d+<\/guid>/)
    expect(text).not.toContain('localhost')
  })

  it('asks for the blog’s address when no server has run the blog yet', async () => {
    // A blog made by the command line alone (import into a new database) has no recorded address.
    const opened = await openDatabase(blog.config.databasePath, { poolSize: 1 })
    const stored = await opened.db.deleteFrom('settings').where('key', '=', 'siteUrl').returningAll().execute()
    try {
      const file = join(blog.dir, 'no-address.xml')
      const res = await runCli(['export', 'wxr', file], env())
      expect(res.code).toBe(2)
      expect(res.stderr).toContain('set SITE_URL')
      expect(existsSync(file)).toBe(false)
    } finally {
      await opened.db.insertInto('settings').values(stored).execute()
      await opened.db.destroy()
    }
  })

  it('names posts by SITE_URL, and says the file is Carnet’s', async () => {
    const file = join(blog.dir, 'export.xml')
    const res = await runCli(['export', 'wxr', file], { ...env(), SITE_URL: 'https://carnet.example.org' })
    expect(res.code).toBe(0)
    const text = readFileSync(file, 'utf8')
    expect(text).toMatch(/<guid isPermaLink="false">https:\/\/carnet\.example\.org\/\?p=\d+<\/guid>/)
    expect(text).toContain('<generator>Carnet</generator>')
    expect(text).not.toContain('localhost')
  })
})
