// Moderating comments changes what readers see and the counts; settings and categories from the admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, listedTitles, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentsOf, openPost, send } from '../helpers/comments.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrateToLatest, migrator } from '../../src/db/migrate.ts'
import { createEmptyDatabase } from '../helpers/database.ts'
import { COUNT_CAP } from '../../src/admin/admin.repository.ts'

describe('moderating comments', () => {
  let blog: TestBlog
  let admin: AdminClient
  const ids: Record<string, number> = {}
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    // Held comments, as the comments feature stores them under moderation.
    const base = new Date('2017-10-04T10:00:00Z').getTime()
    for (const [i, name] of ['Zoé', 'Yann', 'Xavier', 'Walid'].entries()) {
      const row = await blog.app.db
        .insertInto('comments')
        .values({
          post_id: 1,
          parent_id: null,
          author_name: name,
          author_email: `${name.toLowerCase()}@example.org`,
          author_url: null,
          body: `Commentaire de ${name} <b>gras ?</b>`,
          status: 'pending',
          created_at: new Date(base + i * 60_000).toISOString(),
          ip: '192.0.2.1',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[name] = row.id
    }
  })
  afterAll(() => blog.close())

  const seedText = async () => visibleText(mainOf((await blog.app.inject(SEED_PATH)).body))

  it('lists pending comments, oldest first, with the counts in the tabs, rendered as inert text', async () => {
    expect(await seedText()).toContain('Commentaires (2)')
    const page = await admin.get('/admin/comments?post=1')
    expect(page.statusCode).toBe(200)
    const text = visibleText(mainOf(page.body))
    expect(text).toContain('En attente (4)')
    expect(text).toContain('Approuvés (2)')
    expect(text).toContain('Indésirables (0)')
    expect(text.indexOf('Zoé')).toBeLessThan(text.indexOf('Walid'))
    expect(page.body).toContain('&lt;b&gt;gras ?&lt;/b&gt;')
    expect(page.body).not.toContain('<b>gras')
    expect(text).toContain('zoé@example.org')
    // The navigation shows the number waiting.
    expect(page.body).toContain('Commentaires (4)</a>')
  })

  it('approves one comment: readers see it and the count goes up', async () => {
    const res = await admin.post('/admin/comments', { row: `approve:${ids.Zoé}`, status: 'pending', page: '1' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/comments?status=pending&done=1')
    const text = await seedText()
    expect(text).toContain('Commentaires (3)')
    expect(text).toContain('Commentaire de Zoé')
    expect(text).not.toContain('Commentaire de Yann')
    expect(visibleText(mainOf((await admin.get(res.headers.location as string)).body))).toContain('1 commentaire modifié.')
  })

  it('approves several at once with the checkboxes and the action select', async () => {
    const res = await admin.post('/admin/comments', {
      'ids[]': [String(ids.Yann), String(ids.Xavier)],
      action: 'approve',
      status: 'pending',
    })
    expect(res.statusCode).toBe(303)
    const text = await seedText()
    expect(text).toContain('Commentaires (5)')
    expect(text).toContain('Commentaire de Yann')
    expect(text).toContain('Commentaire de Xavier')
  })

  it('marks as spam: the comment leaves the page and the count, and sits in the spam tab', async () => {
    await admin.post('/admin/comments', { row: `spam:${ids.Yann}`, status: 'approved' })
    const text = await seedText()
    expect(text).toContain('Commentaires (4)')
    expect(text).not.toContain('Commentaire de Yann')
    const spam = visibleText(mainOf((await admin.get('/admin/comments?status=spam')).body))
    expect(spam).toContain('Indésirables (1)')
    expect(spam).toContain('Commentaire de Yann')
  })

  it('deletes one and several comments for good, keeping the replies to them', async () => {
    const reply = await blog.app.db
      .insertInto('comments')
      .values({
        post_id: 1,
        parent_id: ids.Xavier!,
        author_name: 'Réponse',
        body: 'Je réponds à Xavier',
        status: 'approved',
        created_at: new Date().toISOString(),
        author_email: null,
        author_url: null,
        ip: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await admin.post('/admin/comments', { row: `delete:${ids.Xavier}`, status: 'approved' })
    let text = await seedText()
    expect(text).not.toContain('Commentaire de Xavier')
    expect(text).toContain('Je réponds à Xavier')
    expect(text).toContain('Commentaires (4)')
    const moved = await blog.app.db.selectFrom('comments').select('parent_id').where('id', '=', reply.id).executeTakeFirstOrThrow()
    expect(moved.parent_id).toBeNull()

    await admin.post('/admin/comments', { 'ids[]': [String(ids.Yann), String(ids.Walid)], action: 'delete', status: 'spam' })
    const left = await blog.app.db.selectFrom('comments').select('id').where('id', 'in', [ids.Yann!, ids.Walid!, ids.Xavier!]).execute()
    expect(left).toEqual([])
    text = await seedText()
    expect(text).toContain('Commentaires (4)')
  })

  it('filters the queue by post, and says so when nothing was selected', async () => {
    const other = await blog.app.db
      .selectFrom('posts as p')
      .select('p.id')
      .where((eb) =>
        eb.not(
          eb.exists(eb.selectFrom('comments as c').select('c.id').whereRef('c.post_id', '=', 'p.id').where('c.status', '=', 'approved')),
        ),
      )
      .executeTakeFirstOrThrow()
    const filtered = await admin.get(`/admin/comments?status=approved&post=${other.id}`)
    expect(visibleText(mainOf(filtered.body))).toContain('Aucun commentaire ici.')
    const seed = visibleText(mainOf((await admin.get('/admin/comments?status=approved&post=1')).body))
    expect(seed).toContain('Commentaire de Zoé')
    expect(seed).toContain('Approuvés (4)')
    const none = await admin.post('/admin/comments', { action: 'approve', status: 'approved', post: '1' })
    expect(none.headers.location).toBe('/admin/comments?status=approved&post=1&none=1')
    expect(visibleText(mainOf((await admin.get(none.headers.location as string)).body))).toContain('Aucun commentaire choisi.')
  })

  it('logs each moderation action', async () => {
    const actions = (await blog.app.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action)
    expect(actions).toEqual(expect.arrayContaining(['comment.approve', 'comment.spam', 'comment.delete']))
  })
})

describe('settings and categories', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog.close())

  const settingsForm = (patch: Record<string, string> = {}) => ({
    title: 'Mon carnet',
    description: 'Des notes du Levant',
    language: 'fr',
    timezone: 'Europe/Paris',
    postsPerPage: '2',
    moderation: 'all',
    commentsAutoCloseDays: '0',
    maxLinks: '2',
    ipRetentionDays: '90',
    commentEditMinutes: '15',
    reportHoldThreshold: '3',
    ...patch,
  })

  it('changes the blog settings, seen at once by readers', async () => {
    const res = await admin.post('/admin/settings', settingsForm())
    expect(res.statusCode).toBe(303)
    expect(blog.app.settings.get()).toMatchObject({ title: 'Mon carnet', postsPerPage: 2, moderation: 'all' })
    const home = await blog.app.inject('/')
    expect(home.body).toContain('<title>Mon carnet</title>')
    expect(home.body).toContain('Des notes du Levant')
    expect(listedTitles(home.body)).toHaveLength(2)
    expect(visibleText(mainOf((await admin.get('/admin/settings?done=saved')).body))).toContain('Réglages enregistrés.')
  })

  it('switches the admin and the blog to English', async () => {
    await admin.post('/admin/settings', settingsForm({ language: 'en' }))
    expect(visibleText(mainOf((await admin.get('/admin/settings')).body))).toContain('Posts per page')
    expect((await blog.app.inject(SEED_PATH)).body).toContain('Comments are closed.')
    await admin.post('/admin/settings', settingsForm())
  })

  it('refuses bad values with 400, messages beside the fields, and keeps what was typed', async () => {
    const res = await admin.post(
      '/admin/settings',
      settingsForm({ timezone: 'Mars/Olympus', postsPerPage: 'lots', commentsAutoCloseDays: '-3', title: 'Gardé' }),
    )
    expect(res.statusCode).toBe(400)
    const text = visibleText(mainOf(res.body))
    expect(text).toContain('Fuseau horaire inconnu')
    expect(text).toContain('Un nombre entier entre 1 et 100.')
    expect(text).toContain('Un nombre entier de jours, 0 ou plus.')
    expect(res.body).toContain('value="Mars/Olympus"')
    expect(res.body).toContain('value="Gardé"')
    expect(blog.app.settings.get().timezone).toBe('Europe/Paris')
    expect(blog.app.settings.get().title).toBe('Mon carnet')
  })

  it('saves the link limit and the word lists, cleaned, and shows them again', async () => {
    const res = await admin.post(
      '/admin/settings',
      settingsForm({ maxLinks: '0', holdWords: '  viagra \r\n\r\nbad-mail.example\r\n', refuseWords: 'casino en ligne\r\n198.51.100.7' }),
    )
    expect(res.statusCode).toBe(303)
    expect(blog.app.settings.get()).toMatchObject({
      maxLinks: 0,
      holdWords: 'viagra\nbad-mail.example',
      refuseWords: 'casino en ligne\n198.51.100.7',
    })
    const page = await admin.get('/admin/settings')
    expect(page.body).toMatch(/<input id="maxLinks" name="maxLinks" type="number"[^>]* value="0"/)
    expect(page.body).toMatch(/<textarea id="holdWords" name="holdWords"[^>]*>viagra\nbad-mail.example<\/textarea>/)
    expect(page.body).toMatch(/<textarea id="refuseWords" name="refuseWords"[^>]*>casino en ligne\n198.51.100.7<\/textarea>/)
    const text = visibleText(mainOf(page.body))
    expect(text).toContain('Mots qui mettent un commentaire en attente de modération')
    expect(text).toContain('Mots qui font refuser un commentaire')
    const audit = await blog.app.db.selectFrom('audit_log').select(['action', 'details']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(audit.action).toBe('settings.update')
    expect(JSON.parse(audit.details).changed).toEqual(expect.arrayContaining(['maxLinks', 'holdWords', 'refuseWords']))
    await admin.post('/admin/settings', settingsForm())
    expect(blog.app.settings.get()).toMatchObject({ maxLinks: 2, holdWords: '', refuseWords: '' })
  })

  it('refuses a word list that is too long or a bad limit, beside the fields, and changes nothing', async () => {
    const tooManyLines = Array.from({ length: 1001 }, (_, i) => `mot${i}`).join('\n')
    const res = await admin.post(
      '/admin/settings',
      settingsForm({ maxLinks: '101', holdWords: tooManyLines, refuseWords: 'x'.repeat(20_001), title: 'Gardé' }),
    )
    expect(res.statusCode).toBe(400)
    expect(res.body).toMatch(/<span class="field-error" id="holdWords-error">Au plus 1 000 lignes et 20 000 caractères.<\/span>/)
    expect(res.body).toMatch(/<span class="field-error" id="refuseWords-error">Au plus 1 000 lignes et 20 000 caractères.<\/span>/)
    expect(res.body).toMatch(/<span class="field-error" id="maxLinks-error">Un nombre entier entre 0 et 100.<\/span>/)
    expect(res.body).toContain('mot999\nmot1000</textarea>')
    expect(res.body).toMatch(/name="maxLinks"[^>]* value="101"/)
    expect(blog.app.settings.get()).toMatchObject({ title: 'Mon carnet', maxLinks: 2, holdWords: '', refuseWords: '' })
  })

  it('closes threads automatically after N days when set', async () => {
    const other = (await blog.app.inject('/')).body
    const path = /<h2 class="post-title"><a class="p-name u-url" href="([^"]+)"/.exec(other)![1]!
    expect((await blog.app.inject(path)).body).not.toContain('Les commentaires sont fermés.')
    await admin.post('/admin/settings', settingsForm({ commentsAutoCloseDays: '1' }))
    // The demo posts are older than a day.
    expect((await blog.app.inject(path)).body).toContain('Les commentaires sont fermés.')
    expect(visibleText(mainOf((await admin.get('/admin/posts')).body))).toContain('Fermée (automatiquement)')
    await admin.post('/admin/settings', settingsForm())
  })

  it('creates, renames and deletes categories; posts keep their other categories', async () => {
    const created = await admin.post('/admin/categories', { name: 'Moyen-Orient', slug: '' })
    expect(created.statusCode).toBe(303)
    const cat = await blog.app.db.selectFrom('categories').selectAll().where('name', '=', 'Moyen-Orient').executeTakeFirstOrThrow()
    expect(cat.slug).toBe('moyen-orient')
    const dup = await admin.post('/admin/categories', { name: 'Autre', slug: 'syrie' })
    expect(dup.statusCode).toBe(400)
    expect(dup.body).toContain('déjà celle d’une autre catégorie')
    expect(dup.body).toContain('value="Autre"')

    const syrie = await blog.app.db.selectFrom('categories').selectAll().where('slug', '=', 'syrie').executeTakeFirstOrThrow()
    const renamed = await admin.post(`/admin/categories/${syrie.id}`, { name: 'Syrie (guerre)', slug: 'syrie-guerre' })
    expect(renamed.statusCode).toBe(303)
    expect((await blog.app.inject('/category/syrie')).statusCode).toBe(404)
    const page = await blog.app.inject('/category/syrie-guerre')
    expect(page.statusCode).toBe(200)
    expect(visibleText(mainOf(page.body))).toContain('Syrie (guerre)')
    expect(visibleText(mainOf((await blog.app.inject(SEED_PATH)).body))).toContain('Syrie (guerre)')

    const before = await blog.app.db.selectFrom('post_categories').selectAll().where('post_id', '=', 1).execute()
    await admin.post(`/admin/categories/${syrie.id}/delete`)
    const after = await blog.app.db.selectFrom('post_categories').selectAll().where('post_id', '=', 1).execute()
    expect(after).toHaveLength(before.length - 1)
    expect((await blog.app.inject(SEED_PATH)).statusCode).toBe(200)
    const seed = visibleText(mainOf((await blog.app.inject(SEED_PATH)).body))
    expect(seed).not.toContain('Syrie (guerre)')
    expect(seed).toContain('Publié dans Abou Bakr al-Baghdadi, Al-Qaryatayn, Armée Arabe Syrienne, Etat Islamique |')
    const actions = (await blog.app.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action)
    expect(actions).toEqual(expect.arrayContaining(['settings.update', 'category.create', 'category.rename', 'category.delete']))
  })
})

// A ban is meant for a person, not for one spelling of their name or address (issue 30): names are compared
// without the characters nobody sees, and an address ban covers its sub-addresses unless the admin says not to.
// Every comment below goes through the real comment form.
describe('bans that a spelling does not evade', () => {
  let blog: TestBlog
  let admin: AdminClient
  let seq = 0
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog.close())

  async function ban(fields: Record<string, string>) {
    await admin.get('/admin/bans')
    const res = await admin.post('/admin/bans', fields)
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303)
  }
  /** The status the comment form gives a comment from `author` (and `email`), each a new text. */
  async function statusOf(author: string, email = '') {
    const post = await openPost(blog)
    seq += 1
    const res = await send(blog, post.url, { author, email, body: `Un avis, numéro ${seq}.` }, { ip: `192.0.2.${seq}` })
    expect(res.statusCode).toBe(303)
    return (await commentsOf(blog, post.id)).at(-1)!.status
  }

  it('catches a banned name written with invisible characters, other spaces, case, compatibility forms or look-alike letters', async () => {
    await ban({ name: 'Zoë Troll' })
    const spellings = [
      'Zoë\u200b Troll', // zero-width space
      'Zo\u00ADë Troll', // soft hyphen
      '\u2066Zoë Troll\u2069', // bidi isolates
      'Zoë\u2060 Troll\u2060', // word joiner
      'Zoë\u00a0\u00a0Troll', // no-break spaces
      'Zoë\u3000Troll', // ideographic space
      'Zoe\u0308 Troll', // the diaeresis as a combining mark
      'Zoë Troll\ufe0f', // variation selector
      'Zoë Tro\u034Fll', // combining grapheme joiner
      'ＺＯＥ ＴＲＯＬＬ', // full-width
      '𝐙𝐨𝐞 𝐓𝐫𝐨𝐥𝐥', // mathematical bold
      'Zоë Trоll', // Cyrillic о
      'ZΟË TRΟLL', // Greek capital omicron
      '  zoë   troll ',
    ]
    for (const name of spellings) expect(await statusOf(name), JSON.stringify(name)).toBe('spam')
    // Other names stay other names.
    for (const name of ['Zoë Trolle', 'Zoë', 'Zoë T. Roll', 'Chloë Troll']) expect(await statusOf(name), name).toBe('approved')
  })

  it('catches a name banned with invisible characters in it, and folds ß and final sigma as case folding does', async () => {
    await ban({ name: 'Stra\u200bße' })
    expect(await statusOf('STRASSE')).toBe('spam')
    await ban({ name: 'ΟΔΥΣΣΕΥΣ' })
    expect(await statusOf('Οδυσσευς')).toBe('spam')
  })

  it('offers sub-addresses in the ban form, on by default, says so in the list, and catches name+tag@domain', async () => {
    const form = await admin.get('/admin/bans')
    expect(form.body).toMatch(/<input type="checkbox" id="ban-subaddresses" name="subaddresses" value="1" checked/)
    expect(visibleText(mainOf(form.body))).toContain('Bannir aussi ses sous-adresses (nom+nimporte-quoi@domaine)')
    await ban({ email: 'Troll@Exemple.fr', subaddresses: '1' })
    expect(await statusOf('Un', 'troll+blog@exemple.fr')).toBe('spam')
    expect(await statusOf('Deux', 'TROLL+a+b@EXEMPLE.FR')).toBe('spam')
    expect(await statusOf('Trois', 'troll@exemple.fr')).toBe('spam')
    expect(await statusOf('Quatre', 'trolls@exemple.fr')).toBe('approved')
    expect(await statusOf('Cinq', 'troll+x@exemple.com')).toBe('approved')
    const list = visibleText(mainOf((await admin.get('/admin/bans')).body))
    expect(list).toContain('Troll@Exemple.fr et ses sous-adresses')
  })

  it('bans the exact address only when the box is unchecked, and says so', async () => {
    await ban({ email: 'exact@exemple.fr' })
    expect(await statusOf('Six', 'exact@exemple.fr')).toBe('spam')
    expect(await statusOf('Sept', 'exact+tag@exemple.fr')).toBe('approved')
    const list = visibleText(mainOf((await admin.get('/admin/bans')).body))
    expect(list).toContain('exact@exemple.fr adresse exacte')
    const rows = await blog.app.db.selectFrom('bans').select(['shown', 'subaddresses']).where('kind', '=', 'email').orderBy('id').execute()
    expect(rows).toEqual([
      { shown: 'Troll@Exemple.fr', subaddresses: 1 },
      { shown: 'exact@exemple.fr', subaddresses: 0 },
    ])
  })

  it('keeps the box as typed when the form comes back with an error', async () => {
    await admin.get('/admin/bans')
    const res = await admin.post('/admin/bans', { email: 'pas-une-adresse' })
    expect(res.statusCode).toBe(400)
    expect(res.body).toMatch(/<input type="checkbox" id="ban-subaddresses" name="subaddresses" value="1" aria-describedby/)
  })

  it('hides the existing comments of the sub-addresses too', async () => {
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Caché', email: 'cache+1@exemple.fr', body: 'Un vieux commentaire.' })
    await ban({ email: 'cache@exemple.fr', subaddresses: '1', hide: '1' })
    expect((await commentsOf(blog, post.id)).map((c) => c.status)).toEqual(['spam'])
  })

  it('lets the bans made before the box cover sub-addresses too (the upgrade), and only the address bans say so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carnet-bans-upgrade-'))
    const empty = await createEmptyDatabase(dir, 'old.db')
    try {
      const names = (await migrator(empty.db).getMigrations()).map((m) => m.name)
      const mine = names.indexOf('2026_12_06_14_00_00_ban_subaddresses')
      expect(mine).toBeGreaterThan(0)
      expect((await migrator(empty.db).migrateTo(names[mine - 1]!)).error).toBeUndefined()
      const old = { note: '', expires_at: null, created_at: '2026-11-30T10:00:00.000Z', created_by: 'alice' }
      await empty.db
        .insertInto('bans')
        .values([
          { kind: 'email', value: 'ancien@exemple.fr', shown: 'ancien@exemple.fr', ...old },
          { kind: 'name', value: 'ancien troll', shown: 'Ancien Troll', ...old },
        ])
        .execute()
      await migrateToLatest(empty.db)
      expect(await empty.db.selectFrom('bans').select(['kind', 'subaddresses']).orderBy('id').execute()).toEqual([
        { kind: 'email', subaddresses: 1 },
        { kind: 'name', subaddresses: 0 },
      ])
      const upgraded = await buildTestApp({ env: { ...empty.env, DATABASE_URL: empty.url, COMMENT_RATE_LIMIT: '0' } })
      try {
        const post = await openPost(upgraded)
        const res = await send(upgraded, post.url, { author: 'Revenu', email: 'ancien+nouveau@exemple.fr', body: 'Me revoilà.' })
        expect(res.statusCode).toBe(303)
        expect((await commentsOf(upgraded, post.id)).map((c) => c.status)).toEqual(['spam'])
      } finally {
        await upgraded.close()
      }
    } finally {
      await empty.drop()
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    }
  })
})

