/// <reference lib="dom" />
// No admin page scrolls sideways on a 375 px phone (issue 30: the outbox table was 639 px wide, the dashboard's
// audit log up to 630 px). Every GET route under /admin is visited, as the app itself lists them
// (app.adminRoutes, checked against the router by test/admin/routes.test.ts): a new admin page that is not given
// an address here fails this test. The pages hold what makes a page wide in real life: long words, URLs and
// addresses in posts, comments, mails, the audit log, bans, images and reports.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { audit } from '../../src/admin/audit.ts'
import { createPost, updatePost } from '../../src/content/posts.write.ts'
import { insertBan } from '../../src/comments/bans.ts'
import { postPath } from '../../src/lib/urls.ts'
import { ADMIN, hasChromium, launchBrowser, signIn, startBlog, type Browser, type LiveBlog } from '../helpers/browser.ts'
import { makeImage } from '../helpers/images.ts'
import { PHONE } from '../helpers/targets.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { createUser } from '../../src/admin/users.ts'
import { DEFAULT_SIDEBAR } from '../../src/settings/look.ts'
import { createInvitation, invitationTokens } from '../../src/admin/invitations.ts'
import { loadSessionKey } from '../../src/admin/session.ts'

/** Words no line can break: what a commenter pastes, what a mail server answers. */
const LONG_WORD = 'Anticonstitutionnellement'.repeat(4)
const LONG_URL = `https://exemple.fr/${'un-chemin/'.repeat(6)}${'x'.repeat(60)}?utm_source=${'y'.repeat(40)}`
const LONG_EMAIL = `prenom.nom.${'tres-long'.repeat(5)}@sous-domaine.${'exemple'.repeat(4)}.fr`
const LONG_TITLE = `Une note au titre ${LONG_WORD} très long`

/** Each admin GET route: the addresses that show it with its data, and a text each must show (the data is there). */
const ADDRESSES: Record<
  string,
  (id: { post: number; comment: number; media: number; writer: number; invite: string; revision: number }) => Array<[string, string]>
> = {
  '/admin': () => [['/admin', 'comment.approve']],
  '/admin/login': () => [['/admin/login', 'Se connecter']],
  '/admin/posts': () => [
    ['/admin/posts', LONG_WORD],
    ['/admin/posts?state=draft', 'Brouillon'],
  ],
  '/admin/posts/new': () => [['/admin/posts/new', 'Nouvelle note']],
  '/admin/pages': () => [['/admin/pages', 'Nouvelle page']],
  '/admin/menu': () => [['/admin/menu', 'Menu du blog']],
  '/admin/posts/:id': (id) => [[`/admin/posts/${id.post}`, 'Discussion']],
  '/admin/posts/:id/delete': (id) => [[`/admin/posts/${id.post}/delete`, LONG_WORD]],
  '/admin/posts/:id/revisions': (id) => [[`/admin/posts/${id.post}/revisions`, LONG_WORD]],
  '/admin/posts/:id/revisions/compare': (id) => [[`/admin/posts/${id.post}/revisions/compare`, LONG_URL]],
  '/admin/posts/:id/revision': (id) => [[`/admin/posts/${id.post}/revision?rev=${id.revision}`, LONG_URL]],
  '/admin/comments': () => [
    ['/admin/comments', LONG_URL],
    ['/admin/comments?status=approved', LONG_WORD],
    ['/admin/comments?status=spam', LONG_URL],
  ],
  '/admin/comments/:id/answer': (id) => [[`/admin/comments/${id.comment}/answer`, LONG_URL]],
  '/admin/comments/:id/approve': (id) => [[`/admin/comments/${id.comment}/approve`, LONG_URL]],
  '/admin/comments/:id/spam': (id) => [[`/admin/comments/${id.comment}/spam`, LONG_URL]],
  '/admin/categories': () => [['/admin/categories', '/category/categorie-anticonstitutionnellement']],
  '/admin/bans': () => [['/admin/bans', LONG_EMAIL]],
  '/admin/account': () => [['/admin/account', 'Adresse']],
  '/admin/mail': (id) => [
    ['/admin/mail', LONG_EMAIL],
    [`/admin/mail?post=${id.post}#subscriptions`, LONG_EMAIL],
    ['/admin/mail?status=failed', 'Recipient address rejected'],
  ],
  '/admin/media': () => [['/admin/media', LONG_WORD]],
  '/admin/media/:id/delete': (id) => [[`/admin/media/${id.media}/delete`, LONG_WORD]],
  '/admin/settings': () => [['/admin/settings', 'Réglages']],
  '/admin/sidebar': () => [['/admin/sidebar', LONG_WORD]],
  '/admin/links': () => [['/admin/links', LONG_WORD]],
  '/admin/appearance': () => [['/admin/appearance', 'Apparence']],
  '/admin/transfer': () => [['/admin/transfer', 'Importer et exporter']],
  '/admin/jobs': () => [['/admin/jobs', LONG_URL]],
  '/admin/fediverse': () => [['/admin/fediverse', LONG_WORD]],
  '/admin/webmentions': () => [['/admin/webmentions', LONG_URL]],
  '/admin/webmentions/sent': () => [['/admin/webmentions/sent', LONG_URL]],
  '/admin/users': () => [['/admin/users', LONG_EMAIL]],
  '/admin/subscribers': () => [['/admin/subscribers', LONG_EMAIL]],
  '/admin/users/:id/delete': (id) => [[`/admin/users/${id.writer}/delete`, LONG_WORD]],
  '/admin/invite/:token': (id) => [[`/admin/invite/${id.invite}`, 'Nom affiché']],
}

