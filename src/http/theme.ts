// Themes (docs/themes.md): THEME_DIR names a folder whose views/ replace Carnet's templates by the same relative
// path and whose static/ is served under /theme/<name>/. Templates are code (Eta does not sandbox), so a theme
// comes from the file system only, read once at start; nothing on the web uploads one.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { z } from 'zod'

/** The theme API versions this Carnet renders: a theme's `carnet` field names the one it was written for. */
export const THEME_API_VERSIONS: readonly number[] = [1]

/**
 * The stable override points (theme API 1): their names and the data they get hold for the whole API version.
 * Any other template of Carnet's may be replaced too, but may change in any release.
 */
export const OVERRIDE_POINTS = [
  'layouts/main.eta',
  'partials/head-extras.eta',
  'partials/header.eta',
  'partials/menu.eta',
  'partials/sidebar.eta',
  'partials/footer.eta',
  'posts/meta.eta',
  'comments/comment.eta',
  'comments/form.eta',
] as const

/**
 * Old name → new name. A renamed override point answers to its old name for one release (a theme's file under
 * the old name replaces the new one, with a warning at start), then the old name goes.
 */
export const ALIASES: Readonly<Record<string, string>> = Object.freeze({
  // One comment was the body of a function in comments/list.eta until theme API 1 gave it its own file; the
  // name themes of other engines use for it is accepted.
  'partials/comment.eta': 'comments/comment.eta',
})

/** Carnet's templates no theme replaces: the admin keeps its own look, so a broken theme never locks the writer out. */
const NOT_THEMABLE = /^(admin)\//

export class ThemeError extends Error {}

const manifestSchema = z.object(
  {
    name: z.string({ error: 'must be a text' }).regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
      error: 'must be 1 to 40 lowercase letters, digits or hyphens (it is part of the theme’s addresses)',
    }),
    version: z
      .string({ error: 'must be a text' })
      .regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, { error: 'must be a version number such as 1.0.0' }),
    carnet: z.number({ error: 'must be the number of the Carnet theme API the theme was written for, e.g. 1' }).int({
      error: 'must be a whole number, e.g. 1',
    }),
    description: z.string({ error: 'must be a text' }).max(500).optional(),
  },
  { error: 'must be a JSON object with name, version and carnet' },
)

export interface Theme {
  name: string
  version: string
  /** The theme API version it was written for. */
  api: number
  dir: string
  /** Carnet's template (relative path, e.g. `partials/header.eta`) → the theme's file that replaces it. */
  overrides: ReadonlyMap<string, string>
  /** Theme files under an old name (ALIASES): file → the template it replaces. */
  aliased: ReadonlyArray<{ file: string; template: string }>
  /** Theme files (relative to views/) that replace no template of Carnet's: not used. */
  unmatched: readonly string[]
  /** static/, or null when the theme has none. */
  staticDir: string | null
  /** Static files (relative, with `/`) → the first 12 hex digits of their SHA-256. */
  assets: ReadonlyMap<string, string>
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort()
}

/** Reads and checks a theme folder; a ThemeError names the file and what is wrong with it. */
export function loadTheme(dir: string, carnetViews: string): Theme {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ThemeError(`THEME_DIR ${dir} is not a folder`)
  const file = join(dir, 'theme.json')
  if (!existsSync(file)) throw new ThemeError(`THEME_DIR ${dir} has no theme.json (name, version and carnet, the theme API version)`)
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new ThemeError(`${file} is not valid JSON: ${(err as Error).message}`)
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.length ? `"${issue.path.join('.')}"` : 'the file'
    const given = issue.path.reduce<unknown>(
      (v, key) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
      json,
    )
    const message = issue.code === 'invalid_type' && issue.path.length && given === undefined ? 'is missing' : issue.message
    throw new ThemeError(`${file}: ${field} ${message}`)
  }
  const manifest = parsed.data
  if (!THEME_API_VERSIONS.includes(manifest.carnet)) {
    throw new ThemeError(
      `${file}: the theme "${manifest.name}" is written for Carnet theme API ${manifest.carnet}; this Carnet renders theme API ${THEME_API_VERSIONS.join(', ')} only (see docs/themes.md)`,
    )
  }

  const viewsDir = join(dir, 'views')
  const overrides = new Map<string, string>()
  const aliased: Array<{ file: string; template: string }> = []
  const unmatched: string[] = []
  const files = filesUnder(viewsDir)
  for (const rel of files) {
    const template = ALIASES[rel] ?? rel
    if (!rel.endsWith('.eta') || NOT_THEMABLE.test(template) || !existsSync(join(carnetViews, template))) {
      unmatched.push(rel)
      continue
    }
    if (template !== rel) {
      // The new name wins when a theme has both.
      if (files.includes(template)) {
        unmatched.push(rel)
        continue
      }
      aliased.push({ file: rel, template })
    }
    overrides.set(template, join(viewsDir, rel))
  }

  const staticDir = join(dir, 'static')
  const assets = new Map<string, string>()
  for (const rel of filesUnder(staticDir).filter((f) => !/(^|\/)\./.test(f))) {
    assets.set(
      rel,
      createHash('sha256')
        .update(readFileSync(join(staticDir, rel)))
        .digest('hex')
        .slice(0, 12),
    )
  }
  return {
    name: manifest.name,
    version: manifest.version,
    api: manifest.carnet,
    dir,
    overrides,
    aliased,
    unmatched,
    staticDir: existsSync(staticDir) ? staticDir : null,
    assets,
  }
}

/** What templates get as `it.theme`: the theme's name and version, and its files' addresses. */
export interface ThemeData {
  name: string
  version: string
  /** `/theme/<name>/<file>?v=<hash>`: an address that changes when the file does, so it may be kept a year. */
  asset(file: string): string
}

export function themeData(theme: Theme): ThemeData {
  return Object.freeze({
    name: theme.name,
    version: theme.version,
    asset(file: string) {
      const hash = theme.assets.get(file.replace(/^\/+/, ''))
      if (!hash) throw new Error(`theme ${theme.name} has no static/${file}`)
      return `/theme/${theme.name}/${file.replace(/^\/+/, '')}?v=${hash}`
    },
  })
}

/** The lines Carnet logs at start about a theme: which templates it replaces, and what it holds that is not used. */
export function themeReport(theme: Theme): { info: string; warnings: string[] } {
  const stable = new Set<string>(OVERRIDE_POINTS)
  const used = [...theme.overrides.keys()].sort()
  const info = `theme ${theme.name} ${theme.version} (${theme.dir}) replaces ${used.length ? used.join(', ') : 'no template'}`
  const warnings = [
    ...theme.unmatched.map((f) => `theme ${theme.name}: views/${f} matches no template of Carnet's, so it is not used`),
    ...theme.aliased.map(
      ({ file, template }) =>
        `theme ${theme.name}: views/${file} is the old name of ${template}; it is used, but rename it: the old name goes in a coming release`,
    ),
    ...used
      .filter((t) => !stable.has(t))
      .map(
        (t) =>
          `theme ${theme.name}: views/${t} is not one of the stable override points (docs/themes.md); it may break when Carnet changes`,
      ),
  ]
  return { info, warnings }
}
