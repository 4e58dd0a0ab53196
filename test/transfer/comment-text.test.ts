// An imported comment's HTML becomes the text its readers saw: block elements (paragraphs, headings, quotes,
// list items, table rows, addresses, preformatted text) stay apart as paragraphs or lines, never run together.
// The same conversion serves the WordPress and the Disqus imports (src/transfer/text.ts).
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { htmlToLine, htmlToText } from '../../src/transfer/text.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { OWN } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

/** What the comment of fixtures/html-comments.xml (the theme unit test's shape) reads as. */
const THEME_COMMENT = [
  'Titres',
  'Titre un',
  'Titre deux',
  'Citations',
  "Citation d'une ligne :",
  'Restez curieux.',
  'Tableaux',
  'Ville | Pays\nPalmyre (http://example.org/) | Syrie | Les colonnes.',
  'Listes',
  'Premier\nImbriqué\nSecond',
  'Adresse',
  '12 rue des Lilas\n75011 Paris\nFrance',
  'Balise de lien',
  'Voici un lien (https://example.org/lien).',
  'Deux chemins\n\tdivergeaient',
  'Fin',
].join('\n\n')

describe('htmlToText', () => {
  it('keeps adjacent blocks apart: no more "United StatesAnchor Tag"', () => {
    expect(htmlToText('<p>United States</p><p><a href="https://example.org/">Anchor Tag</a></p>')).toBe(
      'United States\n\nAnchor Tag (https://example.org/)',
    )
    expect(htmlToText('<address>1 Infinite Loop\nUnited States</address><strong>Anchor Tag (aka. Link)</strong>')).toBe(
      '1 Infinite Loop\nUnited States\n\nAnchor Tag (aka. Link)',
    )
    expect(htmlToText('<div>un</div><div>deux</div>')).toBe('un\n\ndeux')
    expect(htmlToText('<h3>Titre</h3>Texte<blockquote>Citation</blockquote>Suite')).toBe('Titre\n\nTexte\n\nCitation\n\nSuite')
    expect(htmlToText('<ul><li>un</li><li>deux</li></ul><ol><li>trois</li></ol>')).toBe('un\ndeux\n\ntrois')
    expect(htmlToText('<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>')).toBe('A | B\n1 | 2')
    expect(htmlToText('<dl><dt>Terme</dt><dd>Définition</dd></dl>')).toBe('Terme\nDéfinition')
    expect(htmlToText('avant<hr>après')).toBe('avant\n\naprès')
  })

  it('keeps what a commenter wrote: line breaks, blank lines, inline tags, entities, spaces', () => {
    // Disqus's own shape (an answer from its exports).
    expect(htmlToText('<p>Sir,<br>I constructed a ship.<br>See you in space</p><p>Regards</p>')).toBe(
      'Sir,\nI constructed a ship.\nSee you in space\n\nRegards',
    )
    expect(htmlToText('Premier commentaire.<br />\nSur deux lignes.')).toBe('Premier commentaire.\nSur deux lignes.')
    expect(htmlToText('Ligne\nsuivante\n\nParagraphe')).toBe('Ligne\nsuivante\n\nParagraphe')
    expect(htmlToText('Une réponse à Alice &amp; <b>merci</b>.')).toBe('Une réponse à Alice & merci.')
    expect(htmlToText('<p>Superbe récit&nbsp;!</p>')).toBe('Superbe récit\u00a0!')
    expect(htmlToText('a  b, &lt;b&gt;pas du HTML&lt;/b&gt;\n  retrait')).toBe('a  b, <b>pas du HTML</b>\n  retrait')
    expect(htmlToText('<p>Voir <a href="https://example.org/">https://example.org/</a></p>')).toBe('Voir https://example.org/')
    expect(htmlToText('<script>alert(1)</script><p>Reste</p>')).toBe('Reste')
  })

  it('puts an excerpt on one line', () => {
    expect(htmlToLine('<p>Un</p><p>Deux</p><ul><li>Trois</li></ul>')).toBe('Un Deux Trois')
  })
})

describe('an imported WordPress comment written with HTML blocks', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterEach(() => blog.close())

  it('is stored as the paragraphs and lines its readers saw, and shown so', async () => {
    const s = await importWxr(blog.app.db, join(OWN, 'html-comments.xml'), options)
    expect(s.comments).toBe(1)
    const comment = await blog.app.db.selectFrom('comments').select('body').executeTakeFirstOrThrow()
    expect(comment.body).toBe(THEME_COMMENT)
    const page = await blog.app.inject('/archive/2012/01/03/modele-commentaires.html')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<p>12 rue des Lilas<br>\n75011 Paris<br>\nFrance</p>')
    expect(visibleText(page.body)).not.toContain('FranceBalise')
  })
})
