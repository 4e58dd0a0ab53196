// The media library: the folder of published files and the `media` table, kept in step. Used by the admin
// (uploads, the media page), the command line (`media add`) and the app's start-up sweep.
//
// An upload is checked and its full size written while the uploader waits (one upload at a time: `uploads`); the
// row is then written and the answer given. Its other sizes and formats are made afterwards, in the background,
// one image at a time (`copies`), each copy waiting for the uploads being checked: pages keep their pace and 20
// images uploaded together are each usable within a second or two, not after the 19 others. Until its copy is
// written, a size or format is answered with a temporary redirect to the full size (`standIn`), so that a post
// published meanwhile shows its images. The media page and the editor say where an image stands (`progress`).
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type Expression, type Kysely, sql, type SqlBool } from 'kysely'
import { dialectOfDb } from '../db/dialect.ts'
import type { Database, MediaTable } from '../db/schema.ts'
import type { Selectable } from 'kysely'
import { nowIso } from '../lib/time.ts'
import { performance } from 'node:perf_hooks'
import { makeCopies, MediaError, prepareImage, WorkQueue, type PreparedImage } from './image.ts'
import { filesOf, MEDIA_FILE, MIME_TYPES, parseMediaUrl } from './names.ts'
import { loadSharp } from './sharp.ts'

export type MediaRow = Selectable<MediaTable>

/** Temporary files (uploads being received, versions being encoded) older than this are left-overs of a crash. */
const ORPHAN_AGE_MS = 60 * 60 * 1000

export interface AddOptions {
  alt: string
  decorative: boolean
}

/** `![alt](/media/name)`: the alt text made safe inside Markdown's brackets, on one line. */
export function markdownOf(row: Pick<MediaRow, 'name' | 'alt'>): string {
  const alt = row.alt
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\[\]]/g, (c) => `\\${c}`)
  return `![${alt}](/media/${row.name})`
}

/** Where an image stands: ready (every size and format written), or its copies still to be made. */
export interface Progress {
  ready: boolean
  /** Images whose copies are made before this one's here (0: being made now); null if not queued here. */
  ahead: number | null
}

/** Thrown between two copies of an image deleted meanwhile: its copies stop. */
class Cancelled extends Error {}

/**
 * Image work (an upload's check, each copy) goes in steps. While pages keep the event loop busy (over half the
 * time since the last step began), a step first rests REST times as long as the last one took: about a third of
 * a core for images, the rest for readers. With no readers, steps follow each other at once. (bench/media.ts:
 * without it, a post page kept 0.39 of its rate while 20 photos were processed.)
 */
const REST = 2
const BUSY = 0.5

class Pacer {
  #rest = 0
  #loop = performance.eventLoopUtilization()

  /** Waits for the step's turn; returns the function to call when the step ends. */
  async begin(): Promise<() => void> {
    if (this.#rest > 0 && performance.eventLoopUtilization(this.#loop).utilization > BUSY) {
      await new Promise((resolve) => setTimeout(resolve, this.#rest))
    }
    this.#rest = 0
    const start = performance.now()
    this.#loop = performance.eventLoopUtilization()
    return () => (this.#rest = Math.max(this.#rest, (performance.now() - start) * REST))
  }
}

export class MediaStore {
  /** Uploads being checked (and their full size written), one at a time, while their uploader waits. */
  readonly uploads = new WorkQueue(1)
  /** Images whose other sizes and formats are being made, in the background, one at a time. */
  readonly copies = new WorkQueue(1)
  /** Images whose copies this instance is making, by hash. */
  readonly #making = new Map<string, { cancelled: boolean; done: Promise<void> }>()
  readonly #pacer = new Pacer()

  constructor(
    readonly db: Kysely<Database>,
    readonly dir: string,
    readonly maxBytes: number,
    /** Told of a failure while making copies (the image stays usable at full size). */
    readonly onCopyError: (err: unknown, name: string) => void = () => {},
  ) {}

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true })
  }

