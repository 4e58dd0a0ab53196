// A Carnet blog on a real port of its own loopback address (127.0.0.2), for fediverse tests with a peer server
// (test/helpers/fedi-peer.ts on 127.0.0.3): SITE_URL is its real address, and OUTBOUND_ALLOW_PRIVATE lets it
// reach the peer on loopback over http.
import { createServer } from 'node:net'
import type { BuildOptions } from '../../src/app.ts'
import { buildTestApp, type TestBlog } from './app.ts'

export const BLOG_HOST = '127.0.0.2'

/** A port free on the host now (the blog listens on it next). */
export function freePort(host = BLOG_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface FediBlog extends TestBlog {
  /** http://127.0.0.2:PORT */
  origin: string
  port: number
  /** @blog@127.0.0.2:PORT (the handle setting's) */
  handle: string
}

/**
 * Builds the blog and listens. `dir` reopens another blog's database (a restart, or a second instance); `port`
 * keeps an address (a restart keeps its SITE_URL).
 */
export async function startFediBlog(
  options: {
    dir?: string
    port?: number
    /** Another instance's address (two instances behind one): its SITE_URL, listening on a port of its own. */
    siteUrl?: string
    env?: Record<string, string>
    build?: Omit<BuildOptions, 'logger'>
    logger?: BuildOptions['logger']
  } = {},
): Promise<FediBlog> {
  const port = options.port ?? (await freePort())
  const origin = options.siteUrl ?? `http://${BLOG_HOST}:${port}`
  const blog = await buildTestApp({
    demo: false,
    dir: options.dir,
    build: options.build,
    logger: options.logger,
    // Jobs polled as in production (tests elsewhere run them by hand): deliveries and received activities flow.
    env: { SITE_URL: origin, OUTBOUND_ALLOW_PRIVATE: '1', JOBS_POLL_MS: '100', ...options.env },
  })
  await blog.app.listen({ host: BLOG_HOST, port })
  return { ...blog, origin, port, handle: `@${blog.app.settings.get().fediverseHandle}@${BLOG_HOST}:${port}` }
}
