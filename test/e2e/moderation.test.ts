/// <reference lib="dom" />
// The admin's conversation tools in a real browser: from the moderation list the admin bans a troll (the form
// comes pre-filled from the comment's row, and hides their comments), pins the best comment, answers it, and
// approves and answers a waiting one in one step. A reader in another browser then finds the pinned comment
// first and marked, the answer threaded under it and marked "auteur", the troll gone and their new comment
// kept out. axe and html-validate on every new page and state, forms with errors included.
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { postPath } from '../../src/lib/urls.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  ADMIN,
  hasChromium,
  launchBrowser,
  navigation,
  screenshots,
  signIn,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'

describe.skipIf(!hasChromium)('banning, pinning and answering from the admin', () => {
  let blog: LiveBlog
  let admin: Browser
  let reader: Browser
  let postUrl = ''
  beforeAll(async () => {
    blog = await startBlog()
    ;[admin, reader] = await Promise.all([launchBrowser(), launchBrowser()])
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
    const post = await blog.app.db
      .selectFrom('posts')
      .select(['id', 'slug', 'published_at'])
      .where('comments_open', '=', 1)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    postUrl = postPath(post, blog.app.settings.get().timezone)
    const at = (minutes: number) => new Date(Date.now() - (60 - minutes) * 60_000).toISOString()
    await blog.app.db
      .insertInto('comments')
      .values([
        {
          post_id: post.id,
          parent_id: null,
          author_name: 'Troll',
          author_email: 'troll@exemple.fr',
          body: 'Vous avez tous tort.',
          status: 'approved',
          created_at: at(1),
          ip: '198.51.100.9',
        },
        {
          post_id: post.id,
          parent_id: null,
          author_name: 'Sage',
          author_email: null,
          body: 'Une remarque utile.',
          status: 'approved',
          created_at: at(2),
          ip: '192.0.2.4',
        },
        {
          post_id: post.id,
          parent_id: null,
          author_name: 'Nouvelle',
          author_email: null,
          body: 'Premier passage ici.',
          status: 'pending',
          created_at: at(3),
          ip: '192.0.2.5',
        },
      ])
      .execute()
  })
  afterAll(async () => {
    await admin?.close()
    await reader?.close()
    await blog?.close()
  })

  async function check(page: Page, res: Response | null, name: string, status: number) {
    expect(res?.status(), name).toBe(status)
    expect(await htmlErrors(await res!.text(), name), name).toEqual([])
    expect(await axeViolations(page), name).toEqual([])
  }

  it('bans, pins and answers; a reader sees the result', async () => {
    const page = await admin.context.newPage()
    const problems = watchPage(page)
    await page.goto(`${blog.url}/admin/login`)
    await signIn(page)

    // The approved tab: each row has its pin button, a "Ban" link and an answer box.
    let res = await page.goto(`${blog.url}/admin/comments?status=approved`)
    await check(page, res, 'moderation list with conversation tools', 200)
    await screenshots(page, 'moderation-list')

    // Ban the troll from their row: the form comes pre-filled with their address, IP and name.
    res = await navigation(page, () => page.getByRole('link', { name: 'Bannir Troll' }).click())
    await check(page, res, 'ban form pre-filled', 200)
    expect(await page.getByLabel('Adresse e-mail').inputValue()).toBe('troll@exemple.fr')
    expect(await page.getByLabel('Adresse IP').inputValue()).toBe('198.51.100.9')
    expect(await page.getByLabel('Nom', { exact: true }).inputValue()).toBe('Troll')
    // A typo first: the form comes back with the message beside the field, nothing lost.
    await page.getByLabel('Adresse IP').fill('198.51.100.999')
    await page.getByLabel('Note (vue des seuls administrateurs)').fill('Insultes répétées 😤')
    res = await navigation(page, () => page.getByRole('button', { name: 'Bannir', exact: true }).click())
    await check(page, res, 'ban form with errors', 400)
    expect(await page.locator('#ip-error').textContent()).toContain('Adresse IP invalide')
    expect(await page.getByLabel('Note (vue des seuls administrateurs)').inputValue()).toBe('Insultes répétées 😤')
    await page.getByLabel('Adresse IP').fill('198.51.100.9')
    await page.getByLabel('Masquer aussi tous ses commentaires existants').check()
    res = await navigation(page, () => page.getByRole('button', { name: 'Bannir', exact: true }).click())
    await check(page, res, 'bans list', 200)
    expect(await page.getByRole('status').textContent()).toBe('1 commentaire masqué (indésirable).')
    expect(await page.locator('main').innerText()).toContain('troll@exemple.fr')
    await screenshots(page, 'moderation-bans')

    // Pin Sage's comment, then answer it from the list.
    await page.goto(`${blog.url}/admin/comments?status=approved`)
    await navigation(page, () => page.getByRole('button', { name: 'Épingler : Sage' }).click())
    await page.getByLabel('Votre réponse à Sage').fill('Merci, c’est exactement ça.')
    await navigation(page, () => page.getByRole('button', { name: 'Répondre : Sage' }).click())
    res = await page.goto(`${blog.url}/admin/comments?status=approved`)
    await check(page, res, 'moderation list with a pinned comment and an answer', 200)
    expect(await page.locator('main').innerText()).toContain('Merci, c’est exactement ça.')

    // A waiting comment: approved and answered in one step.
    await page.goto(`${blog.url}/admin/comments?status=pending`)
    await page.getByLabel('Votre réponse à Nouvelle').fill('Bienvenue !')
    await navigation(page, () => page.getByRole('button', { name: 'Approuver et répondre : Nouvelle' }).click())

    // The answer page, sent empty: 400, the message beside the field.
    const sage = await blog.app.db.selectFrom('comments').select('id').where('author_name', '=', 'Sage').executeTakeFirstOrThrow()
    res = await page.goto(`${blog.url}/admin/comments/${sage.id}/answer`)
    await check(page, res, 'answer page', 200)
    await page.locator('#answer-body').evaluate((el) => el.closest('form')!.setAttribute('novalidate', ''))
    res = await navigation(page, () => page.getByRole('button', { name: 'Répondre' }).click())
    await check(page, res, 'answer page with errors', 400)
    expect(await page.locator('#answer-error').textContent()).toBe('Écrivez une réponse.')
    // The two forms sent back on purpose are the only failed loads.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])
    expect(problems.length).toBe(2)
    await page.close()

    // A reader: Sage first, pinned; the answers marked "auteur"; the troll gone, and kept out.
    const view = await reader.context.newPage()
    res = await view.goto(blog.url + postUrl)
    await check(view, res, 'post with a pinned comment and answers', 200)
    const comments = view.locator('.comment-list > li > article')
    await expect.poll(() => comments.first().innerText()).toContain('Une remarque utile.')
    expect(await comments.first().innerText()).toContain('Épinglé')
    const answer = view.locator('.comment-replies article', { hasText: 'Merci, c’est exactement ça.' })
    expect(await answer.innerText()).toContain('auteur')
    expect(await view.locator('.comment-list').innerText()).toContain('Bienvenue !')
    expect(await view.locator('.comment-list').innerText()).not.toContain('Vous avez tous tort.')
    await screenshots(view, 'moderation-reader')

    await view.locator('#comment-author').fill('TROLL')
    await view.locator('#comment-body').fill('Je reviens quand même.')
    await navigation(view, () => view.getByRole('button', { name: 'Publier le commentaire' }).click())
    expect(await view.locator('.comment-list').innerText()).not.toContain('Je reviens quand même.')
    const kept = await blog.app.db
      .selectFrom('comments')
      .select('status')
      .where('body', '=', 'Je reviens quand même.')
      .executeTakeFirstOrThrow()
    expect(kept.status).toBe('spam')
    await view.close()
  }, 120_000)
})
