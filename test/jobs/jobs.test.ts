// Background jobs on a real database: run once, retried later, failed for good, paced, and shared by two
// instances without running anything twice; a job survives a restart.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { enqueueJob, LEASE_MS, PermanentJobError } from '../../src/jobs/jobs.ts'
import { setClock } from '../../src/lib/time.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'

const START = Date.parse('2026-12-06T10:00:00.000Z')
let clock = START
const blogs: TestBlog[] = []
const dirs: string[] = []
const smtps: TestSmtp[] = []

async function blogOn(dir?: string) {
  const blog = await buildTestApp({ demo: false, dir })
  blogs.push(blog)
  return blog
}

afterEach(async () => {
  setClock(null)
  clock = START
  for (const blog of blogs.splice(0).reverse()) await blog.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  for (const smtp of smtps.splice(0)) await smtp.stop()
})

function moveClock(ms: number) {
  clock += ms
}

async function jobRows(blog: TestBlog) {
  return blog.app.db.selectFrom('jobs').select(['id', 'kind', 'state', 'attempts', 'last_error', 'run_at']).orderBy('id').execute()
}

describe('jobs', () => {
  it('runs a queued job once, with its payload, and keeps its row as done', async () => {
    setClock(() => clock)
    const blog = await blogOn()
    const seen: unknown[] = []
    blog.app.jobs.handle('greet', async (payload) => {
      seen.push(payload)
    })
    expect(await enqueueJob(blog.app.db, { kind: 'greet', payload: { to: 'Zoë 👋' } })).toBe(true)
    expect(await blog.app.jobs.runDue()).toBe(1)
    expect(await blog.app.jobs.runDue()).toBe(0)
    expect(seen).toEqual([{ to: 'Zoë 👋' }])
    expect((await jobRows(blog)).map((j) => [j.state, j.attempts])).toEqual([['done', 1]])
  })

  it('queues a job with a key once, even after it ran', async () => {
    const blog = await blogOn()
    let runs = 0
    blog.app.jobs.handle('once', async () => {
      runs++
    })
    expect(await enqueueJob(blog.app.db, { kind: 'once', payload: 1, key: 'post-7' })).toBe(true)
    expect(await enqueueJob(blog.app.db, { kind: 'once', payload: 2, key: 'post-7' })).toBe(false)
    await blog.app.jobs.runDue()
    expect(await enqueueJob(blog.app.db, { kind: 'once', payload: 3, key: 'post-7' })).toBe(false)
    await blog.app.jobs.runDue()
    expect(runs).toBe(1)
  })

  it('waits for a job queued for later', async () => {
    setClock(() => clock)
    const blog = await blogOn()
    let runs = 0
    blog.app.jobs.handle('later', async () => {
      runs++
    })
    await enqueueJob(blog.app.db, { kind: 'later', payload: null, runAt: new Date(clock + 60_000) })
    expect(await blog.app.jobs.runDue()).toBe(0)
    moveClock(60_000)
    expect(await blog.app.jobs.runDue()).toBe(1)
    expect(runs).toBe(1)
  })

  it('tries a failed job again after a delay, and keeps the error for the admin', async () => {
    setClock(() => clock)
    const blog = await blogOn()
    let runs = 0
    blog.app.jobs.handle('flaky', async () => {
      runs++
      if (runs === 1) throw new Error('connection reset')
    })
    await enqueueJob(blog.app.db, { kind: 'flaky', payload: null })
    expect(await blog.app.jobs.runDue()).toBe(1)
    const [failed] = await jobRows(blog)
    expect(failed).toMatchObject({ state: 'pending', attempts: 1, last_error: 'connection reset' })
    expect(failed!.run_at).toBe(new Date(clock + 30_000).toISOString())
    // Not before its time.
    moveClock(29_000)
    expect(await blog.app.jobs.runDue()).toBe(0)
    moveClock(1_000)
    expect(await blog.app.jobs.runDue()).toBe(1)
    expect((await jobRows(blog))[0]).toMatchObject({ state: 'done', attempts: 2, last_error: null })
  })

  it('fails a job for good on a permanent error, or after its last attempt', async () => {
    setClock(() => clock)
    const blog = await blogOn()
    blog.app.jobs.handle('refused', async () => {
      throw new PermanentJobError('address refused')
    })
    blog.app.jobs.handle(
      'hopeless',
      async () => {
        throw new Error('still down')
      },
      { maxAttempts: 2 },
    )
    await enqueueJob(blog.app.db, { kind: 'refused', payload: null })
    await enqueueJob(blog.app.db, { kind: 'hopeless', payload: null })
    await blog.app.jobs.runDue()
    moveClock(30_000)
    await blog.app.jobs.runDue()
    moveClock(24 * 3_600_000)
    expect(await blog.app.jobs.runDue()).toBe(0)
    expect((await jobRows(blog)).map((j) => [j.kind, j.state, j.attempts, j.last_error])).toEqual([
      ['refused', 'failed', 1, 'address refused'],
      ['hopeless', 'failed', 2, 'still down'],
    ])
  })

  it('starts no more jobs a minute than the pace allows', async () => {
    setClock(() => clock)
    const blog = await blogOn()
    let runs = 0
    blog.app.jobs.handle(
      'mail',
      async () => {
        runs++
      },
      { perMinute: () => 2 },
    )
    for (let i = 0; i < 5; i++) await enqueueJob(blog.app.db, { kind: 'mail', payload: i })
    expect(await blog.app.jobs.runDue()).toBe(2)
    moveClock(30_000)
    expect(await blog.app.jobs.runDue()).toBe(0)
    moveClock(31_000)
    expect(await blog.app.jobs.runDue()).toBe(2)
    moveClock(61_000)
    expect(await blog.app.jobs.runDue()).toBe(1)
    expect(runs).toBe(5)
  })

  it('runs each job once when two instances share the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carnet-jobs-'))
    dirs.push(dir)
    const one = await blogOn(dir)
    const two = await blogOn(dir)
    const ran: number[] = []
    for (const blog of [one, two]) {
      blog.app.jobs.handle('deliver', async (payload) => {
        // Each delivery takes a moment, so the instances overlap.
        await new Promise((resolve) => setTimeout(resolve, 5))
        ran.push(payload as number)
      })
    }
    for (let i = 0; i < 40; i++) await enqueueJob(one.app.db, { kind: 'deliver', payload: i })
    const [a, b] = await Promise.all([one.app.jobs.runDue(), two.app.jobs.runDue()])
    expect(a + b).toBe(40)
    expect(ran.sort((x, y) => x - y)).toEqual([...Array(40).keys()])
  })

  it('leaves a job claimed by an instance that stopped until its lease runs out, then runs it', async () => {
    setClock(() => clock)
    const blog = await blogOn()
    let runs = 0
    blog.app.jobs.handle('stuck', async () => {
      runs++
    })
    await enqueueJob(blog.app.db, { kind: 'stuck', payload: null })
    // Another instance claimed it, then died.
    await blog.app.db
      .updateTable('jobs')
      .set({ claimed_by: 'gone', claimed_until: new Date(clock + LEASE_MS).toISOString(), attempts: 1 })
      .execute()
    expect(await blog.app.jobs.runDue()).toBe(0)
    moveClock(LEASE_MS + 1)
    expect(await blog.app.jobs.runDue()).toBe(1)
    expect(runs).toBe(1)
    expect((await jobRows(blog))[0]).toMatchObject({ state: 'done', attempts: 2 })
  })

  it('keeps a queued job across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carnet-jobs-'))
    dirs.push(dir)
    const first = await blogOn(dir)
    await enqueueJob(first.app.db, { kind: 'survive', payload: 'still here' })
    await first.close()
    blogs.splice(blogs.indexOf(first), 1)
    const second = await blogOn(dir)
    const seen: unknown[] = []
    second.app.jobs.handle('survive', async (payload) => {
      seen.push(payload)
    })
    expect(await second.app.jobs.runDue()).toBe(1)
    expect(seen).toEqual(['still here'])
  })

  it('polls by itself when JOBS_POLL_MS is set', async () => {
    const blog = await buildTestApp({
      demo: false,
      env: { JOBS_POLL_MS: '50' },
      beforeReady: (app) =>
        app.jobs.handle('soon', async () => {
          done()
        }),
    })
    blogs.push(blog)
    let done!: () => void
    const ran = new Promise<void>((resolve) => (done = resolve))
    await enqueueJob(blog.app.db, { kind: 'soon', payload: null })
    await ran
    await expect.poll(async () => (await jobRows(blog))[0]?.state).toBe('done')
  })

  it('polls without writing while nothing is due, so that an idle blog keeps its cached pages', async () => {
    // On PostgreSQL any write statement moves the data version, one that changes no row too (src/db/postgres.ts), and
    // every instance then drops its page cache: the polls of jobs and mail must only read when there is nothing to do.
    const smtp = await startSmtp()
    smtps.push(smtp)
    let done!: () => void
    const ran = new Promise<void>((resolve) => (done = resolve))
    const blog = await buildTestApp({
      env: { JOBS_POLL_MS: '50', SMTP_URL: smtp.url, MAIL_RETRY_SECONDS: '0.1', PAGE_CACHE: 'on' },
      beforeReady: (app) => app.jobs.handle('later', async () => done()),
    })
    blogs.push(blog)
    expect((await blog.app.inject('/')).headers['x-page-cache']).toBe('miss')
    expect((await blog.app.inject('/')).headers['x-page-cache']).toBe('hit')
    // About ten polls of the jobs and five rounds of the mail sender.
    await new Promise((resolve) => setTimeout(resolve, 600))
    const after = await blog.app.inject('/')
    expect(after.statusCode).toBe(200)
    expect(after.headers['x-page-cache']).toBe('hit')
    // The poller was alive all along: a job queued now is run by it.
    await enqueueJob(blog.app.db, { kind: 'later', payload: null })
    await ran
  })
})
