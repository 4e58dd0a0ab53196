// An import does not stop the blog (issue 30): it goes in short transactions, so that readers are served and
// comments stored while a large file goes in; and an import interrupted halfway (its process killed) leaves
// nothing behind once undone: by `import undo`, at the blog's next start, or by the next import.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateWxr } from '../../bench/wxr-generate.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { cliProcess, runCli } from '../helpers/cli.ts'
import { openPost } from '../helpers/comments.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { trafficDuringImport } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

describe('an import under way', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false, env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterEach(() => blog.close())

  it('lets a page be served and a comment be stored before it finishes', async () => {
    const post = await openPost(blog, { title: 'Une note d’avant' })
    const file = join(blog.dir, 'big.xml')
    const generated = await generateWxr(file, 3)
    const { events, summary } = await trafficDuringImport(blog, post, (underWay) =>
      importWxr(blog.app.db, file, { ...options, onProgress: (p) => p.posts > 0 && underWay() }),
    )
    expect(events).toEqual(['page served', 'comment stored', 'import finished'])
    expect(summary).toMatchObject({ posts: generated.posts })
  })
})

describe('npm run cli -- import wxr, killed halfway', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    await blog.app.close()
  })
  afterEach(() => blog.close())

  it('leaves nothing behind once undone: by `import undo`, at the blog’s next start, or by the next import', async () => {
    const env = { DATABASE_URL: blog.config.databasePath, DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' }
    const file = join(blog.dir, 'big.xml')
    const generated = await generateWxr(file, 4)
    const other = await otherConnection(blog.config.databasePath)
    const count = async (table: 'posts' | 'comments' | 'categories' | 'import_origins') =>
      Number((await other.all<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n)
    /** Starts the import and kills it (SIGKILL: nothing of it runs after) once some posts are in. */
    const killHalfway = async () => {
      const run = cliProcess(['import', 'wxr', file], env)
      for (let i = 0; i < 600 && (await count('posts')) === 0; i++) await new Promise((r) => setTimeout(r, 50))
      run.child.kill('SIGKILL')
      expect((await run.done).signal).toBe('SIGKILL')
      expect(await count('posts')).toBeGreaterThan(0)
      expect(await count('posts')).toBeLessThan(generated.posts)
    }
    try {
      await killHalfway()
      const undo = await runCli(['import', 'undo'], env)
      expect(undo.code).toBe(0)
      expect(undo.stdout).toMatch(/^Undid interrupted import run \d+: removed [1-9]\d* posts and \d+ comments\.$/m)
      expect([await count('posts'), await count('comments'), await count('categories'), await count('import_origins')]).toEqual([
        0, 0, 0, 0,
      ])

      // The blog's next start undoes it too, once it serves.
      await killHalfway()
      const restarted = await buildTestApp({ demo: false, dir: blog.dir })
      try {
        // Posts go before the run's records of them: wait for both.
        for (let i = 0; i < 600 && (await count('posts')) + (await count('import_origins')) > 0; i++)
          await new Promise((r) => setTimeout(r, 50))
        expect([await count('posts'), await count('comments'), await count('import_origins')]).toEqual([0, 0, 0])
      } finally {
        await restarted.close()
      }

      await killHalfway()
      const again = await runCli(['import', 'wxr', file], env)
      expect(again.code).toBe(0)
      expect(again.stdout).toContain(`Imported: ${generated.posts} posts, ${generated.comments} comments`)
      expect(await count('posts')).toBe(generated.posts)
    } finally {
      await other.close()
    }
  }, 120_000) // three import processes killed halfway and a whole import: 9 s in CI, 46 s on a machine at load 15 (as disqus-concurrency)
})
