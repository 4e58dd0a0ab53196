// The admin's view of background work: counts by kind, the failures with their errors, and a given-up job
// retried by its button (which then runs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enqueueJob, PermanentJobError } from '../../src/jobs/jobs.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'

describe('admin: background work', () => {
  let blog: TestBlog
  let broken = true
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    blog.app.jobs.handle('test-send', async () => {
      if (broken) throw new PermanentJobError('endpoint answered 500: <b>oops</b>')
    })
    blog.app.jobs.handle('example-delivery', async () => {})
  })
  afterAll(() => blog.close())

  it('shows counts by kind and the failures, and retries a given-up job', async () => {
    const { app } = blog
    await enqueueJob(app.db, { kind: 'test-send', payload: { target: 'https://example.org/a' } })
    await enqueueJob(app.db, { kind: 'example-delivery', payload: {} })
    await enqueueJob(app.db, { kind: 'example-delivery', payload: {}, runAt: new Date(Date.now() + 3_600_000) })
    await app.jobs.runDue()
    const admin = await signedIn(app)
    const page = await admin.get('/admin/jobs')
    expect(page.statusCode).toBe(200)
    const text = page.body.replace(/\s+/g, ' ')
    expect(text).toContain(
      '<th scope="row"><code>example-delivery</code></th><td data-label="En attente">1</td><td data-label="À retenter">0</td><td data-label="Abandonnées">0</td><td data-label="Faites (24 h)">1</td>',
    )
    expect(text).toContain(
      '<code>test-send</code></th><td data-label="En attente">0</td><td data-label="À retenter">0</td><td data-label="Abandonnées">1</td>',
    )
    // The error, escaped.
    expect(text).toContain('endpoint answered 500: &lt;b&gt;oops&lt;/b&gt;')
    const id = /action="\/admin\/jobs\/(\d+)\/retry"/.exec(page.body)?.[1]
    expect(id).toBeDefined()

    broken = false
    const retry = await admin.post(`/admin/jobs/${id}/retry`)
    expect(retry.statusCode).toBe(303)
    expect(retry.headers.location).toBe('/admin/jobs?done=retried')
    expect(await app.jobs.runDue()).toBe(1)
    const row = await app.db.selectFrom('jobs').select(['state', 'attempts']).where('id', '=', Number(id)).executeTakeFirstOrThrow()
    expect(row).toEqual({ state: 'done', attempts: 1 })
    expect((await admin.get('/admin/jobs?done=retried')).body).toContain('La tâche sera retentée dans un instant.')
    const audit = await app.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'job.retry').execute()
    expect(audit).toEqual([{ action: 'job.retry', target: `job ${id}` }])
  })

  it('retries nothing without the form token, nor a job that did not fail', async () => {
    const { app } = blog
    await enqueueJob(app.db, { kind: 'example-delivery', payload: {}, runAt: new Date(Date.now() + 3_600_000) })
    const waiting = await app.db.selectFrom('jobs').select('id').where('state', '=', 'pending').executeTakeFirstOrThrow()
    const admin = await signedIn(app)
    await admin.get('/admin/jobs')
    expect((await admin.post(`/admin/jobs/${waiting.id}/retry`, { _csrf: 'forged' })).statusCode).toBe(403)
    const notFailed = await admin.post(`/admin/jobs/${waiting.id}/retry`)
    expect(notFailed.headers.location).toBe('/admin/jobs')
    expect((await admin.post('/admin/jobs/abc/retry')).statusCode).toBe(404)
  })
})
