// The nginx configuration the project keeps is the one the guide shows (docs/postgresql.md), and the one the nginx
// test runs.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
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
      '    server 127.0.0.1:4001 max_fails=1 fail_timeout=10s;',
      '    server 127.0.0.1:4002 max_fails=1 fail_timeout=10s;',
      '    server 127.0.0.1:4003 max_fails=1 fail_timeout=10s;',
    ])
    const unchanged = (text: string) => text.replace(/^ {4}(server 127\.0\.0\.1:\d+ .*;|listen .*;)\n/gm, '')
    expect(unchanged(run)).toBe(unchanged(conf))
    expect(conf).toContain('proxy_set_header X-Forwarded-For $remote_addr;')
  })
})
