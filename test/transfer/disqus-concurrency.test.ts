// A Disqus import does not stop the blog (issue 30), as the WordPress one (wxr-concurrency.test.ts): readers are
// served and comments stored while a large export goes in; and one interrupted halfway (its process killed)
// leaves nothing behind once undone (by `import undo`, at the blog's next start, or by the next import): its
// comments deleted, the thread it closed open again, nothing of it remembered.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importDisqus } from '../../src/transfer/disqus-import.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { cliProcess, runCli } from '../helpers/cli.ts'
import { openPost } from '../helpers/comments.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { OWN, trafficDuringImport } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

/**
 * A large Disqus export on threads.xml's posts: Palmyre's thread closed in Disqus and first in the file, then
 * `comments` comments on it and on "Programmée", one in five an answer (some before their parents).
 */
async function generateDisqus(file: string, comments: number): Promise<void> {
  const out = createWriteStream(file)
  const put = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain')
  }
  await put(`<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>https://old.example.org/2015/05/21/arrivee-a-palmyre/</link><isClosed>true</isClosed><isDeleted>false</isDeleted></thread>
<thread dsq:id="2"><link>https://old.example.org/?p=40</link><isClosed>false</isClosed><isDeleted>false</isDeleted></thread>
`)
  for (let i = 1; i <= comments; i++) {
    // Comment i answers i - 1, or (for one in ten) i + 1, which comes later in the file.
    const parent = i % 5 === 0 ? `<parent dsq:id="${i % 10 === 0 ? i + 1 : i - 1}"/>` : ''
    const thread = Math.floor(i / 10) % 2 === 0 ? 1 : 2
    await put(
      `<post dsq:id="${i}"><message><![CDATA[<p>Commentaire ${i} venu de Disqus, avec quelques mots de plus pour avoir du corps.</p>]]></message><createdAt>2016-03-01T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Lecteur ${i % 97}</name><email>l${i % 97}@example.org</email></author><ipAddress>192.0.2.${i % 250}</ipAddress><thread dsq:id="${thread}"/>${parent}</post>\n`,
    )
  }
  await put('</disqus>\n')
  out.end()
  await finished(out)
}

describe('a Disqus import under way', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false, env: { COMMENT_RATE_LIMIT: '0' } })
    await importWxr(blog.app.db, join(OWN, 'threads.xml'), options)
  })
  afterEach(() => blog.close())

  it('lets a page be served and a comment be stored before it finishes', async () => {
    const post = await openPost(blog, { title: 'Une note d’avant' })
    const file = join(blog.dir, 'big-disqus.xml')
    await generateDisqus(file, 4000)
    const { events, summary } = await trafficDuringImport(blog, post, (underWay) =>
      importDisqus(blog.app.db, file, { ...options, onProgress: (p) => p.comments > 0 && underWay() }),
    )
    expect(events).toEqual(['page served', 'comment stored', 'import finished'])
    expect(summary).toMatchObject({ comments: 4000, closedThreads: 1 })
  })
})

describe('npm run cli -- import disqus, killed halfway', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    await importWxr(blog.app.db, join(OWN, 'threads.xml'), options)
    await blog.app.close()
  })
  afterEach(() => blog.close())

  it('leaves nothing behind once undone: by `import undo`, at the blog’s next start, or by the next import', async () => {
    const env = { DATABASE_URL: blog.config.databasePath, DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' }
    const file = join(blog.dir, 'big-disqus.xml')
    const total = 30_000
    await generateDisqus(file, total)
    const other = await otherConnection(blog.config.databasePath)
    const count = async (table: 'comments' | 'import_origins') =>
      Number((await other.all<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n)
    const palmyreOpen = async () =>
      Number((await other.all<{ open: number }>(`select comments_open as open from posts where title = ?`, 'Arrivée à Palmyre'))[0]!.open)
    const before = { comments: await count('comments'), origins: await count('import_origins'), open: await palmyreOpen() }
    expect(before.open).toBe(1)
    const now = async () => ({ comments: await count('comments'), origins: await count('import_origins'), open: await palmyreOpen() })
    /** Starts the import and kills it (SIGKILL: nothing of it runs after) once some comments are in. */
    const killHalfway = async () => {
      const run = cliProcess(['import', 'disqus', file], env)
      for (let i = 0; i < 600 && (await count('comments')) === before.comments; i++) await new Promise((r) => setTimeout(r, 50))
      run.child.kill('SIGKILL')
      expect((await run.done).signal).toBe('SIGKILL')
      const halfway = await now()
      expect(halfway.comments).toBeGreaterThan(before.comments)
      expect(halfway.comments).toBeLessThan(before.comments + total)
      // The closed thread came first in the file: closed by now.
      expect(halfway.open).toBe(0)
    }
    try {
      await killHalfway()
      const undo = await runCli(['import', 'undo'], env)
      expect(undo.code).toBe(0)
      expect(undo.stdout).toMatch(
        /^Undid interrupted import run \d+: removed 0 posts and [1-9]\d* comments, reopened 1 comment thread it had closed\.$/m,
      )
      expect(await now()).toEqual(before)

      // The blog's next start undoes it too, once it serves.
      await killHalfway()
      const restarted = await buildTestApp({ demo: false, dir: blog.dir })
      try {
        // The undo runs in the background: comments, then the run's records, then the thread reopened.
        for (let i = 0; i < 600 && JSON.stringify(await now()) !== JSON.stringify(before); i++) await new Promise((r) => setTimeout(r, 50))
        expect(await now()).toEqual(before)
      } finally {
        await restarted.close()
      }

      await killHalfway()
      const again = await runCli(['import', 'disqus', file], env)
      expect(again.code).toBe(0)
      expect(again.stdout).toContain(`Imported: 0 posts, ${total} comments`)
      expect(again.stdout).toContain('Closed 1 comment thread, as it was in Disqus.')
      expect(await count('comments')).toBe(before.comments + total)
      expect(await palmyreOpen()).toBe(0)
    } finally {
      await other.close()
    }
  }, 120_000) // three processes killed halfway and a whole import of 30,000 comments: ~15 s alone, twice that on a busy machine
})
