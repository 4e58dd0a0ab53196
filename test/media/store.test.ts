// The media folder's housekeeping: what a crash leaves is swept at start-up (only once old enough that no other
// instance sharing the folder may still be writing it), images are processed one at a time, and copies a stopped
// run left unmade are made at the next start.
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WorkQueue } from '../../src/media/image.ts'
import { buildTestApp, useTempDir, type TestBlog } from '../helpers/app.ts'
import { makeImage } from '../helpers/images.ts'

let blog: TestBlog | undefined
afterEach(() => blog?.close())

describe('the start-up sweep', () => {
  const tmp = useTempDir('media-sweep')

  it('removes old temporary files and old files of images without a row; keeps recent ones and known images', async () => {
    const media = join(tmp.path, 'media')
    mkdirSync(media)
    const known = `${'a'.repeat(32)}-640x480.jpg`
    const old = (name: string) => {
      writeFileSync(join(media, name), 'x')
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
      utimesSync(join(media, name), twoHoursAgo, twoHoursAgo)
    }
    old('.tmp-1-abc')
    old('.upload-1-def')
    old(`${'b'.repeat(32)}-640x480.jpg`)
    old(`${'b'.repeat(32)}-480w.webp`)
    old(known)
    old('README.txt')
    writeFileSync(join(media, '.upload-2-now'), 'being received by another instance')
    writeFileSync(join(media, `${'c'.repeat(32)}-10x10.png`), 'being processed by another instance')
    // The row of the known image, in a database made before the app starts.
    const first = await buildTestApp({ dir: tmp.path, demo: false, env: { MEDIA_DIR: join(tmp.path, 'elsewhere') } })
    await first.app.db
      .insertInto('media')
      .values({
        hash: 'a'.repeat(32),
        name: known,
        type: 'image/jpeg',
        width: 640,
        height: 480,
        bytes: 1,
        created_at: new Date().toISOString(),
      })
      .execute()
    await first.close()

    blog = await buildTestApp({ dir: tmp.path, demo: false })
    await expect.poll(() => readdirSync(media).length).toBe(4)
    expect(readdirSync(media).sort()).toEqual(['.upload-2-now', 'README.txt', known, `${'c'.repeat(32)}-10x10.png`].sort())
  })
})

describe('the processing queue', () => {
  it('runs one job at a time, in order', async () => {
    const queue = new WorkQueue(1)
    let active = 0
    let most = 0
    const order: number[] = []
    const job = (n: number) => async () => {
      active++
      most = Math.max(most, active)
      await new Promise((r) => setTimeout(r, 10))
      order.push(n)
      active--
      return n
    }
    expect(await Promise.all([1, 2, 3, 4].map((n) => queue.run(job(n))))).toEqual([1, 2, 3, 4])
    expect(most).toBe(1)
    expect(order).toEqual([1, 2, 3, 4])
  })

  it('says how many jobs are before a keyed one (0 while it runs), and when it is idle', async () => {
    const queue = new WorkQueue(1)
    const gates: Array<() => void> = []
    const held = (key: string) => queue.run(() => new Promise<void>((r) => gates.push(r)), key)
    const jobs = [held('a'), held('b'), held('c')]
    expect([queue.ahead('a'), queue.ahead('b'), queue.ahead('c'), queue.ahead('d')]).toEqual([0, 1, 2, null])
    let idle = false
    void queue.idle().then(() => (idle = true))
    gates.shift()!()
    await jobs[0]
    expect([queue.ahead('a'), queue.ahead('b'), queue.ahead('c')]).toEqual([null, 0, 1])
    while (gates.length || !idle) {
      gates.shift()?.()
      await new Promise((r) => setTimeout(r, 1))
    }
    expect(queue.ahead('c')).toBeNull()
  })
})

describe('copies left unmade', () => {
  const tmp = useTempDir('media-resume')

  it('are made at the next start, from the full size, when a run stopped before making them', async () => {
    blog = await buildTestApp({ dir: tmp.path, demo: false })
    const input = join(blog.config.mediaDir, '.upload-test')
    const bytes = await makeImage(1000, 600)
    writeFileSync(input, bytes)
    const row = await blog.app.media.addReceived(input, bytes.length, { alt: 'x', decorative: false })
    await blog.app.media.settled()
    const all = readdirSync(blog.config.mediaDir).sort()
    expect(all).toHaveLength(9)
    // As if the instance had stopped with only the full size written.
    for (const name of all) if (name !== row.name) rmSync(join(blog.config.mediaDir, name))
    expect((await blog.app.media.progress([row])).get(row.id)).toEqual({ ready: false, ahead: null })
    await blog.close()

    blog = await buildTestApp({ dir: tmp.path, demo: false })
    await expect.poll(() => readdirSync(blog!.config.mediaDir).sort(), { timeout: 20_000 }).toEqual(all)
    expect((await blog.app.media.progress([row])).get(row.id)).toEqual({ ready: true, ahead: null })
  })
})
