// Processing uploads: what is published (sizes, formats, names, no metadata), and every hostile file refused with
// nothing left in the folder.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MediaError, processImage, sniff } from '../../src/media/image.ts'
import { renderMarkdown } from '../../src/content/markdown.ts'
import { parseMediaUrl } from '../../src/media/names.ts'
import { ELF, makeImage, phonePhoto, pngBomb, POLYGLOT_GIF_JS, SVG_WITH_SCRIPT } from '../helpers/images.ts'

let dir = ''
let out = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'carnet-media-'))
  out = join(dir, 'out')
  mkdirSync(out)
})
afterEach(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }))

async function process(bytes: Buffer) {
  const input = join(dir, 'upload')
  writeFileSync(input, bytes)
  return processImage(input, out, bytes.length)
}

async function refusal(bytes: Buffer): Promise<string> {
  const err = await process(bytes).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(MediaError)
  expect(readdirSync(out), 'nothing left in the media folder').toEqual([])
  return (err as MediaError).code
}

describe('processing an image', () => {
  it('bounds a large photo to 2,400 px and makes each smaller width in AVIF, WebP and JPEG', async () => {
    const result = await process(await makeImage(3000, 2000, 'jpeg'))
    expect(result).toMatchObject({ width: 2400, height: 1600, ext: 'jpg', type: 'image/jpeg' })
    expect(result.name).toMatch(/^[0-9a-f]{32}-2400x1600\.jpg$/)
    expect(parseMediaUrl(`/media/${result.name}`)).toMatchObject({ width: 2400, height: 1600 })
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(12)
    for (const ext of ['avif', 'webp', 'jpg'])
      for (const w of ['480w', '960w', '1600w', '2400x1600']) expect(files).toContain(`${result.hash}-${w}.${ext}`)
    const meta = await sharp(join(out, `${result.hash}-960w.avif`)).metadata()
    expect([meta.format, meta.compression, meta.width, meta.height]).toEqual(['heif', 'av1', 960, 640])
    expect((await sharp(join(out, `${result.hash}-480w.webp`)).metadata()).width).toBe(480)
  })

  it('makes only the widths smaller than the original, and never enlarges', async () => {
    const result = await process(await makeImage(700, 500, 'png'))
    expect(result).toMatchObject({ width: 700, height: 500, ext: 'png' })
    expect(readdirSync(out).sort()).toEqual(
      [
        `${result.hash}-480w.avif`,
        `${result.hash}-480w.png`,
        `${result.hash}-480w.webp`,
        ...['avif', 'png', 'webp'].map((e) => `${result.hash}-700x500.${e}`),
      ].sort(),
    )
  })

  it('names files by the hash of the uploaded bytes: the same upload twice gives the same names', async () => {
    const bytes = await makeImage(600, 400, 'webp')
    const a = await process(bytes)
    const b = await process(bytes)
    expect(b.name).toBe(a.name)
    const c = await process(await makeImage(600, 401, 'webp'))
    expect(c.hash).not.toBe(a.hash)
  })

  it('turns a phone photo upright and publishes no EXIF (no GPS position) in any version', async () => {
    const photo = await phonePhoto(1200, 800)
    const before = await sharp(photo).metadata()
    expect(before.exif, 'the test photo carries EXIF').toBeDefined()
    expect(before.exif!.toString('latin1')).toContain('PhoneMaker')
    expect(before.orientation).toBe(6)
    const result = await process(photo)
    // Orientation 6: stored 1200 × 800, seen 800 × 1200.
    expect([result.width, result.height]).toEqual([800, 1200])
    for (const file of readdirSync(out)) {
      const meta = await sharp(join(out, file)).metadata()
      expect(meta.exif, file).toBeUndefined()
      expect(meta.xmp, file).toBeUndefined()
      expect(meta.iptc, file).toBeUndefined()
      expect(meta.orientation ?? 1, file).toBe(1)
    }
  })

  it('keeps a GIF animated and adds a WebP of it', async () => {
    const frame = await makeImage(200, 100, 'png')
    const gif = await sharp([frame, await sharp(frame).negate().toBuffer()], { join: { animated: true } })
      .gif()
      .toBuffer()
    const result = await process(gif)
    expect(result).toMatchObject({ width: 200, height: 100, ext: 'gif' })
    expect(readdirSync(out).sort()).toEqual([`${result.hash}-200x100.gif`, `${result.hash}-200x100.webp`])
    expect((await sharp(join(out, `${result.hash}-200x100.webp`), { animated: true }).metadata()).pages).toBe(2)
  })
})

