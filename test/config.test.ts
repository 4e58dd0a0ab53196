import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'
import { dialectOf } from '../src/db/dialect.ts'

describe('configuration', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({})
    expect(c.port).toBe(3000)
    expect(c.databasePath).toBe('./data/carnet.db')
    expect(c.siteUrl).toBe('http://localhost:3000')
    expect(c.initialSettings).toEqual({ title: 'Carnet', description: '', language: 'fr', timezone: 'Europe/Paris' })
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('puts images in a media folder beside the database unless MEDIA_DIR says otherwise, 20 MB at most by default', () => {
    expect(loadConfig({ DATABASE_URL: '/var/lib/carnet/blog.db' })).toMatchObject({
      mediaDir: '/var/lib/carnet/media',
      mediaMaxBytes: 20 * 1024 * 1024,
    })
    // Relative folders are resolved from where the server starts (the folder is served and named in backups).
    expect(loadConfig({}).mediaDir).toBe(resolve('data/media'))
    expect(loadConfig({ DATABASE_URL: 'postgres://carnet@db.example.org/carnet' }).mediaDir).toBe(resolve('data/media'))
    expect(loadConfig({ MEDIA_DIR: '/srv/shared/media', MEDIA_MAX_BYTES: '5000000' })).toMatchObject({
      mediaDir: '/srv/shared/media',
      mediaMaxBytes: 5_000_000,
    })
    expect(() => loadConfig({ MEDIA_MAX_BYTES: '20MB' })).toThrow(
      'Invalid configuration: MEDIA_MAX_BYTES must be a number of bytes (got "20MB")',
    )
    expect(() => loadConfig({ MEDIA_MAX_BYTES: '10' })).toThrow(ConfigError)
  })

  it('reads the contract variables', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: '/var/lib/carnet/blog.db',
      SITE_URL: 'https://blog.example.org/',
      BLOG_TITLE: 'Mon carnet',
      BLOG_DESCRIPTION: 'Des notes',
      BLOG_LANGUAGE: 'en',
      BLOG_TIMEZONE: 'America/New_York',
    })
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', databasePath: '/var/lib/carnet/blog.db', siteUrl: 'https://blog.example.org' })
    expect(c.initialSettings).toEqual({ title: 'Mon carnet', description: 'Des notes', language: 'en', timezone: 'America/New_York' })
  })

  it('takes a postgres:// or postgresql:// URL as PostgreSQL, anything else as a SQLite file', () => {
    for (const url of ['postgres://carnet:s3cret@db.internal:5432/carnet', 'postgresql://carnet@localhost/carnet']) {
      const c = loadConfig({ DATABASE_URL: url })
      expect(c.databasePath).toBe(url)
      expect(dialectOf(c.databasePath)).toBe('postgres')
      expect(c.databasePoolSize).toBe(10)
    }
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db', DATABASE_POOL_SIZE: '25' }).databasePoolSize).toBe(25)
    // Below nginx's proxy_read_timeout (30 s) by default, twice over plus a second (test/ops/nginx-conf.test.ts).
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db' }).databaseTimeoutMs).toBe(5000)
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db', DATABASE_TIMEOUT_SECONDS: '0.5' }).databaseTimeoutMs).toBe(500)
    for (const [given, path] of [
      ['sqlite:///srv/blog.db', '/srv/blog.db'],
      ['file:data/blog.db', 'data/blog.db'],
      ['./postgres/blog.db', './postgres/blog.db'],
    ]) {
      const c = loadConfig({ DATABASE_URL: given })
      expect(c.databasePath).toBe(path)
      expect(dialectOf(c.databasePath)).toBe('sqlite')
    }
  })

  it.each([
    ['DATABASE_POOL_SIZE', '0', /^Invalid configuration: DATABASE_POOL_SIZE must be between 1 and 1000/],
    ['DATABASE_POOL_SIZE', 'many', /^Invalid configuration: DATABASE_POOL_SIZE must be a number/],
    ['DATABASE_TIMEOUT_SECONDS', '0', /^Invalid configuration: DATABASE_TIMEOUT_SECONDS must be between 0.1 and 300 seconds/],
    ['DATABASE_TIMEOUT_SECONDS', 'soon', /^Invalid configuration: DATABASE_TIMEOUT_SECONDS must be a number of seconds/],
    // The URL may hold a password: never echoed.
    [
      'DATABASE_URL',
      'postgres://carnet:s3cret@[bad/carnet',
      /^Invalid configuration: DATABASE_URL must be a valid postgres:\/\/.*\(got a hidden value\)$/,
    ],
    ['PORT', 'abc', /^Invalid configuration: PORT must be a number/],
    ['PORT', '70000', /^Invalid configuration: PORT must be between 0 and 65535/],
    ['SITE_URL', 'blog.example.org', /^Invalid configuration: SITE_URL must be an absolute http\(s\) URL/],
    ['SITE_URL', 'ftp://blog.example.org', /^Invalid configuration: SITE_URL must be an absolute/],
    ['BLOG_LANGUAGE', 'de', /^Invalid configuration: BLOG_LANGUAGE must be fr or en \(got "de"\)$/],
    ['BLOG_TIMEZONE', 'Mars/Olympus', /^Invalid configuration: BLOG_TIMEZONE must be an IANA time zone/],
    ['TRUST_PROXY', 'nginx', /^Invalid configuration: TRUST_PROXY must be false, true, or the comma-separated addresses/],
    ['TRUST_PROXY', '10.0.0.0/33', /^Invalid configuration: TRUST_PROXY must be false, true/],
  ])('refuses %s=%s with a clear one-line message', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    try {
      loadConfig({ [name]: value })
    } catch (err) {
      expect((err as Error).message).toMatch(message)
      expect((err as Error).message).not.toContain('\n')
    }
  })

  it('TRUST_PROXY: off by default, true, or the proxies’ addresses and networks only', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '127.0.0.2, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual(['127.0.0.2', '10.0.0.0/8', 'fd00::/8'])
  })

  it('stops the real server with exit code 1 and one line, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carnet-config-'))
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        env: { ...process.env, PORT: 'eighty', DATABASE_URL: join(dir, 'x.db') },
        encoding: 'utf8',
        timeout: 15_000,
      })
      expect(run.status).toBe(1)
      expect(run.stderr.trim()).toBe('Invalid configuration: PORT must be a number (got "eighty")')
      // Nothing was created for a configuration that was refused.
      expect(() => statSync(join(dir, 'x.db'))).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    }
  })

  it('creates the database folder on first start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carnet-config-'))
    try {
      const { openBlog } = await import('../src/blog.ts')
      const path = join(dir, 'deep', 'er', 'carnet.db')
      const { db, sqlite } = await openBlog({ databasePath: path, initialSettings: loadConfig({}).initialSettings, demoContent: false })
      expect(statSync(path).isFile()).toBe(true)
      expect(sqlite!.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(sqlite!.pragma('foreign_keys', { simple: true })).toBe(1)
      await db.destroy()
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    }
  })
})
