import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { buildTestApp, useTempDir, type TestBlog } from '../helpers/app.ts'
import { cliProcess, runCli } from '../helpers/cli.ts'
import { commentIdOf, OPEN_DEMO_POST } from '../helpers/comments-client.ts'

const cli = runCli

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Grows the blog's database to about `megabytes` with one bulk insert of 1.6 KB comments (about a second for
 * 100 MB): big enough that copying it takes several times the gap between two comments.
 */
function growDatabase(blog: TestBlog, megabytes: number): void {
  const post = blog.app.sqlite.prepare('select id from posts where comments_open = 1 order by id limit 1').pluck().get()
  blog.app.sqlite
    .prepare(
      `insert into comments (post_id, author_name, body, status, created_at)
       with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
       select ?, 'Archive ' || i, 'Commentaire ' || i || ' ' || hex(randomblob(600)), 'approved', '2020-01-01T00:00:00.000Z' from n`,
    )
    .run(megabytes * 620, post)
}

/** A reader posts a comment through the blog's form every `everyMs` until stopped; keeps the acknowledged ids. */
function commentWriter(blog: TestBlog, everyMs: number) {
  const acknowledged: number[] = []
  let stop = false
  const running = (async () => {
    for (let i = 0; !stop; i++) {
      const res = await blog.app.inject({
        method: 'POST',
        url: OPEN_DEMO_POST,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ author: `Lecteur ${i}`, body: `Écrit pendant la copie, numéro ${i}` }).toString(),
      })
      const id = commentIdOf((res.headers.location as string | undefined) ?? null)
      if (res.statusCode !== 303 || id === null) throw new Error(`comment refused: ${res.statusCode}`)
      acknowledged.push(id)
      await sleep(everyMs)
    }
  })()
  return {
    acknowledged,
    async stop() {
      stop = true
      await running
    },
  }
}

