// A theme's static/ is served under /theme/<name>/, linked with an address that carries the file's hash (kept a
// year by browsers), and nothing outside static/ can be reached through it.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, useTempDir, type TestBlog } from '../helpers/app.ts'
import { writeTheme } from './helpers.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CSS = 'body { color: #123456; }\n'
const HASH = createHash('sha256').update(CSS).digest('hex').slice(0, 12)

describe("a theme's static files", () => {
  let dir: string
  let blog: TestBlog
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-theme-static-'))
    const theme = writeTheme(dir, {
      'views/partials/head-extras.eta': '<link rel="stylesheet" href="<%= it.theme.asset(\'css/theme.css\') %>">\n',
      'static/css/theme.css': CSS,
      'static/.secret': 'dotfile-secret-content\n',
      'private.txt': 'beside static/, not in it\n',
    })
    blog = await buildTestApp({ env: { THEME_DIR: theme } })
  })
  afterAll(async () => {
    await blog.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  it('are linked from the page with their hash, and served under the theme’s prefix for a year', async () => {
    const home = await blog.app.inject('/')
    const address = `/theme/essai/css/theme.css?v=${HASH}`
    expect(home.body).toContain(`<link rel="stylesheet" href="${address}">`)
    // After Carnet's own stylesheet, so the theme's rules win.
    expect(home.body.indexOf(address)).toBeGreaterThan(home.body.indexOf('/static/css/carnet.css'))
    const css = await blog.app.inject(address)
    expect(css.statusCode).toBe(200)
    expect(css.body).toBe(CSS)
    expect(css.headers['content-type']).toMatch(/^text\/css/)
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    // Without the hash, it is revalidated.
    const plain = await blog.app.inject('/theme/essai/css/theme.css')
    expect(plain.headers['cache-control']).toBe('public, max-age=3600')
  })

  it('refuse paths out of static/, dotfiles and other names', async () => {
    for (const path of [
      '/theme/essai/../theme.json',
      '/theme/essai/%2e%2e/theme.json',
      '/theme/essai/%2e%2e%2fprivate.txt',
      '/theme/essai/..%2f..%2fpackage.json',
      '/theme/essai/css/..%5c..%5cprivate.txt',
      '/theme/essai/.secret',
      '/theme/other/css/theme.css',
      '/theme/essai/views/partials/head-extras.eta',
    ]) {
      const res = await blog.app.inject(path)
      expect([403, 404], path).toContain(res.statusCode)
      expect(res.body, path).not.toContain('beside static/')
      expect(res.body, path).not.toContain('"carnet"')
      expect(res.body, path).not.toContain('dotfile-secret-content')
      expect(res.body, path).not.toContain('"name": "carnet"')
    }
  })
})

describe('a theme without static/', () => {
  const tmp = useTempDir('theme-nostatic')
  it('starts, and /theme/ answers 404', async () => {
    const blog = await buildTestApp({ env: { THEME_DIR: writeTheme(tmp.path, {}) } })
    try {
      expect((await blog.app.inject('/theme/essai/x.css')).statusCode).toBe(404)
      expect((await blog.app.inject('/')).statusCode).toBe(200)
    } finally {
      await blog.close()
    }
  })
})
