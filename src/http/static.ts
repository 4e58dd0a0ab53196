// Stylesheet, images and the favicon. Files linked with a `?v=<hash>` fingerprint never change at that address,
// so browsers may keep them for a year; anything else is revalidated after an hour. A theme's static/ folder is
// served the same way under /theme/<name>/ (its templates link them with it.theme.asset).
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { STATIC_DIR } from './view.ts'

async function staticPlugin(app: FastifyInstance) {
  await app.register(fastifyStatic, {
    root: STATIC_DIR,
    prefix: '/static/',
    cacheControl: false,
    wildcard: true,
    index: false,
  })
  const theme = app.theme
  const themePrefix = theme ? `/theme/${theme.name}/` : null
  if (theme?.staticDir) {
    // @fastify/static (send) refuses `..`; dotfiles (.git, .env…) are not served: a folder copied with its
    // tools' files must not publish them.
    await app.register(fastifyStatic, {
      root: theme.staticDir,
      prefix: themePrefix!,
      dotfiles: 'ignore',
      cacheControl: false,
      wildcard: true,
      index: false,
      decorateReply: false,
    })
  }
  app.addHook('onSend', async (request, reply, payload) => {
    if (
      reply.statusCode === 200 &&
      (request.url.startsWith('/static/') || request.url === '/favicon.ico' || (themePrefix && request.url.startsWith(themePrefix)))
    ) {
      const fingerprinted = /[?&]v=[0-9a-f]+/.test(request.url)
      reply.header('cache-control', fingerprinted ? 'public, max-age=31536000, immutable' : 'public, max-age=3600')
    }
    return payload
  })
  app.get('/favicon.ico', (request, reply) => reply.type('image/x-icon').sendFile('favicon.ico'))
}

// @fastify/compress first: it hooks routes as they are added, these files' among them.
export default fp(staticPlugin, { name: 'static', dependencies: ['@fastify/compress', 'security', 'render'] })