describe('hostile files are refused and leave nothing', () => {
  it('text renamed .jpg', async () => expect(await refusal(Buffer.from('Just some text pretending to be a photo.\n'))).toBe('not-image'))
  it('an executable', async () => expect(await refusal(ELF)).toBe('not-image'))
  it('an empty file', async () => expect(await refusal(Buffer.alloc(0))).toBe('empty'))
  it('an SVG with a script', async () => expect(await refusal(SVG_WITH_SCRIPT)).toBe('svg'))
  it('a truncated JPEG', async () => {
    const jpeg = await makeImage(800, 600, 'jpeg')
    expect(await refusal(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBe('corrupt')
  })
  it('a PNG claiming 50,000 × 50,000 pixels, refused from its header', async () => {
    expect(await refusal(pngBomb())).toBe('too-many-pixels')
  })
  it('a GIF/JavaScript polyglot', async () => expect(await refusal(POLYGLOT_GIF_JS)).toBe('corrupt'))
})

describe('sniffing', () => {
  it('reads the type from the bytes', async () => {
    for (const [format, ext] of [
      ['jpeg', 'jpg'],
      ['png', 'png'],
      ['webp', 'webp'],
      ['avif', 'avif'],
      ['gif', 'gif'],
    ] as const) {
      expect(sniff(await makeImage(16, 16, format)), format).toBe(ext)
    }
    expect(sniff(ELF)).toBeNull()
  })
})

/** An animated WebP of `frames` distinct frames of width × height. */
async function animatedWebp(width: number, height: number, frames: number): Promise<Buffer> {
  const base = await makeImage(width, height, 'png')
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp(base)
        .modulate({ hue: i * 50 })
        .png()
        .toBuffer(),
    ),
  )
  return sharp(pages, { join: { animated: true } })
    .webp()
    .toBuffer()
}

describe('animated images get animated copies only', () => {
  it('an animated WebP (6 frames of 600 × 400) gives animated WebP copies of 600 × 400 and 480 × 320, no still AVIF', async () => {
    const result = await process(await animatedWebp(600, 400, 6))
    expect(result).toMatchObject({ width: 600, height: 400, ext: 'webp', type: 'image/webp' })
    const files = readdirSync(out).sort()
    expect(
      files.filter((f) => f.endsWith('.avif')),
      'no AVIF: sharp writes no animated AVIF',
    ).toEqual([])
    expect(files).toContain(result.name)
    expect(files.length).toBe(2)
    for (const file of files) {
      const meta = await sharp(join(out, file), { animated: true }).metadata()
      const width = file.includes('-480w.') ? 480 : 600
      expect({ file, pages: meta.pages, width: meta.width, frameHeight: meta.pageHeight }).toEqual({
        file,
        pages: 6,
        width,
        frameHeight: (width * 2) / 3,
      })
    }
    // The markup: no AVIF source, and the box of one frame.
    const html = renderMarkdown(`![Animation](/media/${result.name})`)
    expect(html).not.toContain('avif')
    expect(html).toContain('width="600" height="400"')
    expect(html).toContain(`srcset="/media/${result.hash}-480w.webp 480w, /media/${result.name} 600w"`)
    for (const [, url] of html.matchAll(/\/media\/([^ ",]+)/g)) expect(files, url).toContain(url)
  })

  it('a still WebP still gets AVIF copies', async () => {
    const result = await process(await makeImage(600, 400, 'webp'))
    expect(readdirSync(out).filter((f) => f.endsWith('.avif'))).toHaveLength(2)
    expect(renderMarkdown(`![x](/media/${result.name})`)).toContain('image/avif')
  })
})

describe('very long images', () => {
  for (const [w, h, published] of [
    [1, 4801, [1, 2400]],
    [1, 20000, [1, 2400]],
    [20000, 1, [2400, 1]],
    [3, 9000, [1, 2400]],
  ] as const) {
    it(`${w} × ${h} is accepted, ${published.join(' × ')} published, every copy at least 1 px on each side`, async () => {
      const result = await process(await makeImage(w, h, 'png'))
      expect([result.width, result.height]).toEqual(published)
      const files = readdirSync(out)
      expect(files.length).toBeGreaterThan(0)
      for (const file of files) {
        const meta = await sharp(join(out, file)).metadata()
        expect(meta.width, file).toBeGreaterThanOrEqual(1)
        expect(meta.height, file).toBeGreaterThanOrEqual(1)
        const sized = /-(\d+)w\./.exec(file)
        expect(meta.width, file).toBe(sized ? Number(sized[1]) : published[0])
      }
    })
  }
})

describe('PNG copies keep their colours', () => {
  /** 512 × 512, every pixel a different colour of a smooth gradient (65,536 colours). */
  async function gradient(): Promise<{ png: Buffer; raw: Buffer }> {
    const size = 512
    const raw = Buffer.alloc(size * size * 3)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 3
        raw[i] = x >> 1
        raw[i + 1] = y >> 1
        raw[i + 2] = (x + y) >> 2
      }
    return {
      png: await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer(),
      raw,
    }
  }

  async function meanError(file: string, expected: Buffer): Promise<number> {
    const { data } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    expect(data.length).toBe(expected.length)
    let sum = 0
    for (let i = 0; i < data.length; i++) sum += Math.abs(data[i]! - expected[i]!)
    return sum / data.length
  }

  it('a 65,536-colour gradient keeps a mean error under 0.5/255 in its PNG copies', async () => {
    const { png, raw } = await gradient()
    const result = await process(png)
    const full = join(out, result.name)
    expect((await sharp(full).metadata()).isPalette).toBe(false)
    expect(await meanError(full, raw)).toBeLessThan(0.5)
    const small = await sharp(png).resize({ width: 480 }).raw().toBuffer()
    expect(await meanError(join(out, `${result.hash}-480w.png`), small)).toBeLessThan(0.5)
  })

  it('a PNG of few colours may still be made a palette', async () => {
    const result = await process(
      await sharp({ create: { width: 600, height: 300, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer(),
    )
    expect((await sharp(join(out, result.name)).metadata()).isPalette).toBe(true)
  })
})
