// PostgreSQL's real full disk when a comment is written: the comments table (and its TOAST) moved to a tablespace
// on a tiny tmpfs, filled to the last byte. PostgreSQL cannot extend the table's file (disk_full, 53100, "No space
// left on device"); the comment comes back in the form, whole, with a message; the log says why; readers go on
// reading; with room again the same comment goes in. The counterpart of the SQLite full-disk test
// (comments-failures-sqlite.test.ts); needs root to mount, as that one (in CI it must run).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentsOf, expectFormKept, logLines, openPost, SAVE_FAILED, send } from '../helpers/comments.ts'
import { canMountTmpfs, fillFilesystem, mountTmpfs } from '../helpers/tmpfs.ts'

const mountable = canMountTmpfs() || Boolean(process.env.CI)
if (!mountable) console.log('PostgreSQL full-disk test skipped: this process cannot mount a tmpfs')

/** 10,000 characters PostgreSQL cannot compress (random CJK ideographs, ~30 KB): they need new pages. */
function incompressible(): string {
  const bytes = randomBytes(20_000)
  let text = ''
  for (let i = 0; i < 10_000; i++) text += String.fromCodePoint(0x4e00 + (bytes.readUInt16LE(i * 2) % 0x5000))
  return text
}

describe.skipIf(!mountable)('a comment when the disk under PostgreSQL is really full (a 4 MB tablespace)', () => {
  let blog: TestBlog
  let disk: ReturnType<typeof mountTmpfs>
  const tablespace = `carnet_full_${randomBytes(4).toString('hex')}`
  const log = logLines()
  beforeAll(async () => {
    // The cluster's files belong to the postgres user (test/helpers/postgres-cluster.ts): so must the tablespace.
    const owner = ['uid', 'gid'].map((k) => `${k}=${execFileSync('id', [`-${k[0]}`, 'postgres'], { encoding: 'utf8' }).trim()}`)
    disk = mountTmpfs('pg-full-disk', '4m', [...owner, 'mode=0700'])
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' }, logger: log.logger })
    await sql`create tablespace ${sql.raw(tablespace)} location ${sql.lit(disk.path)}`.execute(blog.app.db)
    await sql`alter table comments set tablespace ${sql.raw(tablespace)}`.execute(blog.app.db)
  })
  afterAll(async () => {
    try {
      if (blog) {
        await sql`alter table comments set tablespace pg_default`.execute(blog.app.db)
        await sql`drop tablespace ${sql.raw(tablespace)}`.execute(blog.app.db)
      }
    } finally {
      await blog?.close()
      disk?.unmount()
    }
  })

  it('answers 503 with the form as typed, logs "No space left on device", pages are still read, then it goes in', async () => {
    const post = await openPost(blog)
    const filler = fillFilesystem(disk.path)
    const typed = { author: 'Disque', email: 'disque@exemple.fr', url: '', body: incompressible() }
    const res = await send(blog, post.url, typed)
    expect(res.statusCode).toBe(503)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    await expectFormKept(blog, post.id, res, typed, SAVE_FAILED)
    const logged = log.lines.join('\n')
    expect(logged).toContain('No space left on device')
    expect(logged).toContain('"code":"53100"')
    for (const url of ['/', post.url, '/feed.rss']) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
    expect(visibleText(mainOf((await blog.app.inject(post.url)).body))).toContain('Le texte de la note.')

    // Room again: the same comment goes in.
    rmSync(filler)
    expect((await send(blog, post.url, typed)).statusCode).toBe(303)
    expect((await commentsOf(blog, post.id)).map((c) => c.body)).toEqual([typed.body])
  })
})
