// `npm run cli -- doctor`, run as operators run it (a real child process), against real folders (read-only and
// tiny filesystems), a real SMTP server and a closed port, the database of the project (SQLite or PostgreSQL),
// and the nginx configuration the project ships.
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { nginxBodyLimit, nodeVersionProblem, siteUrlCheck } from '../../src/ops/doctor.ts'
import { useTempDir } from '../helpers/app.ts'
import { runCli } from '../helpers/cli.ts'
import { createTestDatabase, testDialect, type TestDatabase } from '../helpers/database.ts'
import { NGINX_CONF } from '../helpers/nginx.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'
import { mountTmpfs } from '../helpers/tmpfs.ts'

/** `{ name: line }` of the doctor's output; every line is `ok    name: …` or `FAIL  name: …`. */
function linesByName(stdout: string): Record<string, string> {
  const lines = stdout.trimEnd().split('\n')
  for (const line of lines) expect(line).toMatch(/^(ok {4}|FAIL {2})[^:]+: \S/)
  return Object.fromEntries(lines.map((l) => [l.slice(6, l.indexOf(':')), l]))
}

describe('npm run cli -- doctor', () => {
  const tmp = useTempDir('doctor')
  let database: TestDatabase
  let smtp: TestSmtp
  beforeAll(async () => {
    smtp = await startSmtp()
  })
  afterAll(() => smtp.stop())
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  const env = () => ({
    ...database.env,
    DATABASE_URL: database.url,
    MEDIA_DIR: join(tmp.path, 'media'),
    SITE_URL: 'https://blog.example.org',
    NODE_ENV: 'production',
  })

  it('with good settings: one ok line per check, exit 0', async () => {
    const run = await runCli(['doctor', '--nginx', NGINX_CONF], { ...env(), SMTP_URL: smtp.url, MEDIA_MAX_BYTES: '1024' })
    expect(run.stderr).toBe('')
    const lines = linesByName(run.stdout)
    expect(Object.values(lines).filter((l) => !l.startsWith('ok'))).toEqual([])
    expect(lines.Node).toContain(process.versions.node)
    expect(lines.SMTP).toBe(`ok    SMTP: 127.0.0.1:${smtp.port} answers (EHLO ok)`)
    expect(lines.SITE_URL).toBe('ok    SITE_URL: https://blog.example.org')
    expect(lines.nginx).toMatch(/^ok {4}nginx: client_max_body_size \S+ for \/admin\/media/)
    if (testDialect() === 'postgres')
      expect(lines.PostgreSQL).toMatch(/^ok {4}PostgreSQL: version \d+\.\d+.*, unaccent (created|available)/)
    else expect(lines['data folder']).toBe(`ok    data folder: ${tmp.path} is writable`)
    expect(run.code).toBe(0)
  })

  it('says what to do about a read-only folder, a full disk, a SITE_URL with a path, an SMTP port that refuses, a small nginx limit', async () => {
    const readOnly = mountTmpfs('doctor-ro', '1m', ['ro'])
    const closed = await startSmtp()
    const smtpUrl = closed.url
    await closed.stop()
    try {
      const run = await runCli(['doctor', '--nginx', NGINX_CONF], {
        ...env(),
        MEDIA_DIR: join(readOnly.path, 'media'),
        SITE_URL: 'https://example.org/blog',
        SMTP_URL: smtpUrl,
        MEDIA_MAX_BYTES: String(1024 * 1024 * 1024),
      })
      const lines = linesByName(run.stdout)
      expect(lines['media folder']).toMatch(
        new RegExp(`^FAIL  media folder: ${readOnly.path} is not writable \\(.*EROFS.*\\): .*write access$`),
      )
      expect(lines['media disk']).toMatch(/^FAIL {2}media disk: only \d+(\.\d)? MB free on the disk of .*: free some space/)
      expect(lines.SITE_URL).toBe(
        'FAIL  SITE_URL: has a path (/blog): Carnet serves from the root of its host; give it a host of its own, e.g. https://example.org',
      )
      expect(lines.SMTP).toMatch(/^FAIL {2}SMTP: 127\.0\.0\.1:\d+ did not accept us: .*ECONNREFUSED.*; check SMTP_URL/)
      expect(lines.nginx).toMatch(/^FAIL {2}nginx: client_max_body_size \S+ for \/admin\/media is below MEDIA_MAX_BYTES \(1024 MB\)/)
      expect(lines.nginx).toContain('set client_max_body_size 1025m for location /admin/media')
      expect(run.code).toBe(1)
    } finally {
      readOnly.unmount()
    }
  })

  it('an invalid variable: the configuration line says which, exit 1', async () => {
    const run = await runCli(['doctor'], { ...env(), SITE_URL: 'blog.example.org' })
    const lines = linesByName(run.stdout)
    expect(lines.configuration).toMatch(/^FAIL {2}configuration: Invalid configuration: SITE_URL must be an absolute http\(s\) URL/)
    expect(run.code).toBe(1)
  })

  it('a wrong argument: usage, exit 2', async () => {
    const run = await runCli(['doctor', '--nginx'], env())
    expect(run.stderr).toContain('Usage: npm run cli -- doctor [--nginx <file>]')
    expect(run.code).toBe(2)
  })
})

