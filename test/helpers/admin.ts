// Signing in and using the admin through inject(), the way a browser does: cookie jar of one cookie, CSRF token
// read from the page's form.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { createUser } from '../../src/admin/users.ts'

export const ADMIN = { username: 'alice', password: 'correct horse battery' }

export async function createAdmin(app: FastifyInstance, username = ADMIN.username, password = ADMIN.password) {
  expect(await createUser(app.db, username, password), `admin ${username} already exists`).toBe(true)
}

/** The `_csrf` value of the first form on a page. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!m) throw new Error('page has no CSRF field')
  return m[1]!
}

/** `carnet_session=<raw value>` from a response, as a browser would send it back (undecoded: pitfall 3). */
export function sessionCookieOf(res: LightMyRequestResponse): string | undefined {
  const header = res.headers['set-cookie']
  const all = Array.isArray(header) ? header : header ? [header] : []
  const line = all.find((c) => c.startsWith('carnet_session='))
  return line?.split(';')[0]
}

export class AdminClient {
  cookie = ''
  csrf = ''
  constructor(readonly app: FastifyInstance) {}

  #remember(res: LightMyRequestResponse) {
    const cookie = sessionCookieOf(res)
    if (cookie !== undefined) this.cookie = cookie
    if (/name="_csrf" value="/.test(res.body)) this.csrf = csrfOf(res.body)
  }

  async get(url: string) {
    const res = await this.app.inject({ method: 'GET', url, headers: this.cookie ? { cookie: this.cookie } : {} })
    this.#remember(res)
    return res
  }

  /** Posts a form with the current CSRF token (unless `_csrf` is given). */
  async post(url: string, form: Record<string, string | string[]> = {}) {
    const body = new URLSearchParams()
    if (!('_csrf' in form)) body.append('_csrf', this.csrf)
    for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one)
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie ? { cookie: this.cookie } : {}) },
      payload: body.toString(),
    })
    this.#remember(res)
    return res
  }

  async signIn(username = ADMIN.username, password = ADMIN.password) {
    await this.get('/admin/login')
    const res = await this.post('/admin/login', { username, password, next: '/admin' })
    if (res.statusCode === 303) await this.get(res.headers.location as string)
    return res
  }
}

export async function signedIn(app: FastifyInstance): Promise<AdminClient> {
  const client = new AdminClient(app)
  const res = await client.signIn()
  expect(res.statusCode, res.body).toBe(303)
  return client
}
