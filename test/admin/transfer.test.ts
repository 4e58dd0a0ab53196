// The admin's Import / export page: an upload imports with the command line's code and summary (a dry run
// writes nothing), a bad file comes back with the reason and changes nothing, the CSRF token is checked, and the
// export downloads as WXR. Every import and export is in the audit log.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { htmlErrors } from '../helpers/browser-checks.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { OWN, WP_WXR, snapshot } from '../helpers/transfer.ts'

function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer }) {
  const boundary = '----carnet-test-boundary'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/xml\r\n\r\n`,
      ),
    )
    parts.push(file.content, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

describe('the Import / export page', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog.close())

  async function upload(fields: Record<string, string>, file?: { name: string; content: Buffer }) {
    const { payload, contentType } = multipart(fields, file)
    return blog.app.inject({
      method: 'POST',
      url: '/admin/transfer/import',
      headers: { 'content-type': contentType, cookie: admin.cookie },
      payload,
    })
  }
  const threads = () => ({ name: 'threads.xml', content: readFileSync(join(OWN, 'threads.xml')) })

  it('shows the upload form and the export button, linked from the menu', async () => {
    const page = await admin.get('/admin/transfer')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('enctype="multipart/form-data"')
    expect(page.body).toContain('<label for="file">Fichier</label>')
    expect(page.body).toContain('href="/admin/transfer"')
    expect(page.body).toContain('action="/admin/transfer/export"')
  })

  it('does a dry run that writes nothing, then imports with the summary', async () => {
    await admin.get('/admin/transfer')
    const before = await snapshot(blog)
    const dry = await upload({ _csrf: admin.csrf, kind: 'wxr', dryRun: 'on' }, threads())
    expect(dry.statusCode).toBe(200)
    expect(visibleText(dry.body)).toContain('Essai à blanc : rien n’a été écrit')
    expect(visibleText(dry.body)).toContain(
      '5 notes, 4 commentaires, 3 nouvelles catégories, 2 étiquettes, 15 anciennes adresses redirigées.',
    )
    // What was left out, in the blog's language.
    expect(visibleText(dry.body)).toContain(
      '1 page (à propos, contact…) serait importée, chacune à son adresse /<adresse>.html, hors des listes de notes.',
    )
    expect(visibleText(dry.body)).toContain('1 × commentaire à l’état « trash » : non gardé')
    // Its pingback, kept as a mention of its post (src/webmention/).
    expect(visibleText(dry.body)).toContain('1 rétrolien (pingbacks, trackbacks) serait gardé comme mention des notes.')
    expect(visibleText(dry.body)).not.toContain('pingback : Carnet ne garde que les commentaires')
    expect(await snapshot(blog)).toEqual(before)

    const real = await upload({ _csrf: admin.csrf, kind: 'wxr' }, threads())
    expect(real.statusCode).toBe(200)
    expect(visibleText(real.body)).toContain('Import terminé')
    expect((await blog.app.db.selectFrom('posts').select('id').where('kind', '=', 'post').execute()).length).toBe(5)
    const log = await blog.app.db.selectFrom('audit_log').selectAll().where('action', '=', 'import.wxr').execute()
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ username: 'alice', target: 'threads.xml' })

    const again = await upload({ _csrf: admin.csrf, kind: 'wxr' }, threads())
    expect(visibleText(again.body)).toContain('Rien de nouveau : ce fichier avait déjà été importé.')
  })

  it('imports Disqus comments and lists the threads that match no post', async () => {
    const res = await upload({ _csrf: admin.csrf, kind: 'disqus' }, { name: 'disqus.xml', content: readFileSync(join(OWN, 'disqus.xml')) })
    expect(res.statusCode).toBe(200)
    expect(visibleText(res.body)).toContain('Fils Disqus sans note correspondante')
    expect(res.body).toContain('https://old.example.org/2012/01/01/disparu/')
  })

  it('says in French how many threads a Disqus import closed, and why it refuses a file', async () => {
    const states = { name: 'disqus-states.xml', content: readFileSync(join(OWN, 'disqus-states.xml')) }
    const dry = await upload({ _csrf: admin.csrf, kind: 'disqus', dryRun: 'on' }, states)
    expect(visibleText(dry.body)).toContain('1 fil de commentaires serait fermé, comme dans Disqus.')
    const res = await upload({ _csrf: admin.csrf, kind: 'disqus' }, states)
    expect(res.statusCode).toBe(200)
    expect(visibleText(res.body)).toContain('1 fil de commentaires fermé, comme dans Disqus.')

    const before = await snapshot(blog)
    const odd = Buffer.from(
      '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n  <forum>x</forum>\n</disqus>\n',
    )
    const refused = await upload({ _csrf: admin.csrf, kind: 'disqus' }, { name: 'odd.xml', content: odd })
    expect(refused.statusCode).toBe(400)
    expect(visibleText(refused.body)).toContain(
      'Fichier refusé, rien n’a été importé : ligne 3, colonne 3 : élément <forum> inattendu dans un export Disqus',
    )
    expect(refused.body).toContain('name="kind" value="disqus" checked')
    expect(await snapshot(blog)).toEqual(before)
  })

  it('refuses a malformed file with its line, changing nothing, the choices kept', async () => {
    const before = await snapshot(blog)
    const res = await upload(
      { _csrf: admin.csrf, kind: 'wxr', dryRun: 'on' },
      { name: 'bad.xml', content: readFileSync(join(WP_WXR, 'malformed-simple.xml')) },
    )
    expect(res.statusCode).toBe(400)
    // In the page's language, where it broke included.
    expect(visibleText(res.body)).toMatch(
      /Fichier refusé, rien n’a été importé : ligne 14, colonne \d+ : balise <item> ouverte ligne 9, colonne 1, jamais fermée/,
    )
    expect(res.body).toContain('name="dryRun" value="on" checked')
    expect(await snapshot(blog)).toEqual(before)
  })

  it('keeps the file of a dry run: the real import needs no second upload', async () => {
    const theme = { name: 'theme-unit-test.xml', content: readFileSync(join(WP_WXR, 'theme-unit-test-shape.xml')) }
    const before = await snapshot(blog)
    const dry = await upload({ _csrf: admin.csrf, kind: 'wxr', dryRun: 'on' }, theme)
    expect(dry.statusCode).toBe(200)
    expect(await snapshot(blog)).toEqual(before)
    const text = visibleText(dry.body)
    expect(text).toContain('Le fichier « theme-unit-test.xml » est gardé : décochez l’essai à blanc et cliquez sur « Importer »')
    // Said in French, with the protected post by its title.
    expect(text).toContain('1 note protégée par un mot de passe dans WordPress : importée en brouillon, jamais publiée')
    expect(text).toContain('Template: Password Protected (the password is "enter")')
    // The dry run is unticked, and the file input no longer required.
    expect(dry.body).not.toContain('name="dryRun" value="on" checked')
    expect(dry.body).not.toMatch(/<input id="file"[^>]* required/)
    expect(await htmlErrors(dry.body, 'transfer after a dry run')).toEqual([])
    const kept = /name="kept" value="([0-9a-f]{32})"/.exec(dry.body)![1]!
    const real = await upload({ _csrf: admin.csrf, kind: 'wxr', kept })
    expect(real.statusCode).toBe(200)
    expect(visibleText(real.body)).toContain('Import terminé')
    const titles = (await blog.app.db.selectFrom('posts').select('title').execute()).map((p) => p.title)
    expect(titles).toContain('Post Format: Image (Linked)')
    // Imported once: the kept file is gone.
    const again = await upload({ _csrf: admin.csrf, kind: 'wxr', kept })
    expect(again.statusCode).toBe(400)
    expect(visibleText(again.body)).toContain('Le fichier envoyé pour l’essai à blanc n’est plus là : choisissez-le de nouveau.')
  })

  it('asks for a file when none is sent', async () => {
    const res = await upload({ _csrf: admin.csrf, kind: 'wxr' })
    expect(res.statusCode).toBe(400)
    expect(visibleText(res.body)).toContain('Choisissez un fichier.')
  })

  it('refuses an upload without the CSRF token, importing nothing', async () => {
    const before = await snapshot(blog)
    const res = await upload({ kind: 'wxr' }, { name: 'x.xml', content: readFileSync(join(WP_WXR, 'wxr-simple.xml')) })
    expect(res.statusCode).toBe(403)
    expect(await snapshot(blog)).toEqual(before)
  })

  it('refuses strangers', async () => {
    const { payload, contentType } = multipart({ kind: 'wxr' }, threads())
    const res = await blog.app.inject({ method: 'POST', url: '/admin/transfer/import', headers: { 'content-type': contentType }, payload })
    expect([303, 401, 403]).toContain(res.statusCode)
  })

  it('downloads the export as a WXR attachment, and logs it', async () => {
    await admin.get('/admin/transfer')
    const res = await admin.post('/admin/transfer/export')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="carnet-\d{4}-\d{2}-\d{2}\.wxr\.xml"$/)
    expect(res.body).toContain('<wp:wxr_version>1.2</wp:wxr_version>')
    expect(res.body).toContain('Arrivée à Palmyre')
    expect(res.body.trimEnd().endsWith('</rss>')).toBe(true)
    expect(await blog.app.db.selectFrom('audit_log').select('id').where('action', '=', 'export.wxr').execute()).toHaveLength(1)
    const noToken = await admin.post('/admin/transfer/export', { _csrf: '' })
    expect(noToken.statusCode).toBe(403)
  })
})