describe.skipIf(!hasChromium)('every admin page at 375 px, with real data', () => {
  let blog: LiveBlog
  let browser: Browser
  /** Ids of what the pages show, for the addresses of the routes with parameters. */
  const ids = { post: 0, comment: 0, media: 0, writer: 0, invite: '', revision: 0 }

  beforeAll(async () => {
    blog = await startBlog()
    const db = blog.app.db
    await createUser(db, ADMIN.username, ADMIN.password)
    const admin = await db.selectFrom('users').select(['id', 'username']).where('username', '=', ADMIN.username).executeTakeFirstOrThrow()
    await db.updateTable('users').set({ email: LONG_EMAIL }).where('id', '=', admin.id).execute()

    const publishedAt = new Date(Date.now() - 86_400_000).toISOString()
    const post = await createPost(db, {
      title: LONG_TITLE,
      body: `Un paragraphe avec ${LONG_WORD} et ${LONG_URL}.`,
      status: 'published',
      publishedAt,
      categories: [`Catégorie ${LONG_WORD}`],
      tags: [LONG_WORD],
    })
    ids.post = post.id
    await createPost(db, { title: `Brouillon ${LONG_WORD}`, body: 'x', status: 'draft' })
    // The look's lists with long words: a text block and a link of the blogroll.
    await blog.app.settings.update({
      sidebarBlocks: [...DEFAULT_SIDEBAR, { id: 'klong', type: 'text', title: LONG_WORD, markdown: `${LONG_WORD} ${LONG_URL}` }],
      links: [{ id: 'klink', name: LONG_WORD, url: LONG_URL, description: LONG_WORD }],
    })
    // Two saves from the editor: revisions to list, compare and read, their lines long.
    for (const body of [`Première version, ${LONG_URL}`, `Seconde version, ${LONG_WORD} ${LONG_URL}`]) {
      await updatePost(db, post.id, {
        title: LONG_TITLE,
        slug: post.slug,
        body,
        signature: '',
        status: 'published',
        publishedAt,
        categoryIds: [],
        tags: [LONG_WORD],
        by: admin,
      })
    }
    ids.revision = (
      await db.selectFrom('post_revisions').select('id').where('post_id', '=', post.id).orderBy('id').executeTakeFirstOrThrow()
    ).id
    const url = postPath({ slug: post.slug, published_at: publishedAt }, blog.app.settings.get().timezone)

    // Comments through the real form, as a reader's browser sends them.
    for (const [i, body] of [`Voyez ${LONG_URL}`, `Un mot : ${LONG_WORD}`, `Encore ${LONG_WORD} ${LONG_URL}`].entries()) {
      const res = await fetch(blog.url + url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ author: `Lecteur ${LONG_WORD}`.slice(0, 100), email: LONG_EMAIL, url: LONG_URL, body }).toString(),
      })
      expect(res.status, `comment ${i}`).toBe(303)
    }
    const comments = await db.selectFrom('comments').select('id').where('post_id', '=', post.id).orderBy('id').execute()
    ids.comment = comments[0]!.id
    await db.updateTable('comments').set({ status: 'pending' }).where('id', '=', comments[0]!.id).execute()
    await db.updateTable('comments').set({ status: 'spam' }).where('id', '=', comments[2]!.id).execute()
    // A webmention received from a long address, and one sent to it with a long answer (src/webmention/).
    const mentionedAt = new Date().toISOString()
    await db
      .insertInto('webmentions')
      .values({
        source: LONG_URL,
        target: blog.url + url,
        post_id: post.id,
        state: 'refused',
        result: 'no-link',
        detail: LONG_WORD,
        author_name: LONG_WORD,
        created_at: mentionedAt,
        checked_at: mentionedAt,
      })
      .execute()
    await db
      .insertInto('webmention_sends')
      .values({
        post_id: post.id,
        source: blog.url + url,
        target: LONG_URL,
        endpoint: LONG_URL,
        state: 'refused',
        status_code: 400,
        answer: `${LONG_WORD} ${LONG_URL}`,
        created_at: mentionedAt,
        sent_at: mentionedAt,
      })
      .execute()
    // A reader's report on the approved one.
    await db
      .insertInto('comment_reports')
      .values({
        comment_id: comments[1]!.id,
        reason: 'other',
        note: `Voir ${LONG_URL}`,
        reporter: 'r1',
        created_at: new Date().toISOString(),
        resolved_at: null,
      })
      .execute()

    // Bans of every kind, with long values and notes.
    const created = new Date().toISOString()
    for (const [kind, value] of [
      ['email', LONG_EMAIL],
      ['name', `lecteur ${LONG_WORD}`.toLowerCase()],
      ['ip', '2001:db8:1234:5678:9abc:def0:1234:5678'],
      ['network', '2001:db8:1234:5678::/64'],
    ] as const) {
      await insertBan(db, {
        kind,
        value,
        shown: value,
        subaddresses: 1,
        note: `Note ${LONG_WORD}`,
        expires_at: null,
        created_at: created,
        created_by: ADMIN.username,
      })
    }

    // The audit log, as actions write it.
    await audit(db, admin, 'ban.add', `ban 1`, { kind: 'email', value: LONG_EMAIL })
    await audit(db, admin, 'post.update', `post ${post.id}`, { title: LONG_TITLE, url: LONG_URL })
    await audit(db, admin, 'comment.approve', `comments ${Array.from({ length: 40 }, (_, i) => i + 1).join(', ')}`, { count: 40 })

    // The outbox in every state, and a post's subscriptions.
    const now = new Date().toISOString()
    // A follower from the fediverse with a long handle on a long instance name.
    await db
      .insertInto('fedi_followers')
      .values({
        actor_id: `https://${LONG_WORD.toLowerCase()}.exemple/users/zoe`,
        inbox: `https://${LONG_WORD.toLowerCase()}.exemple/users/zoe/inbox`,
        shared_inbox: null,
        handle: `@${LONG_WORD}@${LONG_WORD.toLowerCase()}.exemple`,
        instance: `${LONG_WORD.toLowerCase()}.exemple`,
        follow_id: null,
        followed_at: now,
      })
      .execute()
    // A background job given up, with a long error (an address in it).
    await db
      .insertInto('jobs')
      .values({
        kind: 'webmention-send',
        payload: '{}',
        key: null,
        run_at: now,
        attempts: 8,
        state: 'failed',
        claimed_by: null,
        claimed_until: null,
        last_error: `endpoint ${LONG_URL} answered 500`,
        created_at: now,
        finished_at: now,
      })
      .execute()
    for (const [status, error] of [
      ['queued', null],
      ['failed', `550 5.1.1 <${LONG_EMAIL}>: Recipient address rejected: User unknown in virtual mailbox table`],
      ['sent', null],
      ['cancelled', 'unsubscribed'],
    ] as const) {
      await db
        .insertInto('mail_outbox')
        .values({
          kind: 'notify',
          recipient: LONG_EMAIL,
          lang: 'fr',
          subject: `Nouvelle réponse sur « ${LONG_TITLE} »`,
          text_body: 'x',
          html_body: 'x',
          message_id: `<${status}.${LONG_WORD}@exemple.fr>`,
          thread_id: null,
          unsubscribe_token: null,
          unsubscribe_all_token: null,
          post_id: post.id,
          comment_id: ids.comment,
          status,
          next_attempt_at: now,
          claimed_by: null,
          claimed_until: null,
          last_error: error,
          created_at: now,
          sent_at: status === 'sent' ? now : null,
          sent_message_id: null,
        })
        .execute()
    }
    const address = await db
      .insertInto('mail_addresses')
      .values({ email: LONG_EMAIL, confirmed_at: now, confirmation_sent_at: now, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db.insertInto('mail_subscriptions').values({ address_id: address.id, post_id: post.id, kind: 'all', created_at: now }).execute()
    await db
      .insertInto('blog_subscriptions')
      .values({ address_id: address.id, name: LONG_WORD, cadence: 'post', status: 'active', created_at: now, confirmed_at: now })
      .execute()

    // An image, processed as an upload is, with a long alt text.
    const image = await makeImage(1600, 900)
    await blog.app.media.ensureDir()
    const upload = join(blog.app.media.dir, '.upload-phone-width')
    writeFileSync(upload, image)
    ids.media = (await blog.app.media.addReceived(upload, image.length, { alt: `Une image ${LONG_WORD}`, decorative: false })).id

    // A writer with a long name, and an invitation to a long address (pending on /admin/users).
    await createUser(db, 'redactrice', ADMIN.password, 'author')
    ids.writer = (await db.selectFrom('users').select('id').where('username', '=', 'redactrice').executeTakeFirstOrThrow()).id
    await db
      .updateTable('users')
      .set({ display_name: `Rédactrice ${LONG_WORD}` })
      .where('id', '=', ids.writer)
      .execute()
    const invitation = await createInvitation(db, LONG_EMAIL, 'editor', admin.id, new Date())
    ids.invite = invitationTokens(loadSessionKey(blog.config)).sign(invitation.id, invitation.expiresAt)

    browser = await launchBrowser()
    const page = await browser.context.newPage()
    await page.goto(`${blog.url}/admin/login`)
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin')
    await page.close()
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
  })

  /**
   * How wide the page is to scroll, and what sticks out of the page (a box, or text overflowing its box) without
   * a scrolling box of its own around it: the page's own measure passes when the page hides its overflow, which
   * would cut what sticks out, so that is measured too.
   */
  function measure(page: Page) {
    return page.evaluate(() => {
      const width = document.documentElement.clientWidth
      /** Inside a box that scrolls, or that is hidden on purpose (the visually-hidden pattern: 1 px, clipped). */
      const contained = (el: Element): boolean => {
        for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
          const style = getComputedStyle(e)
          if (['auto', 'scroll'].includes(style.overflowX)) return true
          if (style.overflowX !== 'visible' && e.getBoundingClientRect().width <= 1) return true
        }
        return false
      }
      const ownText = (el: Element) => Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())
      const outside = Array.from(document.body.querySelectorAll('*'))
        .filter((el) => {
          const r = el.getBoundingClientRect()
          if (r.width === 0 || contained(el)) return false
          const textSticksOut = ownText(el) && getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1
          return r.right > width + 0.5 || (textSticksOut && el.clientWidth > 0)
        })
        .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`)
      return {
        scrollWidth: document.scrollingElement!.scrollWidth,
        clipped: [document.documentElement, document.body].some((e) => getComputedStyle(e).overflowX !== 'visible'),
        outside: [...new Set(outside)].slice(0, 5),
      }
    })
  }

  it('lists an address for every admin page the app has, and no other', () => {
    const routes = blog.app.adminRoutes.filter((r) => r.method === 'GET').map((r) => r.url)
    expect(routes.length).toBeGreaterThan(15)
    expect(new Set(Object.keys(ADDRESSES))).toEqual(new Set(routes))
  })

  it.each(Object.keys(ADDRESSES))('lays out %s within 375 px, long words and URLs wrapped, nothing cut', async (route) => {
    const wide: string[] = []
    const invalid: string[] = []
    const session = await browser.context.cookies()
    for (const [path, text] of ADDRESSES[route]!(ids)) {
      // The sign-in page as a stranger sees it.
      if (route === '/admin/login') await browser.context.clearCookies()
      const page = await browser.context.newPage()
      await page.setViewportSize(PHONE)
      const res = await page.goto(blog.url + path)
      expect(res?.status(), path).toBe(200)
      expect(new URL(page.url()).pathname, `${path}: the page itself`).toBe(new URL(blog.url + path).pathname)
      expect(await page.locator('main').innerText(), path).toContain(text)
      const m = await measure(page)
      if (m.scrollWidth > PHONE.width || m.clipped || m.outside.length) wide.push(`${path}: ${JSON.stringify(m)}`)
      // Filled with real data and laid out as cards, each page is still valid and accessible.
      invalid.push(...(await htmlErrors(await res!.text(), path)).map((e) => `${path}: ${e}`))
      invalid.push(...(await axeViolations(page)).map((e) => `${path}: ${e}`))
      await page.close()
      if (route === '/admin/login') await browser.context.addCookies(session)
    }
    expect(wide).toEqual([])
    expect(invalid).toEqual([])
  })
})
