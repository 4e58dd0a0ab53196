// The first segment of every address the app answers (`sitemap` of /sitemap.xml, `feed` of /feed.rss, `admin`,
// `archive`…), read from the router as routes are added, so that a page's slug never takes or shadows one: a page
// at /feed.html beside /feed.rss would read as part of the feeds. Registered first, so it sees every route.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** Lower-cased first segments of the app's routes, without their extension (`robots` of /robots.txt). */
    routeNames: ReadonlySet<string>
  }
}

/** `sitemap` of `/sitemap.xml`, `archive` of `/archive/:year`; undefined for `/` and a parameter (`/:slug.html`). */
export function firstSegment(url: string): string | undefined {
  const segment = url.split('/')[1] ?? ''
  if (segment === '' || segment.startsWith(':') || segment === '*') return undefined
  return segment.replace(/[.:*].*$/, '').toLowerCase() || undefined
}

async function routeNames(app: FastifyInstance) {
  const names = new Set<string>()
  app.decorate('routeNames', names)
  app.addHook('onRoute', (route) => {
    const name = firstSegment(route.url)
    if (name) names.add(name)
  })
}

export default fp(routeNames, { name: 'route-names' })
