// Turning an uploaded file into published images with sharp. Nothing the uploader sent is ever served: every
// published file is decoded and encoded again here, which drops metadata (GPS positions from phones) and
// anything hidden in the original bytes (a polyglot's script). The type is read from the bytes, never from the
// file name or the browser's word; the pixel count is read from the header before anything is decoded.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { access, open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Metadata, OutputInfo, Sharp, SharpOptions } from 'sharp'
import { filesOf, formatsOf, fullName, MAX_SIDE, MIME_TYPES, widthName, widthsBelow, type MediaExtension, type MediaRef } from './names.ts'
import { loadSharp } from './sharp.ts'

type SharpModule = Awaited<ReturnType<typeof loadSharp>>

/** 24-megapixel photos are common; 100 MP covers panoramas. A bigger image would need gigabytes to decode. */
export const MAX_PIXELS = 100_000_000

export type MediaErrorCode = 'not-image' | 'svg' | 'too-many-pixels' | 'corrupt' | 'too-large' | 'empty'

/** An upload refused for what it is (the message shown says which); never a server failure. */
export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string = code,
  ) {
    super(message)
  }
}

/** The image type the first bytes say, or null. Only the types we publish. */
export function sniff(head: Buffer): MediaExtension | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpg'
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png'
  const ascii = head.subarray(0, 16).toString('latin1')
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'gif'
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp'
  // ISO-BMFF: size, `ftyp`, major brand, minor version, compatible brands.
  if (ascii.slice(4, 8) === 'ftyp') {
    const size = head.readUInt32BE(0)
    const brands = head.subarray(8, Math.min(size, head.length)).toString('latin1')
    if (/avif|avis/.test(brands)) return 'avif'
  }
  return null
}

/** Text that looks like SVG or other XML: said apart from "not an image", because people will try. */
function looksLikeSvg(head: Buffer): boolean {
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase()
  return text.startsWith('<svg') || text.startsWith('<?xml') || (text.startsWith('<!') && text.includes('svg'))
}

/** Hex hash of a file's bytes (the first 128 bits of SHA-256: enough to never collide by chance). */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex').slice(0, 32)
}

async function readHead(path: string, length = 512): Promise<Buffer> {
  const file = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await file.read(buffer, 0, length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
}

const SHARP_FORMAT: Record<MediaExtension, string> = { jpg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp', avif: 'heif' }

/**
 * Encoder settings: good-looking at a fraction of the size; AVIF effort kept low, its encoder is slow. A PNG is
 * made a palette only when its source has 256 colours or fewer (a drawing, a screenshot): sharp's `effort` (or
 * `colours`) quantises to 256 colours, which bands a photo or a gradient.
 */
function encode(pipeline: Sharp, ext: MediaExtension, fewColours = false): Sharp {
  switch (ext) {
    case 'jpg':
      return pipeline.jpeg({ quality: 82, mozjpeg: true })
    case 'png':
      return fewColours ? pipeline.png({ compressionLevel: 9, palette: true, effort: 4 }) : pipeline.png({ compressionLevel: 9 })
    case 'gif':
      return pipeline.gif({ effort: 4 })
    case 'webp':
      return pipeline.webp({ quality: 78, effort: 4 })
    case 'avif':
      return pipeline.avif({ quality: 55, effort: 2 })
  }
}

export interface ProcessedImage extends MediaRef {
  /** The file Markdown points to. */
  name: string
  type: string
  /** Size of the upload. */
  bytes: number
  /** Every file written (or found already there) in the media folder. */
  files: string[]
}

/**
 * Whether raw pixels (8 bits a channel) hold 256 colours or fewer: then a PNG palette loses nothing. A photo is
 * told within its first pixels; a flat drawing is read whole, a slice at a time so that pages are served between
 * (5.8 million pixels take about 100 ms).
 */
export async function hasFewColours(data: Buffer, channels: number): Promise<boolean> {
  const seen = new Set<number>()
  const slice = 256 * 1024 * channels
  for (let start = 0; start < data.length; start += slice) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve))
    const end = Math.min(data.length, start + slice)
    for (let i = start; i < end; i += channels) {
      let colour = 0
      for (let c = 0; c < channels; c++) colour = colour * 256 + data[i + c]!
      if (!seen.has(colour)) {
        seen.add(colour)
        if (seen.size > 256) return false
      }
    }
  }
  return true
}

/** A name no reader can ask for (the server serves only MEDIA_FILE names) and the sweep recognises. */
export function tempName(): string {
  return `.tmp-${Date.now()}-${randomBytes(6).toString('hex')}`
}