describe('the doctor’s rules', () => {
  it.each([
    ['20.20.2', false],
    ['22.12.0', false],
    ['22.22.0', true],
    ['22.23.5', true],
    ['23.11.0', false],
    ['24.0.0', false],
    ['24.22.3', true],
    ['26.1.0', true],
  ])('Node %s supported: %s', (version, supported) => {
    expect(nodeVersionProblem(version) === null).toBe(supported)
  })

  it('SITE_URL: a query, credentials, plain http or localhost in production fail', () => {
    const production = loadConfig({ NODE_ENV: 'production' })
    expect(siteUrlCheck('https://example.org/?lang=fr', production).detail).toBe('has a query or fragment: set it to https://example.org')
    expect(siteUrlCheck('https://me:pw@example.org', production).ok).toBe(false)
    expect(siteUrlCheck('http://example.org', production).ok).toBe(false)
    expect(siteUrlCheck('https://localhost', production).ok).toBe(false)
    expect(siteUrlCheck(undefined, production).ok).toBe(false)
    expect(siteUrlCheck(undefined, loadConfig({})).ok).toBe(true)
    expect(siteUrlCheck('https://example.org/', production)).toEqual({ name: 'SITE_URL', ok: true, detail: 'https://example.org' })
  })

  it('nginx: the longest matching location wins over its server, the server over the top level, 1m by default', () => {
    const server = (body: string) => `client_max_body_size 8m;\nserver {\n  listen 80;\n${body}\n}\n`
    expect(nginxBodyLimit(server('  client_max_body_size 2m;'), '/admin/media')).toEqual({ bytes: 2 * 1024 ** 2, value: '2m' })
    expect(nginxBodyLimit(server(''), '/admin/media')?.value).toBe('8m')
    expect(nginxBodyLimit('server { listen 80; }', '/admin/media')?.value).toBe('1m')
    const locations = server(
      '  client_max_body_size 2m;\n  location / { proxy_pass http://x; }\n' +
        '  location /admin/ { client_max_body_size 30m; }\n  location /admin/media { client_max_body_size 25M; }\n' +
        '  location /other { client_max_body_size 99m; } # client_max_body_size 1k;',
    )
    expect(nginxBodyLimit(locations, '/admin/media')?.value).toBe('25M')
    expect(nginxBodyLimit(locations, '/admin/posts')?.value).toBe('30m')
    expect(nginxBodyLimit(locations, '/')?.value).toBe('2m')
    expect(nginxBodyLimit(server('  client_max_body_size 0;'), '/admin/media')?.bytes).toBe(Infinity)
    expect(nginxBodyLimit('upstream carnet { server 127.0.0.1:3001; }', '/')).toBeNull()
  })
})
