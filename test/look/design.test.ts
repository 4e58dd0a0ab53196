// The Appearance screen through the real admin: design settings checked on the server (a colour failing WCAG AA
// refused with its ratio, the form kept), previewed before saving, written as custom properties in a stylesheet
// at a hashed address; the custom stylesheet, capped and hashed, with the Content-Security-Policy unchanged.
import { afterEach, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { DARK_PALETTE, designCss } from '../../src/look/design.ts'
import { contrast, DARK_BACKGROUNDS, DEFAULT_DESIGN, LIGHT_BACKGROUNDS } from '../../src/settings/look.ts'

let blog: TestBlog | undefined
let other: TestBlog | undefined
afterEach(async () => {
  await other?.close()
  await blog?.close()
  blog = other = undefined
})

async function adminBlog(language = 'en'): Promise<{ blog: TestBlog; admin: AdminClient }> {
  blog = await buildTestApp({ demo: false, env: { BLOG_LANGUAGE: language } })
  await createAdmin(blog.app)
  return { blog, admin: await signedIn(blog.app) }
}

const design = (over: Record<string, string> = {}) => ({ ...DEFAULT_DESIGN, ...over, action: 'save' })
const stylesheets = (html: string) => [...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]!)

describe('design settings', () => {
  it('leave an untouched blog as it is: no stylesheet beside carnet.css', async () => {
    const { blog } = await adminBlog()
    const home = (await blog.app.inject('/')).body
    expect(stylesheets(home)).toHaveLength(1)
    expect(stylesheets(home)[0]).toMatch(/^\/static\/css\/carnet\.css\?v=/)
  })

  it('are written as custom properties in a stylesheet whose address holds its hash, kept a year, on every instance at once', async () => {
    const { blog, admin } = await adminBlog()
    other = await buildTestApp({ demo: false, dir: blog.dir, env: { SESSION_KEY: blog.config.sessionKey ?? '' } })
    await other.app.inject('/')
    expect((await other.app.inject('/')).headers['x-page-cache']).toBe('hit')
    const res = await admin.post(
      '/admin/appearance/design',
      design({ accent: '#1D4E89', bodyFont: 'oldstyle', headingFont: 'humanist', width: 'wide', mode: 'system' }),
    )
    expect(res.statusCode, res.body).toBe(303)
    expect((await admin.get(res.headers.location as string)).body).toContain('Appearance saved')

    const home = await other.app.inject('/')
    expect(home.headers['x-page-cache']).not.toBe('hit')
    const href = stylesheets(home.body)[1]!
    expect(href).toMatch(/^\/look\/design-[0-9a-f]{16}\.css$/)
    const css = await other.app.inject(href)
    expect(css.statusCode).toBe(200)
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(css.body).toContain('--accent: #1d4e89;')
    expect(css.body).toContain('--font-body: "Iowan Old Style"')
    expect(css.body).toContain('--font-heading: Seravek')
    expect(css.body).toContain('--measure: 50rem;')
    expect(css.body).toMatch(/@media \(prefers-color-scheme: dark\) \{\n:root \{\n {2}--text: #e8e6e3;/)

    // The old address is gone once the design changes (a cache must not keep today's under yesterday's name).
    await admin.post('/admin/appearance/design', design({ accent: '#0b5d1e' }))
    expect((await blog.app.inject(href)).statusCode).toBe(404)
    expect(stylesheets((await blog.app.inject('/')).body)[1]).not.toBe(href)
  })

  it('refuses an accent that fails 4.5:1 against the light background, with the ratio beside the field and the form kept', async () => {
    const { blog, admin } = await adminBlog()
    const before = blog.app.settings.get()
    const res = await admin.post('/admin/appearance/design', design({ accent: '#FFCC00', bodyFont: 'geometric', width: 'narrow' }))
    expect(res.statusCode).toBe(400)
    // #ffcc00 on #fdfcfa: 1.45:1 (1.38 on the header's panel, the lower one is shown).
    const ratio = contrast('#ffcc00', LIGHT_BACKGROUNDS.panel)
    expect(res.body).toContain(`Contrast too low: ${(Math.floor(ratio * 100) / 100).toFixed(2)}:1 against the background`)
    expect(res.body).toMatch(
      /<input id="accent" name="accent" type="color" class="colour" value="#ffcc00" aria-describedby="accent-error" aria-invalid="true">/,
    )
    expect(res.body).toMatch(/<option value="geometric" selected>/)
    expect(res.body).toMatch(/value="narrow" checked/)
    expect(blog.app.settings.get()).toBe(before)
  })

  it('checks the dark accent against the dark background only when dark can be shown, and says the ratio in French', async () => {
    const { blog, admin } = await adminBlog('fr')
    const darkFail = await admin.post('/admin/appearance/design', design({ accentDark: '#5a2010', mode: 'dark' }))
    expect(darkFail.statusCode).toBe(400)
    const ratio = Math.floor(contrast('#5a2010', DARK_BACKGROUNDS.panel) * 100) / 100
    expect(darkFail.body).toContain(
      `Contraste trop faible : ${ratio.toFixed(2).replace('.', ',')}:1 contre le fond, il faut au moins 4,5:1`,
    )
    expect(darkFail.body).toContain('aria-describedby="accentDark-help accentDark-error" aria-invalid="true"')
    // Light only: the dark accent is never shown, not checked.
    expect(
      (await admin.post('/admin/appearance/design', design({ accentDark: '#5a2010', mode: 'light', width: 'narrow' }))).statusCode,
    ).toBe(303)
    expect(blog.app.settings.get().design.width).toBe('narrow')
  })

  it('refuses values outside the lists, and never answers 500 to odd input', async () => {
    const { blog, admin } = await adminBlog()
    const before = blog.app.settings.get()
    const bads: Array<Record<string, string>> = [
      { accent: 'red' },
      { accent: '#12345' },
      { bodyFont: 'Comic Sans' },
      { headingFont: '' },
      { width: '999' },
      { mode: 'sepia' },
      { accent: '#000000; } body { display: none' },
    ]
    for (const bad of bads) {
      const res = await admin.post('/admin/appearance/design', design(bad))
      expect(res.statusCode, JSON.stringify(bad)).toBe(400)
      expect(res.body).toContain('The form has errors')
    }
    expect(blog.app.settings.get()).toBe(before)
  })

  it('is previewed on the public layout before it is saved, nothing public changing until Save', async () => {
    const { blog, admin } = await adminBlog()
    const homeBefore = (await blog.app.inject('/')).body
    const preview = await admin.post('/admin/appearance/design', { ...design({ accent: '#0b5d1e', mode: 'dark' }), action: 'preview' })
    expect(preview.statusCode).toBe(200)
    expect(preview.body).toContain('Preview: nothing is saved yet.')
    expect(preview.body).toContain('<aside class="sidebar">')
    const href = stylesheets(preview.body).find((h) => h.startsWith('/look/preview.css?'))!
    expect(href).toBeDefined()
    const css = await admin.get(href.replace(/&amp;/g, '&'))
    expect(css.statusCode).toBe(200)
    expect(css.headers['cache-control']).toBe('no-store')
    expect(css.body).toContain('--accent: #0b5d1e;')
    expect(css.body).toContain('color-scheme: dark;')
    // Only a design comes out of it: anything else in the address is refused.
    const forged = href.replace(/&amp;/g, '&').replace('%230b5d1e', encodeURIComponent('red;} body{display:none'))
    expect((await blog.app.inject(forged)).statusCode).toBe(400)
    expect((await blog.app.inject('/')).body).toBe(homeBefore)
    expect(blog.app.settings.get().design).toEqual(DEFAULT_DESIGN)

    // Save from the preview: the hidden fields carry the values.
    const fields = Object.fromEntries(
      [...preview.body.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    )
    expect((await admin.post('/admin/appearance/design', { ...fields, action: 'save' })).statusCode).toBe(303)
    expect(blog.app.settings.get().design).toMatchObject({ accent: '#0b5d1e', mode: 'dark' })
  })

  it('has a dark palette whose text colours pass AA on both dark backgrounds', () => {
    for (const name of ['--text', '--muted', '--error', '--ok']) {
      for (const bg of Object.values(DARK_BACKGROUNDS)) expect(contrast(DARK_PALETTE[name]!, bg), name).toBeGreaterThanOrEqual(4.5)
    }
    expect(contrast(DEFAULT_DESIGN.accentDark, DARK_BACKGROUNDS.panel)).toBeGreaterThanOrEqual(4.5)
    expect(contrast(DARK_PALETTE['--on-accent']!, DEFAULT_DESIGN.accentDark)).toBeGreaterThanOrEqual(4.5)
    expect(designCss({ ...DEFAULT_DESIGN, mode: 'light' })).not.toContain('#e8e6e3')
  })
})

describe('custom CSS', () => {
  it('is served from the blog at a hashed address, kept a year, with the Content-Security-Policy unchanged', async () => {
    const { blog, admin } = await adminBlog()
    const cspBefore = (await blog.app.inject('/')).headers['content-security-policy']
    expect(cspBefore).toContain("style-src 'self'")
    const rules = '.site-title { letter-spacing: 0.1em; }\r\n/* é */\n'
    expect((await admin.post('/admin/appearance/css', { customCss: rules })).statusCode).toBe(303)
    const home = await blog.app.inject('/')
    expect(home.headers['content-security-policy']).toBe(cspBefore)
    const href = stylesheets(home.body).at(-1)!
    expect(href).toMatch(/^\/look\/custom-[0-9a-f]{16}\.css$/)
    const css = await blog.app.inject(href)
    expect(css.statusCode).toBe(200)
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(css.headers['content-security-policy']).toBe(cspBefore)
    expect(css.body).toBe('.site-title { letter-spacing: 0.1em; }\n/* é */\n')
    // Emptied: no link at all.
    await admin.post('/admin/appearance/css', { customCss: '' })
    expect(stylesheets((await blog.app.inject('/')).body)).toHaveLength(1)
    expect((await blog.app.inject(href)).statusCode).toBe(404)
  })

  it('is refused beyond 50 KB with a clear message, the text kept and nothing saved', async () => {
    const { blog, admin } = await adminBlog()
    const big = `/* ${'x'.repeat(51 * 1024)} */`
    const res = await admin.post('/admin/appearance/css', { customCss: big })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('The stylesheet is 51 KB: at most 50 KB. Nothing was saved.')
    expect(res.body).toContain(big)
    expect(blog.app.settings.get().customCss).toBe('')
    // Far beyond (more than a form's usual limit): the same answer, not a bare error.
    const huge = await admin.post('/admin/appearance/css', { customCss: 'a'.repeat(120 * 1024) })
    expect(huge.statusCode).toBe(400)
    expect(huge.body).toContain('at most 50 KB')
  })

  it('refuses @import, however written', async () => {
    const { blog, admin } = await adminBlog()
    for (const css of ['@import url(https://evil.example/x.css);', '@IMPORT "x.css";', '@\\69mport url(//evil.example/x.css);']) {
      const res = await admin.post('/admin/appearance/css', { customCss: css })
      expect(res.statusCode, css).toBe(400)
      expect(res.body).toContain('@import is not accepted')
    }
    expect(blog.app.settings.get().customCss).toBe('')
  })
})