/**
 * An image checked and its full size written in its own format (the file Markdown points to): enough to show it.
 * Its other sizes and formats are made afterwards from the same upload (`makeCopies`).
 */
export interface PreparedImage extends ProcessedImage {
  /** The uploaded file, still needed by `makeCopies`. */
  input: string
  /** The decoding options and the published size, as checked. */
  decoding: Decoding
}

interface Decoding {
  options: SharpOptions
  frames: number
  /** A PNG of 256 colours or fewer: its PNG copies may be palettes. */
  fewColours: boolean
}

/** Decoded once into raw pixels at the full published size (a still image), or null for an animation. */
async function decodeFull(input: string, ref: MediaRef, decoding: Decoding): Promise<{ data: Buffer; info: OutputInfo } | null> {
  if (decoding.frames > 1) return null
  const sharp = await loadSharp()
  return sharp(input, decoding.options)
    .autoOrient()
    .resize({ width: ref.width, height: ref.height, fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true })
}

/** The pixels of one copy `w` wide, from the raw full size (or, for an animation, from the upload). */
function copySource(
  sharp: SharpModule,
  input: string,
  ref: MediaRef,
  decoding: Decoding,
  full: { data: Buffer; info: OutputInfo } | null,
  w: number,
): Sharp {
  if (!full) return sharp(input, decoding.options).autoOrient().resize({ width: w })
  const { data, info } = full
  const base = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
  // The height given, at least a pixel: a 2,400 × 1 image's 480 px copy is 480 × 1, not 480 × 0.
  const h = Math.max(1, Math.round((ref.height * w) / ref.width))
  return w === info.width ? base : base.resize({ width: w, height: h, fit: 'fill' })
}

