// The media library: the folder of published files and the `media` table, kept in step. Used by the admin
// (uploads, the media page), the command line (`media add`) and the app's start-up sweep.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Kysely } from 'kysely'
import type { Database, MediaTable } from '../db/schema.ts'
import type { Selectable } from 'kysely'
import { nowIso } from '../lib/time.ts'
import { MediaError, processImage, WorkQueue } from './image.ts'
import { filesOf, MEDIA_FILE, parseMediaUrl } from './names.ts'

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

export class MediaStore {
  readonly queue: WorkQueue
  constructor(
    readonly db: Kysely<Database>,
    readonly dir: string,
    readonly maxBytes: number,
    concurrency = 1,
  ) {
    this.queue = new WorkQueue(concurrency)
  }

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

  /** Processes a received file (then deletes it) and records the image; the same bytes again give the same row. */
  async addReceived(path: string, bytes: number, options: AddOptions): Promise<MediaRow> {
    try {
      const processed = await this.queue.run(() => processImage(path, this.dir, bytes))
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
      // Uploaded again with an alt text where the first time had none: keep the words.
      if (!row.alt && alt) {
        await this.db.updateTable('media').set({ alt, decorative: 0 }).where('id', '=', row.id).execute()
        return { ...row, alt, decorative: 0 }
      }
      return row
    } finally {
      await rm(path, { force: true })
    }
  }

  list(): Promise<MediaRow[]> {
    return this.db.selectFrom('media').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
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
    return this.db.selectFrom('posts').select(['id', 'title']).where('body_source', 'like', `%/media/${row.hash}-%`).orderBy('id').execute()
  }

  async setAlt(id: number, alt: string, decorative: boolean): Promise<void> {
    await this.db
      .updateTable('media')
      .set({ alt: decorative ? '' : alt.trim(), decorative: decorative ? 1 : 0 })
      .where('id', '=', id)
      .execute()
  }

  /** Deletes the row, then the files (a reader may still be fetching one: the OS keeps it until then). */
  async remove(row: MediaRow): Promise<void> {
    await this.db.deleteFrom('media').where('id', '=', row.id).execute()
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