describe('a flood held for moderation', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    // More comments awaiting moderation than any count goes to (a spam wave): the menu on every admin page and the
    // dashboard count up to the cap, as the tabs do, and say so.
    const base = Date.parse('2026-12-07T10:00:00Z')
    const spam = { post_id: 1, body: 'Achetez maintenant', status: 'pending' as const, ip: '192.0.2.9' }
    const robot = (n: number) => ({ ...spam, author_name: `Robot ${n}`, created_at: new Date(base + n * 1000).toISOString() })
    for (let first = 0; first < COUNT_CAP + 2; first += 500)
      await blog.app.db
        .insertInto('comments')
        .values(Array.from({ length: Math.min(500, COUNT_CAP + 2 - first) }, (_, i) => robot(first + i)))
        .execute()
  })
  afterAll(() => blog.close())

  it('shows "10 000+" in the menu, the dashboard and the tab', async () => {
    const capped = `${COUNT_CAP.toLocaleString('fr')}+`
    // The visible text has its spaces made plain (French groups digits with a narrow no-break space).
    const seen = capped.replace(/\s/g, ' ')
    const home = await admin.get('/admin')
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain(`Commentaires (${capped})</a>`)
    expect(visibleText(mainOf(home.body))).toContain(`${seen} commentaires en attente`)
    const queue = await admin.get('/admin/comments')
    expect(visibleText(mainOf(queue.body))).toContain(`En attente (${seen})`)
  })

  it('counts exactly below the cap', async () => {
    await blog.app.db.deleteFrom('comments').where('author_name', 'like', 'Robot %').where('id', '>', 0).execute()
    await blog.app.db.updateTable('comments').set({ status: 'pending' }).where('post_id', '=', 1).execute()
    const pending = (await blog.app.db.selectFrom('comments').select('id').where('status', '=', 'pending').execute()).length
    expect(pending).toBeGreaterThan(0)
    const home = await admin.get('/admin')
    expect(home.body).toContain(`Commentaires (${pending})</a>`)
    expect(visibleText(mainOf(home.body))).toContain(`${pending} commentaire${pending > 1 ? 's' : ''} en attente`)
  })
})