/** Writes under a temporary name and renames, so that a reader (or another instance) never sees half a file. */
async function writeFile(pipeline: Sharp, dir: string, name: string): Promise<void> {
  const temp = join(dir, tempName())
  try {
    await pipeline.toFile(temp)
    await rename(temp, join(dir, name))
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/** libvips' words for a truncated or corrupt file, which only decoding finds. */
function asMediaError(err: unknown): MediaError {
  return err instanceof MediaError ? err : new MediaError('corrupt', err instanceof Error ? err.message : String(err))
}

/**
 * Checks the file at `input` and writes its full size, in its own format, into `dir`: the whole image is decoded,
 * so a truncated file is refused here. Throws MediaError for a file that is not an acceptable image. The input is
 * left in place for `makeCopies`.
 */
export async function prepareImage(input: string, dir: string, bytes: number): Promise<PreparedImage> {
  if (bytes === 0) throw new MediaError('empty')
  const sharp = await loadSharp()
  const head = await readHead(input)
  const ext = sniff(head)
  if (!ext) throw new MediaError(looksLikeSvg(head) ? 'svg' : 'not-image')
  const animated = ext === 'gif' || ext === 'webp'
  const options: SharpOptions = { failOn: 'truncated', limitInputPixels: MAX_PIXELS, animated }

  // The header only: no pixel is decoded yet.
  let meta: Metadata
  try {
    // Without sharp's own limit here, to tell a too-large image from a broken one; decoding keeps the limit.
    meta = await sharp(input, { ...options, limitInputPixels: false }).metadata()
  } catch {
    throw new MediaError('corrupt')
  }
  const expected = SHARP_FORMAT[ext]
  if (meta.format !== expected || (ext === 'avif' && meta.compression !== 'av1')) throw new MediaError('corrupt')
  const frameHeight = meta.pageHeight ?? meta.height
  if (!meta.width || !frameHeight) throw new MediaError('corrupt')
  if (meta.width * frameHeight * (meta.pages ?? 1) > MAX_PIXELS) throw new MediaError('too-many-pixels')

  const hash = await hashFile(input)
  // Oriented as it should be seen (EXIF orientation applied), bounded to MAX_SIDE on the long side.
  const frames = meta.pages ?? 1
  // (An animation's autoOrient counts every frame's height; animations carry no EXIF orientation anyway.)
  const oriented = frames === 1 && meta.autoOrient ? meta.autoOrient : { width: meta.width, height: frameHeight }
  const scale = Math.min(1, MAX_SIDE / Math.max(oriented.width, oriented.height))
  // A very long image (1 × 20,000) keeps at least a pixel on its short side, in every copy.
  const width = Math.max(1, Math.round(oriented.width * scale))
  const height = Math.max(1, Math.round(oriented.height * scale))
  // An animated WebP keeps its frames, in WebP only (see names.ts); its name says so.
  const ref: MediaRef = frames > 1 && ext === 'webp' ? { hash, width, height, ext, animated: true } : { hash, width, height, ext }
  const decoding: Decoding = { options, frames, fewColours: false }
  const name = fullName(ref)
  const existed = await access(join(dir, name)).then(
    () => true,
    () => false,
  )
  try {
    // Decoded to raw pixels here only for a PNG, whose colours are counted; anything else goes straight from the
    // upload to its full size, without megabytes of pixels through JavaScript.
    const full = ext === 'png' ? await decodeFull(input, ref, decoding) : null
    decoding.fewColours = full !== null && (await hasFewColours(full.data, full.info.channels))
    const pipeline = full
      ? copySource(sharp, input, ref, decoding, full, width)
      : sharp(input, options).autoOrient().resize({ width, height, fit: 'fill' })
    await writeFile(encode(pipeline, ext, decoding.fewColours), dir, name)
  } catch (err) {
    // A same-named file written by another instance is identical (same bytes in, same name): only ours goes.
    if (!existed) await rm(join(dir, name), { force: true })
    throw asMediaError(err)
  }
  return { ...ref, name, type: MIME_TYPES[ext], bytes, files: filesOf(ref), input, decoding }
}

/**
 * Writes every other size and format of a prepared image (those not already in `dir`). `between` is awaited before
 * each file: the queue lets uploads waiting for their check go first, and may stop the work (an image deleted
 * meanwhile) by throwing.
 */
export async function makeCopies(image: PreparedImage, dir: string, between: () => Promise<void> = async () => {}): Promise<void> {
  const ref: MediaRef = image
  const todo: Array<[number, MediaExtension, string]> = []
  const present = new Set(await readdir(dir))
  for (const format of formatsOf(ref)) {
    for (const w of widthsBelow(ref.width)) todo.push([w, format, widthName(ref, w, format)])
    todo.push([ref.width, format, fullName(ref, format)])
  }
  const missing = todo.filter(([, , name]) => !present.has(name))
  if (missing.length === 0) return
  await between()
  const sharp = await loadSharp()
  const full = await decodeFull(image.input, ref, image.decoding)
  for (const [w, format, name] of missing) {
    await between()
    await writeFile(encode(copySource(sharp, image.input, ref, image.decoding, full, w), format, image.decoding.fewColours), dir, name)
  }
}

/**
 * Checks the file at `input` and writes all its published versions into `dir` (prepareImage, then makeCopies).
 * Throws MediaError for a file that is not an acceptable image, leaving nothing of it.
 */
export async function processImage(input: string, dir: string, bytes: number): Promise<ProcessedImage> {
  const prepared = await prepareImage(input, dir, bytes)
  try {
    await makeCopies(prepared, dir)
  } catch (err) {
    await Promise.all(prepared.files.map((name) => rm(join(dir, name), { force: true })))
    throw asMediaError(err)
  }
  const { input: _input, decoding: _decoding, ...processed } = prepared
  return processed
}

/**
 * Jobs run one (or a few) at a time, in the order they came: an upload of a big photo must not take every core
 * from pages. A job may carry a key (an image's hash), to say how many jobs are before it.
 */
export class WorkQueue {
  readonly #running: Array<string | undefined> = []
  readonly #waiting: Array<{ key: string | undefined; start: () => void }> = []
  #idle: Array<() => void> = []
  constructor(readonly concurrency: number) {}

  async run<T>(job: () => Promise<T>, key?: string): Promise<T> {
    // A finished job hands its place to the next one itself: no newcomer takes it in between.
    if (this.#running.length >= this.concurrency) await new Promise<void>((start) => this.#waiting.push({ key, start }))
    else this.#running.push(key)
    try {
      return await job()
    } finally {
      this.#running.splice(this.#running.indexOf(key), 1)
      const next = this.#waiting.shift()
      if (next) {
        this.#running.push(next.key)
        next.start()
      } else if (this.#running.length === 0) {
        for (const resolve of this.#idle.splice(0)) resolve()
      }
    }
  }

  /** The number of jobs before the one of `key` (the running ones included: 0 when it runs), or null. */
  ahead(key: string): number | null {
    const index = [...this.#running, ...this.#waiting.map((w) => w.key)].indexOf(key)
    return index < 0 ? null : index
  }

  /** Resolves once no job runs or waits. */
  idle(): Promise<void> {
    if (this.#running.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }
}
