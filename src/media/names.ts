// How an image's files are named. Everything a page needs (which sizes and formats exist, the full size's width
// and height) is in the name Markdown points to, `/media/<hash>-<width>x<height>.<ext>`: rendering needs no
// database lookup, and the name changes whenever the bytes do, so the files may be cached for ever. An animated
// WebP says so in its name (`<hash>-<w>x<h>-animated.webp`): it has animated WebP copies only, no AVIF (sharp
// writes no animated AVIF; a still AVIF of it would be every frame stacked into one tall picture).

/** Widths made below the full size (only those smaller than it). */
export const MEDIA_WIDTHS = [480, 960, 1600] as const
/** The published full size is bounded to this many pixels on its long side. */
export const MAX_SIDE = 2400

export const MEDIA_EXTENSIONS = ['jpg', 'png', 'gif', 'webp', 'avif'] as const
export type MediaExtension = (typeof MEDIA_EXTENSIONS)[number]

export const MIME_TYPES: Record<MediaExtension, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
}

/**
 * Any file the media folder serves: `<hash>-<w>x<h>.<ext>` (full size; `<hash>-<w>x<h>-animated.webp` for an
 * animated WebP) or `<hash>-<w>w.<ext>` (a smaller width). Groups: hash, width, height, `-animated`, smaller
 * width, extension.
 */
export const MEDIA_FILE = /^([0-9a-f]{32})-(?:(\d{1,5})x(\d{1,5})(-animated)?|(\d{1,5})w)\.(jpg|png|gif|webp|avif)$/

export interface MediaRef {
  hash: string
  width: number
  height: number
  ext: MediaExtension
  /** An animated WebP (an animated GIF needs no mark: a GIF's copies are always WebP and GIF, both animated). */
  animated?: boolean
}

export function fullName(ref: MediaRef, ext: MediaExtension = ref.ext): string {
  return `${ref.hash}-${ref.width}x${ref.height}${ref.animated ? '-animated' : ''}.${ext}`
}

export function widthName(ref: MediaRef, width: number, ext: MediaExtension): string {
  return `${ref.hash}-${width}w.${ext}`
}

/** The full-size file an address names (`/media/<hash>-<w>x<h>.<ext>`, `https://blog/media/…` too), or null. */
export function parseMediaUrl(url: string): MediaRef | null {
  const m = /(?:^|\/)media\/([^/?#]+)(?:[?#].*)?$/.exec(url)
  const file = m ? MEDIA_FILE.exec(m[1]!) : null
  if (!file || !file[2]) return null
  const width = Number(file[2])
  const height = Number(file[3])
  const ext = file[6] as MediaExtension
  if (width < 1 || height < 1 || (file[4] && ext !== 'webp')) return null
  return file[4] ? { hash: file[1]!, width, height, ext, animated: true } : { hash: file[1]!, width, height, ext }
}

/**
 * The formats an image is published in, best first. Animated GIFs become animated WebP too; sharp cannot write
 * animated AVIF, so a GIF and an animated WebP have none.
 */
export function formatsOf(ref: Pick<MediaRef, 'ext' | 'animated'>): MediaExtension[] {
  const ext = ref.ext
  if (ext === 'gif') return ['webp', 'gif']
  if (ref.animated) return [ext]
  return [...new Set<MediaExtension>(['avif', 'webp', ext])]
}

/** The smaller widths made for an image of this full width. */
export function widthsBelow(fullWidth: number): number[] {
  return MEDIA_WIDTHS.filter((w) => w < fullWidth)
}

/** Every file of an image: each format at each smaller width, and at full size. */
export function filesOf(ref: MediaRef): string[] {
  return formatsOf(ref).flatMap((ext) => [...widthsBelow(ref.width).map((w) => widthName(ref, w, ext)), fullName(ref, ext)])
}

/** `srcset` for one format: every smaller width, then the full size. */
export function srcsetOf(ref: MediaRef, ext: MediaExtension, prefix = '/media/'): string {
  return [
    ...widthsBelow(ref.width).map((w) => `${prefix}${widthName(ref, w, ext)} ${w}w`),
    `${prefix}${fullName(ref, ext)} ${ref.width}w`,
  ].join(', ')
}
