// The blog's look, kept with the other settings (so a change reaches every instance and every cache the way a
// title change does): the sidebar's blocks, the blogroll, the design (colours, fonts, width, light or dark), the
// custom stylesheet, the logo and the favicon. Plain data and the rules they must keep; src/look/ serves them.
import { z } from 'zod'

// ---- sidebar ----

/** The blocks an admin may put in the sidebar; each has its template in views/partials/sidebar/<type>.eta. */
export const SIDEBAR_BLOCK_TYPES = [
  'search',
  'subscribe',
  'categories',
  'archives',
  'recentPosts',
  'recentComments',
  'tags',
  'links',
  'text',
] as const
export type SidebarBlockType = (typeof SIDEBAR_BLOCK_TYPES)[number]

export const SIDEBAR_MAX_BLOCKS = 30
export const TEXT_BLOCK_TITLE_MAX = 100
export const TEXT_BLOCK_MAX = 10_000

/** A block's id: stable across moves, so that a form names the block it was shown for, not a position. */
const blockId = z.string().regex(/^[a-z0-9]{1,16}$/)

const sidebarBlock = z.discriminatedUnion('type', [
  z.object({
    id: blockId,
    type: z.literal('text'),
    title: z.string().max(TEXT_BLOCK_TITLE_MAX),
    markdown: z.string().max(TEXT_BLOCK_MAX),
  }),
  z.object({ id: blockId, type: z.enum(SIDEBAR_BLOCK_TYPES).exclude(['text']) }),
])
export type SidebarBlock = z.infer<typeof sidebarBlock>

/** Every block but text appears once (its heading's id is unique on the page). */
export const sidebarBlocksSchema = z
  .array(sidebarBlock)
  .max(SIDEBAR_MAX_BLOCKS)
  .refine((blocks) => {
    const single = blocks.filter((b) => b.type !== 'text').map((b) => b.type)
    const ids = blocks.map((b) => b.id)
    return new Set(single).size === single.length && new Set(ids).size === ids.length
  })

/** Today's sidebar, in today's order: a blog that never opened the Sidebar screen keeps it. */
export const DEFAULT_SIDEBAR: SidebarBlock[] = [
  { id: 'search', type: 'search' },
  { id: 'subscribe', type: 'subscribe' },
  { id: 'categories', type: 'categories' },
  { id: 'archives', type: 'archives' },
  { id: 'recentposts', type: 'recentPosts' },
  { id: 'recentcomments', type: 'recentComments' },
]

// ---- blogroll ----

export const LINKS_MAX = 200
export const LINK_NAME_MAX = 100
export const LINK_URL_MAX = 2000
export const LINK_DESCRIPTION_MAX = 300

/** An address a reader may follow: http or https, with a host, no spaces or control characters. */
export function isLinkUrl(value: string): boolean {
  if (/[\s\u0000-\u001f\u007f\\]/.test(value) || value.length > LINK_URL_MAX) return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

const link = z.object({
  id: blockId,
  name: z.string().trim().min(1).max(LINK_NAME_MAX),
  url: z.string().trim().refine(isLinkUrl),
  description: z.string().trim().max(LINK_DESCRIPTION_MAX),
})
export type BlogLink = z.infer<typeof link>
export const linksSchema = z.array(link).max(LINKS_MAX)

// ---- design ----

/**
 * Font stacks made only of fonts that systems already have (nothing is downloaded: the CSP allows no other
 * origin, and a web font would cost every reader a request). Keys are stored; the stacks may be refined.
 */
export const FONT_STACKS = {
  charter: 'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif',
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  oldstyle: '"Iowan Old Style", "Palatino Linotype", "URW Palladio L", P052, Palatino, serif',
  humanist: 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif',
  geometric: 'Avenir, Montserrat, Corbel, "URW Gothic", source-sans-pro, sans-serif',
  monospace: 'ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, "DejaVu Sans Mono", monospace',
} as const
export type FontKey = keyof typeof FONT_STACKS
export const FONT_KEYS = Object.keys(FONT_STACKS) as [FontKey, ...FontKey[]]

/** The text column's width (rem): a few choices rather than any number, each readable (45–90 characters). */
export const CONTENT_WIDTHS = { narrow: 36, medium: 42, wide: 50 } as const
export type ContentWidth = keyof typeof CONTENT_WIDTHS
export const WIDTH_KEYS = Object.keys(CONTENT_WIDTHS) as [ContentWidth, ...ContentWidth[]]

export const MODES = ['light', 'dark', 'system'] as const

/** The backgrounds text and links sit on, light and dark (the page and the header's panel). */
export const LIGHT_BACKGROUNDS = { bg: '#fdfcfa', panel: '#f3f1ec' } as const
export const DARK_BACKGROUNDS = { bg: '#17181b', panel: '#222327' } as const

/** WCAG AA for normal text. */
export const MIN_CONTRAST = 4.5

const hexColour = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^#[0-9a-f]{6}$/)

export const designSchema = z.object({
  /** Links and buttons on the light background. */
  accent: hexColour,
  /** The same on the dark background (one colour cannot pass 4.5:1 against both). */
  accentDark: hexColour,
  bodyFont: z.enum(FONT_KEYS),
  headingFont: z.enum(FONT_KEYS),
  width: z.enum(WIDTH_KEYS),
  mode: z.enum(MODES),
})
export type Design = z.infer<typeof designSchema>

/** Today's look: an existing blog looks the same until its admin changes something. */
export const DEFAULT_DESIGN: Design = {
  accent: '#8a2b0e',
  accentDark: '#f0a07a',
  bodyFont: 'charter',
  headingFont: 'system',
  width: 'medium',
  mode: 'light',
}

/** Relative luminance of `#rrggbb` (WCAG 2). */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}

/** Contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

/** The lowest ratio of `colour` against the backgrounds it sits on, for display: floored to two decimals. */
export function worstContrast(colour: string, backgrounds: Readonly<Record<string, string>>): number {
  const worst = Math.min(...Object.values(backgrounds).map((bg) => contrast(colour, bg)))
  return Math.floor(worst * 100) / 100
}

// ---- custom CSS, logo, favicon ----

/** The custom stylesheet's cap, in bytes of UTF-8. */
export const CUSTOM_CSS_MAX_BYTES = 50 * 1024

/** An image of the media library as the look uses it: its full-size file, to be read when served. */
const mediaImage = z
  .object({
    id: z.number().int(),
    name: z.string().regex(/^[0-9a-f]{32}-\d{1,5}x\d{1,5}(-animated)?\.(jpg|png|gif|webp|avif)$/),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  })
  .nullable()
export type LookImage = z.infer<typeof mediaImage>

/** The settings' shape for the look (merged into settingsSchema). */
export const lookSettings = {
  sidebarBlocks: sidebarBlocksSchema,
  links: linksSchema,
  design: designSchema,
  customCss: z.string().refine((css) => Buffer.byteLength(css) <= CUSTOM_CSS_MAX_BYTES),
  logo: mediaImage,
  favicon: mediaImage,
}

export const DEFAULT_LOOK = {
  sidebarBlocks: DEFAULT_SIDEBAR,
  links: [] as BlogLink[],
  design: DEFAULT_DESIGN,
  customCss: '',
  logo: null as LookImage,
  favicon: null as LookImage,
}
