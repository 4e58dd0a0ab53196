// Configuration comes from the environment, is validated once at start-up and is frozen.
// The variable names are a contract with the people and tools that run Carnet: keep them stable.
import { dirname, join, resolve } from 'node:path'
import { isIP } from 'node:net'
import { z } from 'zod'
import { dialectOf } from './db/dialect.ts'

const LANGUAGES = ['fr', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value })
    return true
  } catch {
    return false
  }
}

const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))

const BOOLEAN_WORDS = ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']

/** An IP address, or a network as address/prefix (10.0.0.0/8, fd00::/8). */
function isAddressOrNetwork(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/')
  if (rest.length || !address) return false
  const version = isIP(address)
  if (!version) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128))
}

/**
 * true/false, or the proxies' addresses: only a request coming from one of them has its X-Forwarded-For read
 * (a client that reaches the instance directly cannot choose the address rate limits see).
 */
const trustProxy = z
  .string()
  .refine((v) => BOOLEAN_WORDS.includes(v) || v.split(',').every((a) => isAddressOrNetwork(a.trim())), {
    error: 'must be false, true, or the comma-separated addresses of the proxies (e.g. 127.0.0.1,10.0.0.0/8)',
  })
  .transform((v): boolean | readonly string[] =>
    BOOLEAN_WORDS.includes(v) ? ['1', 'true', 'yes', 'on'].includes(v) : Object.freeze(v.split(',').map((a) => a.trim())),
  )

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be between 0 and 65535' })
    .max(65535, { error: 'must be between 0 and 65535' })
    .default(3000),
  HOST: z.string().min(1, { error: 'must not be empty' }).default('localhost'),
  DATABASE_URL: z
    .string()
    .min(1, { error: 'must be a SQLite file path or a postgres:// URL' })
    .default('./data/carnet.db')
    // postgres:// and postgresql:// URLs open PostgreSQL (src/db/dialect.ts); anything else is a SQLite file, and
    // the `sqlite:` / `file:` spellings other tools use for the same thing are accepted.
    .transform((v) => (dialectOf(v) === 'postgres' ? v : v.replace(/^(sqlite|file):(\/\/)?/, '')))
    .refine((v) => dialectOf(v) === 'sqlite' || URL.canParse(v), {
      error: 'must be a valid postgres://user:password@host:port/database URL',
    }),
  /** PostgreSQL only: connections each instance keeps open. */
  DATABASE_POOL_SIZE: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be between 1 and 1000' })
    .max(1000, { error: 'must be between 1 and 1000' })
    .default(10),
  /**
   * PostgreSQL only: seconds a request waits for a connection, and a statement may run, before the blog answers
   * 503 with Retry-After (a server that does not answer at all gets one second more). A request is answered within
   * twice that (12 s by default): keep the reverse proxy's read timeout above (nginx: proxy_read_timeout 30s).
   */
  DATABASE_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0.1, { error: 'must be between 0.1 and 300 seconds' })
    .max(300, { error: 'must be between 0.1 and 300 seconds' })
    .default(5),
  SITE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://blog.example.org' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  BLOG_TITLE: z.string().trim().min(1, { error: 'must not be empty' }).max(200).default('Carnet'),
  BLOG_DESCRIPTION: z.string().trim().max(500).default(''),
  BLOG_LANGUAGE: z.enum(LANGUAGES, { error: 'must be fr or en' }).default('fr'),
  BLOG_TIMEZONE: z.string().refine(isTimeZone, { error: 'must be an IANA time zone, e.g. Europe/Paris' }).default('Europe/Paris'),
  /** Load the demo posts into a brand-new database (default on). */
  DEMO_CONTENT: boolish.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For (rate limits need it). */
  TRUST_PROXY: trustProxy.default(false),
  // ---- comments ----
  /** Comments a visitor (one IP address) may post per minute; 0 = no limit. */
  COMMENT_RATE_LIMIT: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be 0 (no limit) or more' })
    .max(100_000, { error: 'must be at most 100000' })
    .default(5),
  // ---- admin ----
  /** Key of the admin session cookie, 64 hex characters; default: a key file next to the database. */
  SESSION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { error: 'must be 64 hexadecimal characters (e.g. openssl rand -hex 32)' })
    .optional(),
  // ---- mail ----
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (implicit TLS); unset: no e-mail. */
  SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      hostname: z.regexes.hostname,
      error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.org:587',
    })
    .optional(),
  /** The From of every mail: `Blog <blog@example.org>` or `blog@example.org`; default noreply@ the site's host. */
  MAIL_FROM: z
    .string()
    .trim()
    .regex(/^(?:[^<>@\r\n]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)$/, {
      error: 'must be an address, e.g. blog@example.org or "Mon blog <blog@example.org>"',
    })
    .optional(),
  /** Mails one address may get per hour; what comes beyond waits, then goes as one digest. */
  MAIL_PER_HOUR: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(1000, { error: 'must be at most 1000' })
    .default(5),
  /** Seconds before the first new attempt after a temporary failure; it doubles each time, up to an hour. */
  MAIL_RETRY_SECONDS: z.coerce
    .number({ error: 'must be a number' })
    .positive({ error: 'must be more than 0' })
    .max(3600, { error: 'must be at most 3600' })
    .default(30),
  // ---- perf ----
  /** Keep rendered public pages in memory, invalidated by every write (default on; `off` for measuring). */
  PAGE_CACHE: boolish.default(true),
  // ---- media ----
  /** Folder of uploaded images and their resized copies; default: `media` beside the database file. */
  MEDIA_DIR: z.string().min(1).optional(),
  /** Largest image upload, in bytes (default 20 MB); bigger ones are refused while they stream in. */
  MEDIA_MAX_BYTES: z.coerce
    .number({ error: 'must be a number of bytes' })
    .int({ error: 'must be a whole number of bytes' })
    .min(1024, { error: 'must be at least 1024 bytes' })
    .max(1024 * 1024 * 1024, { error: 'must be at most 1 GB' })
    .default(20 * 1024 * 1024),
  // ---- themes ----
  /** A theme's folder (theme.json, views/, static/; docs/themes.md); unset: Carnet's own look. */
  THEME_DIR: z.string().min(1).optional(),
  // ---- the open web ----
  /** Let requests to other sites reach loopback and private addresses (tests on 127.0.0.x, intranets); off by default. */
  OUTBOUND_ALLOW_PRIVATE: boolish.default(false),
  /** How often each instance looks for due background jobs (src/jobs/), in milliseconds; 0: never by itself. */
  JOBS_POLL_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .min(0, { error: 'must be 0 or more' })
    .max(3_600_000, { error: 'must be at most 3600000 (an hour)' })
    .default(2000),
})

