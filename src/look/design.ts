// The design settings as a stylesheet of custom properties (static/css/carnet.css reads them): served from the
// blog's own origin at an address holding its content's hash, so the Content-Security-Policy keeps
// `style-src 'self'` and browsers keep it for a year.
import { createHash } from 'node:crypto'
import { CONTENT_WIDTHS, DARK_BACKGROUNDS, DEFAULT_DESIGN, FONT_STACKS, type Design } from '../settings/look.ts'

/**
 * The dark palette: every colour of carnet.css's :root that text or controls sit on or are drawn with. Each text
 * colour passes 4.5:1 on both dark backgrounds (test/look/design.test.ts).
 */
export const DARK_PALETTE: Readonly<Record<string, string>> = {
  '--text': '#e8e6e3',
  '--muted': '#b3b1ad',
  '--bg': DARK_BACKGROUNDS.bg,
  '--panel': DARK_BACKGROUNDS.panel,
  '--rule': '#45464c',
  '--error': '#ff9c9c',
  '--ok': '#8fd89b',
  '--focus': '#8ab4f8',
  '--field-bg': '#101114',
  '--field-border': '#8d8a83',
  '--highlight': '#3b3420',
  '--mark': '#5c4d12',
  '--notice-bg': '#1d2a20',
  '--notice-error-bg': '#33191b',
  '--on-accent': DARK_BACKGROUNDS.bg,
}

/** `#rrggbb` mixed with `#rrggbb` (weight of the second, 0–1): the hover shade of an accent. */
function mix(a: string, b: string, weight: number): string {
  const channel = (hex: string, i: number) => parseInt(hex.slice(i, i + 2), 16)
  return `#${[1, 3, 5]
    .map((i) =>
      Math.round(channel(a, i) * (1 - weight) + channel(b, i) * weight)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`
}

function declarations(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([name, value]) => `  ${name}: ${value};\n`)
    .join('')
}

/** The stylesheet for a design. */
export function designCss(design: Design): string {
  const width = CONTENT_WIDTHS[design.width]
  const light = {
    '--accent': design.accent,
    // Darker on hover: more contrast, never less.
    '--accent-hover': mix(design.accent, '#000000', 0.3),
    '--font-body': FONT_STACKS[design.bodyFont],
    '--font-heading': FONT_STACKS[design.headingFont],
    '--measure': `${width}rem`,
    // The sidebar (18rem), the gap and the margins beside the text column, as today's 72rem for 42rem.
    '--page-width': `${width + 30}rem`,
  }
  const dark = {
    ...DARK_PALETTE,
    '--accent': design.accentDark,
    // Lighter on hover, for the same reason.
    '--accent-hover': mix(design.accentDark, '#ffffff', 0.3),
  }
  let css = `/* Carnet: the blog's design settings (Appearance). */\n:root {\n${declarations(light)}}\n`
  if (design.mode === 'dark') css += `:root {\n${declarations(dark)}  color-scheme: dark;\n}\n`
  if (design.mode === 'system') {
    css += `:root { color-scheme: light dark; }\n@media (prefers-color-scheme: dark) {\n:root {\n${declarations(dark)}}\n}\n`
  }
  return css
}

/** Whether pages need the design stylesheet at all: today's look is carnet.css's own. */
export function isDefaultDesign(design: Design): boolean {
  return (Object.keys(DEFAULT_DESIGN) as Array<keyof Design>).every((k) => design[k] === DEFAULT_DESIGN[k])
}

/** The first 16 hex digits of the SHA-256 of a text: part of an address that changes with it. */
export function contentHash(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
