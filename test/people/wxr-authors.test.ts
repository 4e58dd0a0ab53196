// WordPress authors: an imported post keeps its author (dc:creator, described by wp:author), matched to the account
// of that username when the blog has one, else made as a writer without sign-in (no password: the sign-in form
// refuses them). `export wxr` writes the writers back, and a re-import finds them again.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { createUser } from '../../src/admin/users.ts'
import { exportWxr } from '../../src/transfer/wxr-export.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'

const PASSWORD = 'correct horse battery'

function item(id: number, title: string, creator: string): string {
  return `<item><title>${title}</title><link>https://old.example.org/?p=${id}</link><dc:creator><![CDATA[${creator}]]></dc:creator>
<guid isPermaLink="false">https://old.example.org/?p=${id}</guid><content:encoded><![CDATA[<p>${title}</p>]]></content:encoded>
<wp:post_id>${id}</wp:post_id><wp:post_date>2025-03-0${id} 10:00:00</wp:post_date><wp:post_date_gmt>2025-03-0${id} 09:00:00</wp:post_date_gmt>
<wp:post_name>${title.toLowerCase().replace(/ /g, '-')}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>`
}

const WXR = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Ancien blog</title><link>https://old.example.org</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[olga]]></wp:author_login><wp:author_display_name><![CDATA[Olga sur WordPress]]></wp:author_display_name></wp:author>
<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[jdupont]]></wp:author_login><wp:author_display_name><![CDATA[Jean Dupont]]></wp:author_display_name></wp:author>
<wp:author><wp:author_id>3</wp:author_id><wp:author_login><![CDATA[Marie Curie]]></wp:author_login><wp:author_display_name><![CDATA[Marie C.]]></wp:author_display_name></wp:author>
${item(1, 'Note olga', 'olga')}
${item(2, 'Note jean', 'jdupont')}
${item(3, 'Autre note jean', 'jdupont')}
${item(4, 'Note marie', 'Marie Curie')}
</channel></rss>
`

describe('WordPress authors, imported and exported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'carnet-wxr-authors-'))
  const file = join(dir, 'old.xml')
  let blog: TestBlog
  beforeAll(async () => {
    writeFileSync(file, WXR)
    blog = await buildTestApp({ demo: false })
    await createUser(blog.app.db, 'olga', PASSWORD)
  })
  afterAll(() => blog.close())

  const authorOf = async (title: string) =>
    blog.app.db
      .selectFrom('posts as p')
      .innerJoin('users as u', 'u.id', 'p.author_id')
      .select(['u.username', 'u.display_name', 'u.role', 'u.password_hash', 'u.slug'])
      .where('p.title', '=', title)
      .executeTakeFirstOrThrow()

  it('matches a login to the account of that name, and makes the others as writers without sign-in', async () => {
    // A dry run creates nobody.
    await importWxr(blog.app.db, file, { timeZone: 'Europe/Paris', anonymous: 'Anonyme', dryRun: true })
    expect((await blog.app.db.selectFrom('users').select('username').execute()).map((u) => u.username)).toEqual(['olga'])

    const summary = await importWxr(blog.app.db, file, { timeZone: 'Europe/Paris', anonymous: 'Anonyme' })
    expect(summary.posts).toBe(4)
    expect(await authorOf('Note olga')).toMatchObject({ username: 'olga', role: 'owner' })
    const jean = await authorOf('Note jean')
    expect(jean).toMatchObject({ username: 'jdupont', display_name: 'Jean Dupont', role: 'author', password_hash: '', slug: 'jean-dupont' })
    expect(await authorOf('Autre note jean')).toMatchObject({ username: 'jdupont' })
    expect(await authorOf('Note marie')).toMatchObject({ username: 'marie-curie', display_name: 'Marie C.', password_hash: '' })
    expect(await blog.app.db.selectFrom('users').select('username').orderBy('id').execute()).toHaveLength(3)

    // No password: the sign-in form refuses them whatever is typed.
    for (const password of ['', PASSWORD]) {
      const res = await new AdminClient(blog.app).signIn('jdupont', password)
      expect(res.statusCode).not.toBe(303)
    }
    // Readers meet them as writers.
    const page = await blog.app.inject({ method: 'GET', url: '/author/jean-dupont' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Autre note jean')
    expect(page.body).toContain('href="/author/jean-dupont" rel="author" dir="auto">Jean Dupont</a>')
  })

  it('export wxr writes the writers back; a re-import elsewhere finds the same writers', async () => {
    const out = join(dir, 'export.xml')
    const stream = createWriteStream(out)
    await exportWxr(blog.app.db, stream, {
      siteUrl: 'http://blog.test',
      title: 'Carnet',
      description: '',
      language: 'fr',
      timeZone: 'Europe/Paris',
    })
    stream.end()
    await finished(stream)
    const xml = readFileSync(out, 'utf8')
    expect(xml).toContain(
      '<wp:author_login><![CDATA[jdupont]]></wp:author_login><wp:author_email><![CDATA[]]></wp:author_email><wp:author_display_name><![CDATA[Jean Dupont]]></wp:author_display_name>',
    )
    expect(xml).toContain('<wp:author_login><![CDATA[olga]]></wp:author_login>')
    expect(xml).toMatch(/<title><!\[CDATA\[Note jean\]\]><\/title>[\s\S]*?<dc:creator><!\[CDATA\[jdupont\]\]><\/dc:creator>/)
    expect(xml).toMatch(/<title><!\[CDATA\[Note marie\]\]><\/title>[\s\S]*?<dc:creator><!\[CDATA\[marie-curie\]\]><\/dc:creator>/)

    const other = await buildTestApp({ demo: false })
    try {
      await importWxr(other.app.db, out, { timeZone: 'Europe/Paris', anonymous: 'Anonyme' })
      const rows = await other.app.db
        .selectFrom('posts as p')
        .innerJoin('users as u', 'u.id', 'p.author_id')
        .select(['p.title', 'u.username', 'u.display_name'])
        .orderBy('p.title')
        .execute()
      expect(rows).toEqual([
        { title: 'Autre note jean', username: 'jdupont', display_name: 'Jean Dupont' },
        { title: 'Note jean', username: 'jdupont', display_name: 'Jean Dupont' },
        { title: 'Note marie', username: 'marie-curie', display_name: 'Marie C.' },
        { title: 'Note olga', username: 'olga', display_name: 'olga' },
      ])
    } finally {
      await other.close()
    }
  })
})
