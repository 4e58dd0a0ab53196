// `npm run cli -- doctor [--nginx <file>]`: checks what operators get wrong before a blog goes live, one line
// each, `ok` or what to do, with real probes where a probe is cheap (a file written and removed, an SMTP
// connection and EHLO, a PostgreSQL query) rather than guesses from the settings. Exit code 1 when one fails.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import nodemailer from 'nodemailer'
import pg from 'pg'
import { ConfigError, loadConfig, type Config } from '../config.ts'
import { dialectOf } from '../db/dialect.ts'
import { redactUrl } from '../db/postgres.ts'
import { loadTheme, themeReport, ThemeError } from '../http/theme.ts'
import { VIEWS_DIR } from '../http/view.ts'

export interface CheckResult {
  name: string
  ok: boolean
  /** What was found (ok) or what to do (not ok). */
  detail: string
}

const PROBE_TIMEOUT_MS = 5_000
/** Less free space than this where the database or the images are written fails the check. */
export const MIN_FREE_BYTES = 200 * 1024 * 1024
/** Where images are uploaded (src/admin/media.admin.ts); nginx's body limit for that address matters. */
const UPLOAD_PATH = '/admin/media'
/** A multipart upload is the image plus the form's other fields and the parts' headers. */
const UPLOAD_OVERHEAD_BYTES = 1024 * 1024

const ok = (name: string, detail: string): CheckResult => ({ name, ok: true, detail })
const fail = (name: string, detail: string): CheckResult => ({ name, ok: false, detail })

function mb(bytes: number): string {
  const mib = bytes / (1024 * 1024)
  return mib >= 10_240 ? `${Math.round(mib / 1024)} GB` : `${Math.round(mib * 10) / 10} MB`
}

function message(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message
  }
  return String(err)
}

/** Node versions package.json's `engines` accepts (^22.22.0 || >=24.8.0). */
export function nodeVersionProblem(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  if ((major === 22 && minor >= 22) || (major === 24 && minor >= 8) || major > 24) return null
  return `Node ${version} is not supported: install Node 24 LTS (or 22.22 or later), e.g. eval "$(.ci/node.sh 24)"`
}

/** Writes and removes a file in `dir` (or in the nearest folder above it, which Carnet would create it in). */
function writable(name: string, dir: string, what: string): CheckResult {
  let existing = resolve(dir)
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  const probe = join(existing, `.carnet-doctor-${randomBytes(4).toString('hex')}`)
  try {
    writeFileSync(probe, 'probe')
    rmSync(probe)
  } catch (err) {
    return fail(name, `${existing} is not writable (${message(err)}): ${what} cannot be written; give the user running Carnet write access`)
  }
  return ok(name, existing === resolve(dir) ? `${dir} is writable` : `${dir} will be created in ${existing} (writable)`)
}

function freeSpace(name: string, dir: string): CheckResult {
  let existing = resolve(dir)
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  const stats = statfsSync(existing)
  const free = stats.bavail * stats.bsize
  if (free < MIN_FREE_BYTES)
    return fail(name, `only ${mb(free)} free on the disk of ${existing}: free some space (at least ${mb(MIN_FREE_BYTES)})`)
  return ok(name, `${mb(free)} free on the disk of ${existing}`)
}

