// The favicon's sizes, made by sharp from an image of the media library: a 32×32 PNG for browsers' tabs, a
// 180×180 apple-touch-icon, and /favicon.ico (16, 32 and 48 px PNGs in an ICO, which every browser and feed
// reader reads). Any image gives a square: a long one (1×5000) is fitted whole and centred on transparency, an
// animated one gives its first frame, transparency is kept (but the apple icon is flattened on white: iOS
// would show it on black).
import { loadSharp } from '../media/sharp.ts'

export const ICON_SIZES = { icon: 32, apple: 180 } as const
export type IconKind = keyof typeof ICON_SIZES
const ICO_SIZES = [16, 32, 48] as const

/** libvips' pixel limit for a source (uploads are already checked against the library's). */
const MAX_INPUT_PIXELS = 100_000_000

export async function iconPng(file: string, size: number, flattenOnWhite = false): Promise<Buffer> {
  const sharp = await loadSharp()
  let image = sharp(file, { pages: 1, limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
  if (flattenOnWhite) image = image.flatten({ background: '#ffffff' })
  return image.png({ compressionLevel: 9 }).toBuffer()
}

/** An ICO file holding PNG images (allowed since Windows Vista; read by every current browser). */
export function icoOf(images: ReadonlyArray<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2)
  header.writeUInt16LE(images.length, 4)
  let offset = header.length
  images.forEach(({ size, png }, i) => {
    const entry = 6 + 16 * i
    header.writeUInt8(size >= 256 ? 0 : size, entry)
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1)
    header.writeUInt16LE(1, entry + 4)
    header.writeUInt16LE(32, entry + 6)
    header.writeUInt32LE(png.length, entry + 8)
    header.writeUInt32LE(offset, entry + 12)
    offset += png.length
  })
  return Buffer.concat([header, ...images.map((i) => i.png)])
}

export interface Icons {
  icon: Buffer
  apple: Buffer
  ico: Buffer
}

export async function makeIcons(file: string): Promise<Icons> {
  const [icon, apple, ...small] = await Promise.all([
    iconPng(file, ICON_SIZES.icon),
    iconPng(file, ICON_SIZES.apple, true),
    ...ICO_SIZES.map((size) => iconPng(file, size)),
  ])
  return { icon: icon!, apple: apple!, ico: icoOf(ICO_SIZES.map((size, i) => ({ size, png: small[i]! }))) }
}
