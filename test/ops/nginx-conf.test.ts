// The nginx configuration the project keeps is the one the guide shows (docs/postgresql.md), and the one the nginx
// test runs.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UPLOAD_LIMIT_MB } from '../../src/admin/transfer.admin.ts'
import { loadConfig } from '../../src/config.ts'
import { ANSWER_MARGIN_MS } from '../../src/db/postgres.ts'
import { carnetConf, NGINX_CONF } from '../helpers/nginx.ts'

describe('test/nginx/carnet.conf', () => {
  const conf = readFileSync(NGINX_CONF, 'utf8')

  it('is shown whole in the guide', () => {
    const page = readFileSync(resolve(import.meta.dirname, '../../docs/postgresql.md'), 'utf8')
    expect(page).toContain('```nginx\n' + conf + '```')
  })

  it('is what the nginx test runs, with only the ports changed', () => {
    const run = carnetConf(8080, [4001, 4002, 4003])
    expect(run).toContain('listen 127.0.0.1:8080;')
    expect(run.match(/^ {4}server 127\.0\.0\.1:\d+ .*;$/gm)).toEqual([
      '    server 127.0.0.1:4001 max_fails=3 fail_timeout=10s;',
      '    server 127.0.0.1:4002 max_fails=3 fail_timeout=10s;',
      '    server 127.0.0.1:4003 max_fails=3 fail_timeout=10s;',
    ])
    const unchanged = (text: string) => text.replace(/^ {4}(server 127\.0\.0\.1:\d+ .*;|listen .*;)\n/gm, '')
    expect(unchanged(run)).toBe(unchanged(conf))
    expect(conf).toContain('proxy_set_header X-Forwarded-For $remote_addr;')
  })

  it('lets Carnet answer before nginx gives up, and takes no instance out for one slow moment (issue 30)', () => {
    const readTimeoutMs = Number(/^ +proxy_read_timeout (\d+)s;$/m.exec(conf)![1]) * 1000
    const { databaseTimeoutMs } = loadConfig({ DATABASE_URL: 'postgres://db.internal/carnet' })
    // A request meets at most two waits of the database (src/db/postgres.ts), each with the answer's margin.
    expect(2 * (databaseTimeoutMs + ANSWER_MARGIN_MS)).toBeLessThanOrEqual(readTimeoutMs / 2)
    for (const [, fails] of conf.matchAll(/max_fails=(\d+)/g)) expect(Number(fails)).toBeGreaterThan(1)
    // A POST nginx has sent is never sent again to another instance (no `non_idempotent`).
    expect(conf).not.toMatch(/proxy_next_upstream [^;]*non_idempotent/)
  })

  it('lets through the largest upload Carnet takes with its default settings, so that Carnet answers, not nginx', () => {
    const sizes = [...conf.matchAll(/^\s*client_max_body_size (\d+)([km]?);$/gm)].map(
      ([, n, unit]) => Number(n) * (unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1),
    )
    expect(sizes).toHaveLength(1)
    const limit = sizes[0]!
    // A multipart body's boundaries, headers and small fields (the CSRF token, the alt text).
    const overhead = 64 * 1024
    // The WordPress export to import (the transfer page's limit).
    expect(limit).toBeGreaterThanOrEqual(UPLOAD_LIMIT_MB * 1024 ** 2 + overhead)
    // An image at MEDIA_MAX_BYTES, from the editor without JavaScript: the whole post's text goes with it.
    const POST_TEXT = 2 * 1024 ** 2
    expect(limit).toBeGreaterThanOrEqual(loadConfig({}).mediaMaxBytes + POST_TEXT + overhead)
  })
})