/** SITE_URL as readers and feed readers will be sent to it: Carnet serves from the root of one origin. */
export function siteUrlCheck(raw: string | undefined, config: Readonly<Config>): CheckResult {
  const name = 'SITE_URL'
  if (!raw) {
    const detail = `not set: links in feeds, mails and canonical tags will point at ${config.siteUrl}; set SITE_URL to the blog's public address`
    return config.production ? fail(name, detail) : ok(name, `${detail} before going live`)
  }
  const url = new URL(raw)
  if (url.username || url.password) return fail(name, 'holds a user name or password: remove it (SITE_URL is shown in every page)')
  if (url.search || url.hash || raw.includes('?') || raw.includes('#'))
    return fail(name, `has a query or fragment: set it to ${url.origin}`)
  if (url.pathname !== '/')
    return fail(
      name,
      `has a path (${url.pathname}): Carnet serves from the root of its host; give it a host of its own, e.g. ${url.origin}`,
    )
  if (config.production && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    return fail(name, `${url.origin} is this machine: set the public address readers use`)
  if (config.production && url.protocol === 'http:')
    return fail(name, `${url.origin} is plain http: serve the blog over https (secure cookies, HSTS) and set SITE_URL to https://…`)
  return ok(name, url.origin)
}

async function smtpCheck(smtpUrl: string): Promise<CheckResult> {
  const url = new URL(smtpUrl)
  const where = `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: PROBE_TIMEOUT_MS,
    greetingTimeout: PROBE_TIMEOUT_MS,
    socketTimeout: PROBE_TIMEOUT_MS,
  })
  try {
    // Connects, reads the greeting, says EHLO (and logs in when SMTP_URL has a user).
    await transport.verify()
    return ok('SMTP', `${where} answers (EHLO${url.username ? ', login' : ''} ok)`)
  } catch (err) {
    return fail('SMTP', `${where} did not accept us: ${message(err)}; check SMTP_URL's host, port and password`)
  } finally {
    transport.close()
  }
}

async function postgresCheck(databaseUrl: string): Promise<CheckResult> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ version: string; num: number; unaccent: boolean; available: boolean }>(
      `select current_setting('server_version') as version, current_setting('server_version_num')::int as num,
              exists (select 1 from pg_extension where extname = 'unaccent') as unaccent,
              exists (select 1 from pg_available_extensions where name = 'unaccent') as available`,
    )
    const r = rows[0]!
    if (r.num < 130000) return fail('PostgreSQL', `version ${r.version}: Carnet needs PostgreSQL 13 or later`)
    if (!r.unaccent && !r.available)
      return fail(
        'PostgreSQL',
        `version ${r.version}, but the unaccent extension (search) is not installed on the server: install PostgreSQL's contrib package`,
      )
    return ok('PostgreSQL', `version ${r.version}, unaccent ${r.unaccent ? 'created' : 'available (created by the first migration)'}`)
  } catch (err) {
    return fail('PostgreSQL', `${redactUrl(databaseUrl)} did not answer: ${message(err)}; check DATABASE_URL and that the server runs`)
  } finally {
    await client.end().catch(() => {})
  }
}

/** nginx's size syntax (`2m`, `512k`, `1g`, bytes) in bytes; 0 means no limit. */
function nginxSize(value: string): number | null {
  const m = /^(\d+)([kKmMgG]?)$/.exec(value)
  if (!m) return null
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Number(m[1]) * unit
}

/**
 * The client_max_body_size nginx applies to `path` in this configuration (included in nginx's `http` block): the
 * longest matching prefix `location`'s, else its `server`'s, else the file's top level, else nginx's 1m default.
 * Only prefix locations are read (regular expressions are not evaluated). Null when the file holds no server.
 */
