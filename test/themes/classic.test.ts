// The classic theme shipped in themes/classic: it loads with no warning, replaces public override points only,
// and its pages show the model page's shape (the date band above each post, its footer line in lists too).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OVERRIDE_POINTS } from '../../src/http/theme.ts'
import { PROJECT_ROOT } from '../../src/lib/root.ts'
import { buildTestApp, expectInOrder, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'
import { logRecords } from '../helpers/comments.ts'

const CLASSIC = join(PROJECT_ROOT, 'themes', 'classic')

interface LogRecord {
  level: number
  msg: string
  overrides?: string[]
}

describe('the classic theme', () => {
  let blog: TestBlog
  const { records, logger } = logRecords<LogRecord>()
  beforeAll(async () => {
    blog = await buildTestApp({ env: { THEME_DIR: CLASSIC }, logger })
  })
  afterAll(() => blog.close())

  it('loads with no warning and replaces public override points only', () => {
    expect(blog.app.theme?.name).toBe('classic')
    expect(records.filter((r) => r.level >= 40)).toEqual([])
    const overrides = records.find((r) => r.msg.startsWith('theme classic'))!.overrides!
    expect(overrides.length).toBeGreaterThanOrEqual(4)
    for (const template of overrides) expect(OVERRIDE_POINTS).toContain(template)
  })

  it('shows the post as the model page: date band, title, text, footer line, comments', async () => {
    const res = await blog.app.inject(SEED_PATH)
    expect(res.statusCode).toBe(200)
    expect(res.body).toMatch(/<link rel="stylesheet" href="\/theme\/classic\/css\/classic\.css\?v=[0-9a-f]{12}">/)
    expect(res.body).toContain('class="site-header classic-banner"')
    expectInOrder(visibleText(mainOf(res.body)), [
      '01/10/2017',
      "Syrie : Daech s'empare d'Al-Qaryatayn",
      'Jean René Belliard',
      '19:08 Publié dans Abou Bakr al-Baghdadi, Al-Qaryatayn, Armée Arabe Syrienne, Etat Islamique, Syrie | Lien permanent | Commentaires (2)',
      'Commentaires',
      'Écrit par : Daniel | 03/10/2017',
      'Écrit par : Belliard | 03/10/2017',
      'Les commentaires sont fermés.',
    ])
    expect(res.body).toContain('<article id="comment-')
    expect(res.body).toContain('class="classic-comment')
    expect(visibleText(res.body)).toContain('thème classique')
  })

  it('puts the model page’s footer line under each post of a list, its permanent link included', async () => {
    const res = await blog.app.inject('/category/syrie')
    const main = mainOf(res.body)
    const lines = main.match(/<p class="post-footer classic-meta">/g) ?? []
    expect(lines.length).toBe((main.match(/<article class="post post-summary h-entry">/g) ?? []).length)
    expect(visibleText(main)).toMatch(/\d\d:\d\d Publié dans [^|]*\| Lien permanent : [^|]*\| Commentaires \(\d+\)/)
  })

  it('serves its stylesheet under /theme/classic/, kept a year', async () => {
    const page = await blog.app.inject('/')
    const address = /href="(\/theme\/classic\/css\/classic\.css\?v=[0-9a-f]+)"/.exec(page.body)![1]!
    const css = await blog.app.inject(address)
    expect(css.statusCode).toBe(200)
    expect(css.body).toContain('.classic-banner')
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('speaks English on an English blog', async () => {
    await blog.app.settings.update({ language: 'en' })
    try {
      const text = visibleText((await blog.app.inject('/')).body)
      expect(text).toContain('classic theme')
      expect(text).toContain('Permalink')
    } finally {
      await blog.app.settings.update({ language: 'fr' })
    }
  })
})