  /**
   * Writes an upload stream to a temporary file in the media folder, at most `maxBytes`. `truncated()` says
   * whether the source stopped at the limit. Busboy announces the limit with `limit` and would then read the rest
   * of the part to drop it: the stream is destroyed there, so that the caller answers without reading further.
   */
  async receive(stream: Readable, truncated: () => boolean): Promise<{ path: string; bytes: number }> {
    await this.ensureDir()
    const path = join(this.dir, `.upload-${Date.now()}-${randomBytes(6).toString('hex')}`)
    let bytes = 0
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length))
    stream.once('limit', () => stream.destroy(new MediaError('too-large')))
    try {
      await pipeline(stream, createWriteStream(path, { flags: 'wx' }))
      if (truncated() || bytes > this.maxBytes) throw new MediaError('too-large')
      return { path, bytes }
    } catch (err) {
      await rm(path, { force: true })
      throw err
    }
  }

  /** Deletes a received file that will not be processed. */
  async discard(path: string): Promise<void> {
    await rm(path, { force: true })
  }

  /**
   * Checks a received file, writes its full size and records the image (the same bytes again give the same row);
   * its other copies are then made in the background from the file, which is deleted after (see `settled`).
   */
  async addReceived(path: string, bytes: number, options: AddOptions): Promise<MediaRow> {
    let queued = false
    try {
      const processed = await this.uploads.run(async () => {
        const end = await this.#pacer.begin()
        try {
          return await prepareImage(path, this.dir, bytes)
        } finally {
          end()
        }
      })
      const alt = options.decorative ? '' : options.alt.trim()
      await this.db
        .insertInto('media')
        .values({
          hash: processed.hash,
          name: processed.name,
          type: processed.type,
          width: processed.width,
          height: processed.height,
          bytes: processed.bytes,
          alt,
          decorative: options.decorative ? 1 : 0,
          created_at: nowIso(),
        })
        .onConflict((oc) => oc.column('hash').doNothing())
        .execute()
      const row = await this.db.selectFrom('media').selectAll().where('hash', '=', processed.hash).executeTakeFirstOrThrow()
      queued = this.#queueCopies(processed, true)
      // Uploaded again with an alt text where the first time had none: keep the words.
      if (!row.alt && alt) {
        await this.db.updateTable('media').set({ alt, decorative: 0 }).where('id', '=', row.id).execute()
        return { ...row, alt, decorative: 0 }
      }
      return row
    } finally {
      if (!queued) await rm(path, { force: true })
    }
  }

  /** Queues the making of an image's copies, unless already on the way here; true if queued. */
  #queueCopies(image: PreparedImage, ownsInput: boolean): boolean {
    if (this.#making.has(image.hash)) return false
    const state = { cancelled: false, done: Promise.resolve() }
    let endStep = () => {}
    const between = async () => {
      endStep()
      // Uploads waiting for their check first, then readers (see Pacer); an image deleted meanwhile stops here.
      await this.uploads.idle()
      endStep = await this.#pacer.begin()
      if (state.cancelled) throw new Cancelled()
    }
    state.done = this.copies
      .run(() => makeCopies(image, this.dir, between).finally(() => endStep()), image.hash)
      .catch((err: unknown) => {
        if (!(err instanceof Cancelled)) this.onCopyError(err, image.name)
      })
      .finally(async () => {
        this.#making.delete(image.hash)
        if (ownsInput) await rm(image.input, { force: true })
      })
    this.#making.set(image.hash, state)
    return true
  }

  /** Stops the making of copies (between two files) and waits for it: the app is closing. */
  async stop(): Promise<void> {
    for (const making of this.#making.values()) making.cancelled = true
    await this.settled()
  }

  /** Resolves once every image's copies queued here are made (the command line waits for it before exiting). */
  async settled(): Promise<void> {
    while (this.#making.size > 0) await Promise.all([...this.#making.values()].map((s) => s.done))
  }

  /** Where each image stands, by id. */
  async progress(rows: MediaRow[]): Promise<Map<number, Progress>> {
    const present = new Set(await readdir(this.dir).catch(() => []))
    return new Map(
      rows.map((row) => {
        const ahead = this.copies.ahead(row.hash)
        const ref = parseMediaUrl(`/media/${row.name}`)
        const ready = ahead === null && (!ref || filesOf(ref).every((name) => present.has(name)))
        return [row.id, { ready, ahead }]
      }),
    )
  }

  /**
   * The address to answer, for a while, instead of a copy not yet written (`<hash>-960w.avif`): the image's full
   * size, if the image is known and that file is there; else null (a 404).
   */
  async standIn(name: string): Promise<string | null> {
    const file = MEDIA_FILE.exec(name)
    if (!file) return null
    const row = await this.db.selectFrom('media').select('name').where('hash', '=', file[1]!).executeTakeFirst()
    const ref = row && parseMediaUrl(`/media/${row.name}`)
    if (!row || !ref || row.name === name || !filesOf(ref).includes(name)) return null
    const there = await access(join(this.dir, row.name)).then(
      () => true,
      () => false,
    )
    return there ? `/media/${row.name}` : null
  }

  /**
   * Makes the copies an interrupted instance left unmade (a crash or a restart while images were queued), from
   * each image's full size: the upload itself is gone by then.
   */
  async resumeCopies(): Promise<number> {
    await this.ensureDir()
    const present = new Set(await readdir(this.dir))
    let queued = 0
    for (const row of await this.db.selectFrom('media').selectAll().execute()) {
      const ref = parseMediaUrl(`/media/${row.name}`)
      if (!ref || !present.has(row.name) || filesOf(ref).every((name) => present.has(name)) || this.#making.has(ref.hash)) continue
      const input = join(this.dir, row.name)
      const animated = ref.ext === 'gif' || ref.ext === 'webp'
      const meta = await (
        await loadSharp()
      )(input, { animated })
        .metadata()
        .catch(() => null)
      if (!meta) continue
      const options = { failOn: 'truncated' as const, animated }
      const image: PreparedImage = {
        ...ref,
        name: row.name,
        type: MIME_TYPES[ref.ext],
        bytes: row.bytes,
        files: filesOf(ref),
        input,
        decoding: { options, frames: meta.pages ?? 1, fewColours: ref.ext === 'png' && meta.isPalette === true },
      }
      if (this.#queueCopies(image, false)) queued++
    }
    return queued
  }

  /**
   * Images newest first: every one, or `limit` from a page's position (`where` and `direction` made by the admin's
   * src/admin/keyset.ts).
   */
  list(page?: { limit: number; where: Expression<SqlBool> | null; direction: 'asc' | 'desc' }): Promise<MediaRow[]> {
    let q = this.db
      .selectFrom('media')
      .selectAll()
      .orderBy('created_at', page?.direction ?? 'desc')
      .orderBy('id', page?.direction ?? 'desc')
    if (page?.where) q = q.where(page.where)
    if (page) q = q.limit(page.limit)
    return q.execute()
  }

  find(id: number): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** The rows of the images some Markdown points to, by file name. */
  async byNames(names: string[]): Promise<Map<string, MediaRow>> {
    if (names.length === 0) return new Map()
    const rows = await this.db.selectFrom('media').selectAll().where('name', 'in', names).execute()
    return new Map(rows.map((r) => [r.name, r]))
  }

  /** Posts whose Markdown mentions the image (by its hash, so any of its sizes and formats counts). */
  usedBy(row: Pick<MediaRow, 'hash'>): Promise<Array<{ id: number; title: string }>> {
    const q = this.db.selectFrom('posts').select(['id', 'title'])
    // The hashes each post names, indexed (migration 2026_12_07_05_40_00): a like read every post's text, 690 ms at
    // 100,000 posts on PostgreSQL, for each image of the media page. PostgreSQL indexes an expression; SQLite a
    // table its triggers keep.
    const named =
      dialectOfDb(this.db) === 'postgres'
        ? q.where(sql<SqlBool>`carnet_media_hashes(body_source) @> array[${row.hash}]::text[]`)
        : q.where('id', 'in', sql<number>`(select post_id from post_media where hash = ${row.hash})`)
    return named.orderBy('id').execute()
  }

  async setAlt(id: number, alt: string, decorative: boolean): Promise<void> {
    await this.db
      .updateTable('media')
      .set({ alt: decorative ? '' : alt.trim(), decorative: decorative ? 1 : 0 })
      .where('id', '=', id)
      .execute()
  }

  /**
   * Deletes the row, stops the making of its copies, then deletes the files (a reader may still be fetching one:
   * the OS keeps it until then).
   */
  async remove(row: MediaRow): Promise<void> {
    await this.db.deleteFrom('media').where('id', '=', row.id).execute()
    const making = this.#making.get(row.hash)
    if (making) {
      making.cancelled = true
      await making.done
    }
    const ref = parseMediaUrl(`/media/${row.name}`)
    if (ref) await Promise.all(filesOf(ref).map((name) => rm(join(this.dir, name), { force: true })))
  }

  /**
   * Removes what a crash left: temporary files, and published files whose image has no row (processing finished
   * but the row was never written). Only files older than an hour: another instance sharing the folder may be
   * writing the newer ones right now.
   */
  async sweep(now = Date.now()): Promise<number> {
    await this.ensureDir()
    const known = new Set((await this.db.selectFrom('media').select('hash').execute()).map((r) => r.hash))
    let removed = 0
    for (const name of await readdir(this.dir)) {
      const temporary = name.startsWith('.tmp-') || name.startsWith('.upload-')
      const file = MEDIA_FILE.exec(name)
      if (!temporary && (!file || known.has(file[1]!))) continue
      const path = join(this.dir, name)
      const info = await stat(path).catch(() => null)
      if (!info?.isFile() || now - info.mtimeMs < ORPHAN_AGE_MS) continue
      await rm(path, { force: true })
      removed++
    }
    return removed
  }
}