export function nginxBodyLimit(conf: string, path: string): { bytes: number; value: string } | null {
  const text = conf.replace(/#[^\n]*/g, '')
  const tokens = text.match(/[{};]|[^\s{};]+/g) ?? []
  const stack: string[][] = []
  let words: string[] = []
  let top: string | undefined
  let server: string | undefined
  let location: { prefix: string; value: string } | undefined
  let inServer = false
  let best: { prefix: string; value: string | undefined } | undefined
  for (const token of tokens) {
    if (token === '{') {
      stack.push(words)
      if (words[0] === 'server') {
        inServer = true
        server = undefined
      }
      if (words[0] === 'location') {
        const modifier = words.length > 2 ? words[1] : undefined
        const prefix = words.at(-1)!
        location = modifier === undefined || modifier === '^~' || modifier === '=' ? { prefix, value: '' } : undefined
        if (location && (modifier === '=' ? path !== prefix : !path.startsWith(prefix))) location = undefined
      }
      words = []
    } else if (token === '}') {
      const opened = stack.pop() ?? []
      if (opened[0] === 'location' && location) {
        if (!best || location.prefix.length > best.prefix.length) best = { prefix: location.prefix, value: location.value || undefined }
        location = undefined
      }
      if (opened[0] === 'server') inServer = false
      words = []
    } else if (token === ';') {
      if (words[0] === 'client_max_body_size' && words[1]) {
        if (location) location.value = words[1]
        else if (stack.length === 1 && inServer) server = words[1]
        else if (stack.length === 0) top = words[1]
      }
      words = []
    } else words.push(token)
  }
  if (server === undefined && !/\bserver\s*\{/.test(text)) return null
  const value = best?.value ?? server ?? top ?? '1m'
  const bytes = nginxSize(value)
  return bytes === null ? null : { bytes: bytes === 0 ? Infinity : bytes, value }
}

function nginxCheck(file: string, config: Readonly<Config>): CheckResult {
  const name = 'nginx'
  let conf
  try {
    conf = readFileSync(file, 'utf8')
  } catch (err) {
    return fail(name, `cannot read ${file}: ${message(err)}`)
  }
  const limit = nginxBodyLimit(conf, UPLOAD_PATH)
  if (!limit) return fail(name, `${file} has no server block (or an unreadable client_max_body_size): give the file that proxies to Carnet`)
  const needed = config.mediaMaxBytes + UPLOAD_OVERHEAD_BYTES
  if (limit.bytes < needed) {
    const suggestion = `${Math.ceil(needed / (1024 * 1024))}m`
    return fail(
      name,
      `client_max_body_size ${limit.value} for ${UPLOAD_PATH} is below MEDIA_MAX_BYTES (${mb(config.mediaMaxBytes)}) plus the form: ` +
        `bigger images get nginx's bare 413 page; set client_max_body_size ${suggestion} for location ${UPLOAD_PATH} in ${file}, or lower MEDIA_MAX_BYTES`,
    )
  }
  return ok(
    name,
    `client_max_body_size ${limit.value} for ${UPLOAD_PATH} lets images of MEDIA_MAX_BYTES (${mb(config.mediaMaxBytes)}) through`,
  )
}

export async function runDoctor(env: Record<string, string | undefined>, options: { nginx?: string } = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const node = nodeVersionProblem(process.versions.node)
  results.push(node ? fail('Node', node) : ok('Node', process.versions.node))
  let config: Readonly<Config>
  try {
    config = loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    results.push(fail('configuration', `${err.message}; the other checks need it`))
    return results
  }
  results.push(ok('configuration', 'every variable is valid'))
  if (dialectOf(config.databasePath) === 'postgres') {
    results.push(await postgresCheck(config.databasePath))
  } else if (config.databasePath !== ':memory:') {
    const dataDir = dirname(resolve(config.databasePath))
    results.push(writable('data folder', dataDir, 'the database (and its WAL)'))
    results.push(freeSpace('data disk', dataDir))
  }
  results.push(writable('media folder', config.mediaDir, 'uploaded images'))
  results.push(freeSpace('media disk', config.mediaDir))
  results.push(siteUrlCheck(env.SITE_URL || undefined, config))
  results.push(config.mail ? await smtpCheck(config.mail.smtpUrl) : ok('SMTP', 'SMTP_URL is not set: no mail is sent (nothing to check)'))
  if (config.themeDir) results.push(themeCheck(config.themeDir))
  if (options.nginx) results.push(nginxCheck(options.nginx, config))
  return results
}

/** THEME_DIR: theme.json as the server reads it at start, and what the theme replaces or holds unused. */
export function themeCheck(dir: string): CheckResult {
  try {
    const theme = loadTheme(dir, VIEWS_DIR)
    const { warnings } = themeReport(theme)
    const replaced = [...theme.overrides.keys()].sort()
    const what = `${theme.name} ${theme.version} replaces ${replaced.length ? replaced.join(', ') : 'no template'}`
    // Files not used (a typo, an old name) are mistakes to fix; replacing a template that is not a stable override
    // point is a choice, said but not failed.
    const detail = [what, ...warnings].join('; ')
    return theme.unmatched.length || theme.aliased.length ? fail('theme', detail) : ok('theme', detail)
  } catch (err) {
    if (err instanceof ThemeError) return fail('theme', err.message)
    throw err
  }
}

/** `ok    name: detail` or `FAIL  name: detail`, one line each. */
export function formatResults(results: CheckResult[]): string {
  return results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}: ${r.detail}`).join('\n')
}
