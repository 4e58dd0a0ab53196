// Subscribing through the public form, confirming through the mail's link, publishing a post as the
// publications' `newsletter` channel does: shared by the newsletter's tests.
import { SITE_URL, type TestBlog } from '../helpers/app.ts'
import type { Received, TestSmtp } from '../helpers/smtp.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'

export function subscribe(blog: TestBlog, fields: Record<string, string>, opts: { ip?: string; headers?: Record<string, string> } = {}) {
  return blog.app.inject({
    method: 'POST',
    url: '/subscribe',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress: opts.ip ?? '203.0.113.9',
  })
}

/** The one link of a mail's text that starts with this path. */
export function linkIn(mail: Received, path: string): string {
  const m = new RegExp(`${SITE_URL}${path}[^\\s>]+`).exec(mail.parsed.text ?? '')
  if (!m) throw new Error(`no ${path} link in: ${mail.parsed.text}`)
  return m[0].slice(SITE_URL.length)
}

/** Subscribes an address and confirms it through its confirmation mail; returns how many mails have arrived. */
export async function confirmedSubscriber(blog: TestBlog, smtp: TestSmtp, email: string, cadence: 'post' | 'weekly' = 'post') {
  const before = smtp.received.length
  const res = await subscribe(blog, { email, name: '', cadence })
  if (res.statusCode !== 303) throw new Error(`subscribe answered ${res.statusCode}`)
  await blog.app.mail.deliverNow()
  const mails = await smtp.waitFor(before + 1)
  const path = linkIn(mails[before]!, '/mail/confirm/')
  const confirmed = await blog.app.inject({ method: 'POST', url: path })
  if (confirmed.statusCode !== 200) throw new Error(`confirm answered ${confirmed.statusCode}`)
}

/**
 * A post readers see now, announced by the publications' watcher (which the app runs every few seconds, and tests
 * by hand). The first check starts the channel: it hears only of posts published after it began.
 */
export async function publish(blog: TestBlog, input: { title: string; body: string; daysAgo?: number }) {
  await blog.app.publications.check()
  const publishedAt = new Date(Date.now() - (input.daysAgo ?? 0) * 86_400_000).toISOString()
  const { id, slug } = await createPost(blog.app.db, { title: input.title, body: input.body, status: 'published', publishedAt })
  const row = await blog.app.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const url = `${SITE_URL}${postPath({ slug, published_at: publishedAt }, blog.app.settings.get().timezone)}`
  await blog.app.publications.check()
  return { id, title: row.title, body_html: row.body_html, url }
}