/** Every variable the configuration reads (docs/configuration.md lists them all; test/docs.test.ts checks). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape))

export interface Config {
  port: number
  host: string
  /** DATABASE_URL: a SQLite file path, or a postgres:// URL (src/db/dialect.ts tells which). */
  databasePath: string
  /** PostgreSQL's pool size per instance. */
  databasePoolSize: number
  /** PostgreSQL: a connection's wait and a statement's run before a 503, in milliseconds (DATABASE_TIMEOUT_SECONDS). */
  databaseTimeoutMs: number
  siteUrl: string
  /** Used only to fill the settings of a new database. */
  initialSettings: { title: string; description: string; language: Language; timezone: string }
  demoContent: boolean
  logLevel: string
  production: boolean
  /** Whose X-Forwarded-For to believe: nobody's, anybody's (true), or these proxies' addresses / networks only. */
  trustProxy: boolean | readonly string[]
  // ---- comments ----
  /** Comments per minute per IP address; 0 = no limit. */
  commentRateLimit: number
  // ---- admin ----
  /** Admin session key as 64 hex characters, or null to use (and create) `session.key` beside the database. */
  sessionKey: string | null
  // ---- mail ----
  /** Null when SMTP_URL is unset: no mail is sent and no page offers it. */
  mail: Readonly<MailConfig> | null
  // ---- perf ----
  pageCache: boolean
  // ---- media ----
  mediaDir: string
  mediaMaxBytes: number
  // ---- themes ----
  /** Absolute path of the theme's folder, or null for Carnet's own look. */
  themeDir: string | null
  // ---- the open web ----
  /** Requests to other sites may reach loopback and private addresses (src/lib/outbound.ts). */
  outboundAllowPrivate: boolean
  /** 0: the jobs worker never polls by itself (tests run due jobs themselves). */
  jobsPollMs: number
}

export interface MailConfig {
  smtpUrl: string
  from: string
  perHour: number
  retrySeconds: number
}

export class ConfigError extends Error {}

// DATABASE_URL may hold a password, SMTP_URL the SMTP password.
const SECRET_VARIABLES = new Set(['SESSION_KEY', 'DATABASE_URL', 'SMTP_URL'])

/** Validates the environment; throws a ConfigError whose message is one readable line. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  // An empty variable means "not set", as shells and .env files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const name = String(issue.path[0] ?? 'environment')
    // A secret is never echoed into logs, even a malformed one.
    const got = SECRET_VARIABLES.has(name) ? 'a hidden value' : JSON.stringify(present[name] ?? '')
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message} (got ${got})`)
  }
  const e = parsed.data
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseTimeoutMs: Math.round(e.DATABASE_TIMEOUT_SECONDS * 1000),
    siteUrl: e.SITE_URL ?? `http://localhost:${e.PORT}`,
    initialSettings: Object.freeze({
      title: e.BLOG_TITLE,
      description: e.BLOG_DESCRIPTION,
      language: e.BLOG_LANGUAGE,
      timezone: e.BLOG_TIMEZONE,
    }),
    demoContent: e.DEMO_CONTENT,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
    trustProxy: e.TRUST_PROXY,
    commentRateLimit: e.COMMENT_RATE_LIMIT,
    sessionKey: e.SESSION_KEY ?? null,
    mail: e.SMTP_URL
      ? Object.freeze({
          smtpUrl: e.SMTP_URL,
          from: e.MAIL_FROM ?? `noreply@${new URL(e.SITE_URL ?? 'http://localhost').hostname}`,
          perHour: e.MAIL_PER_HOUR,
          retrySeconds: e.MAIL_RETRY_SECONDS,
        })
      : null,
    pageCache: e.PAGE_CACHE,
    // Beside a SQLite file; with a database server (postgres://…) there is no file to sit beside.
    // Absolute: the folder is served (@fastify/static wants an absolute root) and named in backups.
    mediaDir: resolve(
      e.MEDIA_DIR ?? (/^postgres(ql)?:\/\//.test(e.DATABASE_URL) ? join('data', 'media') : join(dirname(e.DATABASE_URL), 'media')),
    ),
    mediaMaxBytes: e.MEDIA_MAX_BYTES,
    themeDir: e.THEME_DIR ? resolve(e.THEME_DIR) : null,
    outboundAllowPrivate: e.OUTBOUND_ALLOW_PRIVATE,
    jobsPollMs: e.JOBS_POLL_MS,
  })
}