describe('backup and restore', () => {
  const tmp = useTempDir('backup')

  it('copies the live database while comments keep arriving, and the copy restores every post and comment', async () => {
    const blog = await buildTestApp({ dir: tmp.path })
    const db = blog.config.databasePath
    const open = await blog.app.db.selectFrom('posts').select('id').where('comments_open', '=', 1).executeTakeFirstOrThrow()
    // Comments keep arriving through the running app's connection while the backup command copies the file.
    let written = 0
    let stop = false
    const writer = (async () => {
      while (!stop) {
        await blog.app.db
          .insertInto('comments')
          .values({
            post_id: open.id,
            author_name: `Lecteur ${written}`,
            body: `Commentaire ${written}`,
            status: 'approved',
            created_at: new Date().toISOString(),
          })
          .execute()
        written++
        await new Promise((r) => setImmediate(r))
      }
    })()
    const before = written
    const backupFile = join(tmp.path, 'copy.db')
    const run = await cli(['backup', backupFile], { DATABASE_URL: db })
    stop = true
    await writer
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('integrity check: ok')
    expect(written).toBeGreaterThan(before)

    const copy = new BetterSqlite3(backupFile, { readonly: true })
    const copied = copy.prepare("select count(*) n from comments where author_name like 'Lecteur %'").get() as { n: number }
    const postsInCopy = (copy.prepare('select count(*) n from posts').get() as { n: number }).n
    copy.close()
    // Every comment written before the backup began is in the copy, and the copy is a consistent snapshot.
    expect(copied.n).toBeGreaterThanOrEqual(before)
    expect(postsInCopy).toBe(13)

    // A second backup to the same file is refused without --force.
    const again = await cli(['backup', backupFile], { DATABASE_URL: db })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('--force')
    await blog.close()

    // Restore into a new database, then the blog serves every post and comment of the copy.
    const restoredPath = join(tmp.path, 'restored', 'carnet.db')
    const restore = await cli(['restore', backupFile], { DATABASE_URL: restoredPath })
    expect(restore.stderr).toBe('')
    expect(restore.code).toBe(0)
    const restored = await buildTestApp({ env: { DATABASE_URL: restoredPath } })
    try {
      const posts = await restored.app.db.selectFrom('posts').select('id').execute()
      expect(posts.length).toBe(13)
      const comments = await restored.app.db.selectFrom('comments').select('id').where('author_name', 'like', 'Lecteur %').execute()
      expect(comments.length).toBe(copied.n)
      const home = await restored.app.inject('/')
      expect(home.statusCode).toBe(200)
    } finally {
      await restored.close()
    }
  })

  // SQLite's backup API starts over whenever another connection commits between two of its steps: copying
  // 100 MB takes several times the 50 ms between two comments here, so a copy that is not one snapshot never
  // finishes (the deadline below is a hang detector, not a speed target).
  it('finishes on a 100 MB database while a comment is posted every 50 ms, with every row committed before it', async () => {
    const blog = await buildTestApp({ dir: tmp.path, env: { COMMENT_RATE_LIMIT: '0' } })
    try {
      growDatabase(blog, 100)
      const writer = commentWriter(blog, 50)
      await sleep(200)
      const before = [...writer.acknowledged]
      const backupFile = join(tmp.path, 'nightly.db')
      const backup = cliProcess(['backup', backupFile], { DATABASE_URL: blog.config.databasePath })
      const deadline = setTimeout(() => backup.child.kill('SIGKILL'), 60_000)
      const run = await backup.done
      clearTimeout(deadline)
      const during = writer.acknowledged.length - before.length
      await writer.stop()

      expect(run.signal, 'the backup was still running after 60 s').toBeNull()
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      // Piped (as from cron): the summary only, no progress.
      expect(run.stdout.trim().split('\n')).toHaveLength(1)
      expect(run.stdout).toMatch(/^Backed up .*: \d+\.\d MB in \d+\.\d s \(integrity check: ok\)\.\n$/)
      // The writer kept posting throughout.
      expect(during).toBeGreaterThan(2)

      // Nothing left beside the copy: no temporary file, no -wal (the copy is one self-contained file).
      expect(readdirSync(tmp.path).filter((f) => f.startsWith('nightly') || f.includes('partial'))).toEqual(['nightly.db'])
      const copy = new BetterSqlite3(backupFile, { readonly: true })
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
        expect(copy.prepare("select count(*) from comments where author_name like 'Archive %'").pluck().get() as number).toBe(62_000)
        const ids = new Set(copy.prepare("select id from comments where author_name like 'Lecteur %'").pluck().all() as number[])
        expect(before.filter((id) => !ids.has(id))).toEqual([])
        // One snapshot: the counters kept by triggers agree with the rows they count.
        const drift = copy
          .prepare(
            `select s.post_id from post_stats s
             where s.approved_comments != (select count(*) from comments c where c.post_id = s.post_id and c.status = 'approved')`,
          )
          .all()
        expect(drift).toEqual([])
      } finally {
        copy.close()
      }
    } finally {
      await blog.close()
    }
  }, 90_000)

  // What is under the backup's name is shipped off the machine by itself (rsync, a bucket): it must be a whole
  // database on its own, never a copy in progress with a journal beside it.
  it('never leaves a half-written file under the backup name, even when killed midway', async () => {
    const blog = await buildTestApp({ dir: tmp.path })
    try {
      growDatabase(blog, 40)
    } finally {
      await blog.close()
    }
    const env = { DATABASE_URL: join(tmp.path, 'carnet.db') }
    // Last night's backup, which tonight's replaces (--force); and a new name, as with carnet-$(date +%F).db.
    const nightly = join(tmp.path, 'nightly.db')
    const lastNight = new BetterSqlite3(nightly)
    lastNight.exec("create table marker (night text); insert into marker values ('last night')")
    lastNight.close()
    const lastNightSize = statSync(nightly).size
    const dated = join(tmp.path, 'dated.db')

    const partial = (name: string) => readdirSync(tmp.path).find((f) => f.startsWith(`.${name}.`) && f.endsWith('.partial'))
    const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0)
    const killWhenWriting = async (args: string[], writing: () => boolean) => {
      const backup = cliProcess(args, env)
      while (!writing()) {
        if (backup.child.exitCode !== null) throw new Error(`the backup ended before it could be killed: ${(await backup.done).stdout}`)
        await sleep(1)
      }
      backup.child.kill('SIGKILL')
      await backup.done
    }
    await Promise.all([
      killWhenWriting(
        ['backup', nightly, '--force'],
        () => sizeOf(join(tmp.path, partial('nightly.db') ?? '-')) > 0 || sizeOf(nightly) > lastNightSize,
      ),
      killWhenWriting(['backup', dated], () => sizeOf(join(tmp.path, partial('dated.db') ?? '-')) > 0 || sizeOf(dated) > 0),
    ])
    expect(existsSync(dated)).toBe(false)
    const intact = new BetterSqlite3(nightly, { readonly: true })
    expect(intact.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(intact.prepare('select night from marker').pluck().get()).toBe('last night')
    intact.close()

    // Run to the end, it replaces it with the checked copy.
    const run = await cli(['backup', nightly, '--force'], env)
    expect(run.code).toBe(0)
    const copy = new BetterSqlite3(nightly, { readonly: true })
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(copy.prepare("select count(*) from comments where author_name like 'Archive %'").pluck().get()).toBe(40 * 620)
    copy.close()
  }, 60_000)

  it('shows its progress on a terminal', async () => {
    const blog = await buildTestApp({ dir: tmp.path })
    await blog.close()
    const backupFile = join(tmp.path, 'copy.db')
    // `script` gives the command a pseudo-terminal, as when someone types it.
    const command = `${process.execPath} --import tsx src/cli.ts backup ${backupFile}`
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, DATABASE_URL: blog.config.databasePath } })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('close', (code) => resolve({ code, out }))
    })
    expect(run.code).toBe(0)
    expect(run.out).toMatch(/Copying .*carnet\.db: 100 % of \d+\.\d MB/)
    expect(run.out).toContain('Checking the copy')
    expect(run.out).toContain('integrity check: ok')
  })

  it('says clearly when there is nothing to back up or restore', async () => {
    const missing = await cli(['backup', join(tmp.path, 'x.db')], { DATABASE_URL: join(tmp.path, 'none.db') })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('No database at')
    expect(existsSync(join(tmp.path, 'none.db'))).toBe(false)
    const noFile = await cli(['restore', join(tmp.path, 'absent.db')], { DATABASE_URL: join(tmp.path, 'y.db') })
    expect(noFile.code).toBe(1)
    expect(noFile.stderr).toContain('No backup at')
    const usage = await cli(['backup'], { DATABASE_URL: join(tmp.path, 'y.db') })
    expect(usage.code).toBe(2)
  })
})
