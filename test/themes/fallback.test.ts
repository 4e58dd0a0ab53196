// A theme's template that fails to render (a syntax error, an error while running) is replaced by Carnet's own,
// and the failure is logged once per template, not once per request.
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, SEED_PATH, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'
import { logRecords } from '../helpers/comments.ts'
import { writeTheme } from './helpers.ts'

interface LogRecord {
  level: number
  msg: string
  template?: string
}

describe('a theme template that fails', () => {
  const tmp = useTempDir('theme-fallback')
  let blog: TestBlog | undefined
  afterEach(async () => {
    await blog?.close()
    blog = undefined
  })

  for (const production of [false, true]) {
    it(`falls back to Carnet's own and logs once per template (${production ? 'production' : 'development'})`, async () => {
      const theme = writeTheme(tmp.path, {
        // Does not compile.
        'views/partials/footer.eta': '<footer><p><%= it.site.title </p></footer>\n',
        // Compiles, fails while rendering.
        'views/posts/meta.eta': '<p><%= it.post.nothing.here %></p>\n',
        // Works, and stays the theme's.
        'views/partials/header.eta': '<header><p class="theme-header"><%= it.site.title %></p></header>\n',
      })
      const { records, logger } = logRecords<LogRecord>()
      blog = await buildTestApp({ env: { THEME_DIR: theme, PAGE_CACHE: 'off', NODE_ENV: production ? 'production' : 'test' }, logger })
      for (const path of ['/', SEED_PATH, '/', '/?page=2', SEED_PATH]) {
        const res = await blog.app.inject(path)
        expect(res.statusCode, path).toBe(200)
        // Carnet's footer and metadata line, the theme's header.
        expect(res.body, path).toContain('<footer class="site-footer">')
        expect(visibleText(res.body), path).toContain('Commentaires (')
        expect(res.body, path).toContain('<p class="theme-header">Carnet</p>')
      }
      const errors = records.filter((r) => r.level === 50)
      expect(errors.map((r) => r.template).sort()).toEqual(['partials/footer.eta', 'posts/meta.eta'])
      expect(errors.map((r) => r.msg)).toContain("theme essai: posts/meta.eta failed to render; Carnet's own is used instead")
    })
  }

  it('a broken layout falls back too: the page is still served', async () => {
    const theme = writeTheme(tmp.path, { 'views/layouts/main.eta': '<html><% throw new Error("theme bug") %></html>\n' })
    const { records, logger } = logRecords<LogRecord>()
    blog = await buildTestApp({ env: { THEME_DIR: theme, PAGE_CACHE: 'off' }, logger })
    for (const path of [SEED_PATH, '/nowhere']) {
      const res = await blog.app.inject(path)
      expect(res.body).toContain('<footer class="site-footer">')
    }
    expect((await blog.app.inject(SEED_PATH)).statusCode).toBe(200)
    expect(records.filter((r) => r.level === 50).map((r) => r.template)).toEqual(['layouts/main.eta'])
  })
})
