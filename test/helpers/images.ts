// Real image files for the media tests, made by sharp, and hostile files made by hand.
import { crc32 } from 'node:zlib'
import sharp from 'sharp'

/** A photo-like gradient (so encoders have something to do), in the given format. */
export async function makeImage(width: number, height: number, format: 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' = 'jpeg'): Promise<Buffer> {
  const channels = 3
  const data = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels
      data[i] = (x * 255) / width
      data[i + 1] = (y * 255) / height
      data[i + 2] = ((x + y) * 127) / (width + height)
    }
  return sharp(data, { raw: { width, height, channels } }).toFormat(format).toBuffer()
}

/** A JPEG as a phone writes it: GPS position and camera in EXIF, stored sideways (orientation 6: rotate 90°). */
export async function phonePhoto(width = 1200, height = 800): Promise<Buffer> {
  const jpeg = await makeImage(width, height, 'jpeg')
  return sharp(jpeg)
    .withExif({
      IFD0: { Make: 'PhoneMaker', Model: 'Phone 12' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 20/1 5616/100' },
    })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer()
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A few hundred bytes claiming 50,000 × 50,000 pixels: a decompression bomb if anyone decoded it. */
export function pngBomb(side = 50_000): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(side, 0)
  ihdr.writeUInt32BE(side, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The start of a Linux executable. */
export const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200, 0x90)])

export const SVG_WITH_SCRIPT = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>',
)

/** Starts as a GIF, reads as JavaScript (`GIF89a=…` is an assignment): the classic polyglot. */
export const POLYGLOT_GIF_JS = Buffer.concat([
  Buffer.from('GIF89a/*'),
  Buffer.from([0x0a, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00]),
  Buffer.from('*/=1;alert(document.domain);//'),
])
