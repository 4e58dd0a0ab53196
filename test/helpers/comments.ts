// Helpers for the comment suites: a post with an open thread, a form post as a browser sends it, and reading the
// comments section of a page back.
import { postPath } from '../../src/lib/urls.ts'
import { createPost } from '../../src/content/posts.write.ts'
import type { TestBlog } from './app.ts'

export const DAY = 24 * 60 * 60 * 1000

export type Fields = Record<string, string>

/** A published post with an open thread; returns its id and permanent link. */
export async function openPost(blog: TestBlog, opts: { daysAgo?: number; commentsOpen?: boolean; title?: string } = {}) {
  const publishedAt = new Date(Date.now() - (opts.daysAgo ?? 1) * DAY).toISOString()
  const { id, slug } = await createPost(blog.app.db, {
    title: opts.title ?? `Une note ouverte ${Math.random().toString(36).slice(2, 8)}`,
    body: 'Le texte de la note.',
    status: 'published',
    publishedAt,
    commentsOpen: opts.commentsOpen ?? true,
  })
  return { id, url: postPath({ slug, published_at: publishedAt }, blog.app.settings.get().timezone) }
}

export function send(blog: TestBlog, url: string, fields: Fields, opts: { headers?: Record<string, string>; ip?: string } = {}) {
  return blog.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress: opts.ip ?? '203.0.113.7',
  })
}

export async function commentsOf(blog: TestBlog, postId: number) {
  return blog.app.db.selectFrom('comments').selectAll().where('post_id', '=', postId).orderBy('id').execute()
}

/** The comments section of a page: the list and the form. */
export function commentsArea(html: string): string {
  const m = /<section id="comments"[\s\S]*?<\/section>/.exec(html)
  if (!m) throw new Error('page has no comments section')
  return m[0]
}

/** The comment list only (what readers wrote), without the form. */
export function commentList(html: string): string {
  const area = commentsArea(html)
  const end = area.indexOf('<div id="respond"')
  return end < 0 ? area : area.slice(0, end)
}

/** The value of an input (decoded) as the page shows it. */
export function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input [^>]*name="${name}"[^>]*>`).exec(html)
  const v = m && /value="([^"]*)"/.exec(m[0])
  return v ? decode(v[1]!) : undefined
}

export function textareaValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<textarea [^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)
  return m ? decode(m[1]!) : undefined
}

export function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
