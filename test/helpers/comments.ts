// Helpers for the comment suites: a post with an open thread, a form post as a browser sends it, and reading the
// comments section of a page back.
import { expect } from 'vitest'
import { postPath } from '../../src/lib/urls.ts'
import { createPost } from '../../src/content/posts.write.ts'
import type { CommentInput } from '../../src/comments/comments.schemas.ts'
import { visibleText, type TestBlog } from './app.ts'

export const DAY = 24 * 60 * 60 * 1000

export type Fields = Record<string, string>

/** A valid comment as the form gives it to submitComment, by name and text (no e-mail, no address). */
export const commentInput = (author: string, body: string, parent: number | null = null): CommentInput => ({
  author,
  email: null,
  url: null,
  body,
  remember: false,
  notify: false,
  notify_all: false,
  parent,
})

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

export const SAVE_FAILED =
  'Votre commentaire n’a pas pu être enregistré : le site a un problème passager. Votre texte est ci-dessous ; réessayez dans quelques minutes.'

/** A logger that keeps every line, for tests that read what was logged. */
export function logLines() {
  const lines: string[] = []
  return { lines, logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } }
}

/** The same, each line read as the JSON record it is. */
export function logRecords<T>() {
  const records: T[] = []
  return { records, logger: { level: 'info', stream: { write: (line: string) => void records.push(JSON.parse(line) as T) } } }
}

/** The comment form as sent back (comments-failures*.test.ts): the text kept, the message, nothing stored. */
export async function expectFormKept(
  blog: TestBlog,
  postId: number,
  res: Awaited<ReturnType<typeof send>>,
  typed: Record<string, string>,
  message: string,
) {
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
  const form = commentsArea(res.body)
  expect(visibleText(form)).toContain(message)
  expect(textareaValue(form, 'body')).toBe(typed.body)
  for (const name of ['author', 'email', 'url'] as const) expect(inputValue(form, name)).toBe(typed[name] ?? '')
  // The rest of the post page is there too.
  expect(res.body).toContain('Le texte de la note.')
  expect(await commentsOf(blog, postId)).toHaveLength(0)
}
