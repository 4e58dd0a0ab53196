import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, expectInOrder, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'

// The model page, as a browser copied it: the test compares our page with it line by line.
const seedLines = readFileSync(new URL('../../src/demo/seed-post.ts', import.meta.url), 'utf8')

describe('the seed post page', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp()
  })
  afterAll(() => blog.close())

  it('shows every element of the model page, in order, with the exact French strings', async () => {
    const res = await blog.app.inject(SEED_PATH)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    const text = visibleText(mainOf(res.body))
    expectInOrder(text, [
      '01/10/2017',
      "Syrie : Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie",
      'Syrie',
      'Qaryatayn',
      "Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie",
      "L'Etat islamique (Daech), a pris, dimanche 1er octobre",
      'Des attaques qui coïncident avec la dernière intervention audio',
      "L'Armée Arabe Syrienne lance une contre-attaque pour reprendre la ville",
      "quelques dizaines de jihadistes mal armés à l'intérieur.",
      'Jean René Belliard',
      '19:08 Publié dans Abou Bakr al-Baghdadi, Al-Qaryatayn, Armée Arabe Syrienne, Etat Islamique, Syrie | Lien permanent | Commentaires (2)',
      'Commentaires',
      'Un son de cloche légèrement différent:',
      'https://www.veteranstoday.com/2017/10/02/syrian-war-report-october-2-2017-syrian-army-repels-major-isis-advance-launches-counter-attack/',
      'Et si vous nous parliez des succès',
      'Écrit par : Daniel | 03/10/2017',
      'Il faudrait sans doute vous abonner',
      'Écrit par : Belliard | 03/10/2017',
      'Les commentaires sont fermés.',
    ])
    // Non-breaking spaces of the seed are kept.
    expect(text).toContain('dans le désert syrien.\u00a0 La ville')
    expect(seedLines).toContain('\u00a0')
  })

  it('puts the title in the h1, the sub-headings in h2/h3, and links the footer', async () => {
    const html = mainOf((await blog.app.inject(SEED_PATH)).body)
    expect(html).toMatch(/<h1 class="post-title p-name"[^>]*>Syrie : Daech s&#39;empare/)
    expect(html).toContain("<h2>Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie</h2>")
    expect(html).toContain("<h3>Des attaques qui coïncident avec la dernière intervention audio d'Abou Bakr al-Baghdadi</h3>")
    expect(html).toContain("<h3>L'Armée Arabe Syrienne lance une contre-attaque pour reprendre la ville</h3>")
    expect(html).toContain('<a class="p-category" href="/category/abou-bakr-al-baghdadi">Abou Bakr al-Baghdadi</a>')
    expect(html).toContain('<a class="p-category" href="/category/armee-arabe-syrienne">Armée Arabe Syrienne</a>')
    expect(html).toContain(`<a class="u-url u-uid" href="${SEED_PATH}" rel="bookmark">Lien permanent</a>`)
    expect(html).toContain('<a href="#comments">Commentaires (2)</a>')
    expect(html).toContain('id="comments"')
    // URLs in comments are links that search engines do not follow.
    expect(html).toContain(
      '<a href="https://muraselon.com/en/2017/10/syria-map-update-exclusive-syrian-army-gains-new-ground-central-syria/" rel="nofollow ugc noopener">',
    )
    // The thread is closed: no form.
    expect(html).not.toContain('<form')
  })

  it('links to the previous and next posts', async () => {
    const text = visibleText(mainOf((await blog.app.inject(SEED_PATH)).body))
    expect(text).toContain('Note précédente Note de lecture : une histoire de la Syrie contemporaine')
    expect(text).toContain('Note suivante Irak : après Mossoul, la bataille de Hawija')
  })

  it('has a document title, description and canonical link', async () => {
    const html = (await blog.app.inject(SEED_PATH)).body
    expect(html).toContain('<html lang="fr">')
    expect(html).toContain('<title>Syrie : Daech s&#39;empare d&#39;Al-Qaryatayn, ville symbolique dans le centre de la Syrie</title>')
    expect(html).toContain(`<link rel="canonical" href="http://blog.test${SEED_PATH}">`)
    expect(html).toMatch(/<meta name="description" content="L&#39;Etat islamique \(Daech\), a pris/)
  })

  it('redirects an address with the wrong date to the permanent link', async () => {
    const res = await blog.app.inject(SEED_PATH.replace('/01/syrie', '/02/syrie'))
    expect(res.statusCode).toBe(301)
    expect(res.headers.location).toBe(SEED_PATH)
  })

  it('uses English strings when the blog is in English', async () => {
    await blog.app.settings.update({ language: 'en' })
    try {
      const res = await blog.app.inject(SEED_PATH)
      expect(res.statusCode).toBe(200)
      expect(res.body).toContain('<html lang="en">')
      const text = visibleText(mainOf(res.body))
      expectInOrder(text, [
        'October 1, 2017',
        "Syrie : Daech s'empare d'Al-Qaryatayn",
        'Jean René Belliard',
        '7:08 PM Posted in Abou Bakr al-Baghdadi, Al-Qaryatayn, Armée Arabe Syrienne, Etat Islamique, Syrie | Permalink | Comments (2)',
        'Written by: Daniel | Oct 3, 2017',
        'Written by: Belliard | Oct 3, 2017',
        'Comments are closed.',
      ])
      expect(text).not.toContain('Écrit par')
      expect(text).not.toContain('Publié dans')
      expect(visibleText(res.body)).toContain('Recent comments')
    } finally {
      await blog.app.settings.update({ language: 'fr' })
    }
  })
})
