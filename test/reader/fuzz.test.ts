// Hostile input, property-based: whatever arrives, no 5xx, nothing invalid stored, and a page a person can read.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commentForm } from '../../src/comments/comments.schemas.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

/** An open thread of the demo blog, and the sign-in form. */
const OPEN_POST = '/archive/2017/09/02/bienvenue-sur-ce-carnet.html'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

/** Public GET routes, with a placeholder where random text goes. */
const GET_TEMPLATES = [
  '/',
  '/?page=X',
  '/category/X',
  '/category/syrie?page=X',
  '/archive/X/',
  '/archive/2017/X/',
  `/archive/2017/10/01/X.html`,
  `${SEED_PATH}?X`,
  `${SEED_PATH}?cpage=X`,
  `${SEED_PATH}?reply=X`,
  '/comment/X',
  '/search?q=X',
  '/search?q=syrie&page=X',
  '/category/X/feed.rss',
  '/admin/login?next=X',
  '/X',
]
/** Routes that take a form; features add theirs (comment posting, sign-in). */
export const POST_TARGETS: string[] = ['/', SEED_PATH, OPEN_POST, '/admin/login', '/search']

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom(
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '..%2f..%2fetc%2fpasswd',
    '\u0000',
    '\ud800',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '"><svg onload=alert(1)>',
    '9'.repeat(400),
    '-1',
    '1e9',
    'NaN',
  ),
)

function expectReadable(res: { statusCode: number; headers: Record<string, unknown>; body: string; rawPayload: Buffer }, what: string) {
  expect(res.statusCode, what).toBeLessThan(500)
  if (res.statusCode >= 400) {
    expect(String(res.headers['content-type']), what).toContain('text/html')
    // As a browser reads it: decoded when it came compressed (`accept-encoding: *` asks for any encoding).
    const encoding = res.headers['content-encoding']
    const body =
      encoding === 'gzip'
        ? gunzipSync(res.rawPayload).toString()
        : encoding === 'br'
          ? brotliDecompressSync(res.rawPayload).toString()
          : res.body
    expect(encoding === undefined || encoding === 'gzip' || encoding === 'br', what).toBe(true)
    expect(body, what).toMatch(/<h1[^>]*>[^<]+<\/h1>/)
  }
}

describe('hostile input', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('random paths and query strings never give a server error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GET_TEMPLATES), anyText, async (template, text) => {
        // Raw text where the URL allows it, percent-encoded where it must be.
        const raw = template.replace('X', text)
        const url = /^[\x21-\x7e]*$/.test(raw) ? raw : template.replace('X', encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')))
        const res = await blog.app.inject({ method: 'GET', url })
        expectReadable(res, url)
      }),
      { numRuns: RUNS },
    )
  })

  it('random headers never give a server error', async () => {
    const headerName = fc.constantFrom(
      'accept',
      'accept-language',
      'accept-encoding',
      'cookie',
      'if-none-match',
      'if-modified-since',
      'range',
      'content-type',
      'x-forwarded-for',
      'host',
      'origin',
      'referer',
      'user-agent',
      'sec-fetch-site',
    )
    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/', SEED_PATH, '/category/syrie', '/search?q=syrie', '/feed.rss', '/admin/login', '/nope'),
        fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
        async (url, headers) => {
          const res = await blog.app.inject({ method: 'GET', url, headers })
          expectReadable(res, `${url} ${JSON.stringify(headers)}`)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('random form bodies, content types and sizes never give a server error or store anything invalid', async () => {
    const before = await counts(blog)
    const field = fc.constantFrom('author', 'email', 'url', 'body', 'remember', 'parent', 'username', 'password', '_csrf', 'x[y]', '')
    const value = fc.oneof(anyText, fc.constant('x'.repeat(100_000)))
    const body = fc.oneof(
      // Repeated fields are allowed: the array shape must not reach the database as such.
      fc
        .array(fc.tuple(field, value), { maxLength: 8 })
        .map((pairs) =>
          pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '\ufffd'))}`).join('&'),
        ),
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.constantFrom(
        'author=%ZZ&body=%',
        '%%%%',
        'a=1&a=2&a=3',
        '=&=&',
        '{"author":"x","body":"y"}',
        '{"author":"\\ud800","body":"\\udfff x"}',
        '{"author":["a","b"],"body":{"x":1}}',
        'author=a&author=b&body=c&body=d',
      ),
    )
    const contentType = fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
      'application/x-www-form-urlencoded; charset=latin1',
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_TARGETS), body, contentType, async (url, payload, type) => {
        const res = await blog.app.inject({ method: 'POST', url, payload, headers: type ? { 'content-type': type } : {} })
        expectReadable(res, `${url} ${type} ${payload.slice(0, 80)}`)
      }),
      { numRuns: RUNS },
    )
    const after = await counts(blog)
    expect({ posts: after.posts, categories: after.categories, users: after.users }).toEqual({
      posts: before.posts,
      categories: before.categories,
      users: before.users,
    })
    // A random body may well be a valid comment: what was stored must be exactly what the form's rules allow.
    const stored = await blog.app.db.selectFrom('comments').selectAll().where('id', '>', before.maxCommentId).execute()
    for (const row of stored) {
      const again = commentForm.safeParse({
        author: row.author_name,
        email: row.author_email ?? '',
        url: row.author_url ?? '',
        body: row.body,
      })
      expect(again.success, JSON.stringify(row)).toBe(true)
      expect(again.data).toMatchObject({ author: row.author_name, email: row.author_email, url: row.author_url, body: row.body })
      for (const value of [row.author_name, row.body, row.author_email ?? '', row.author_url ?? '']) {
        expect(value, JSON.stringify(row)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
      }
    }
  })
})

async function counts(blog: TestBlog) {
  const n = async (table: 'posts' | 'comments' | 'categories' | 'users') =>
    Number(
      (
        await blog.app.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  const max = await blog.app.db
    .selectFrom('comments')
    .select((eb) => eb.fn.max('id').as('m'))
    .executeTakeFirstOrThrow()
  return {
    posts: await n('posts'),
    comments: await n('comments'),
    categories: await n('categories'),
    users: await n('users'),
    maxCommentId: Number(max.m ?? 0),
  }
}
