// The `media` plugin: the media library (app.media), the /media/ files straight from disk, and the start-up sweep
// of what an interrupted upload or a crash left in the folder (and the copies it left unmade).
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { MEDIA_FILE, MIME_TYPES, type MediaExtension } from './names.ts'
import { MediaStore } from './store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    media: MediaStore
  }
}

async function mediaPlugin(app: FastifyInstance) {
  const store = new MediaStore(app.db, app.config.mediaDir, app.config.mediaMaxBytes, (err, name) =>
    app.log.warn({ err, name }, 'media: copies not made (the full size is served instead)'),
  )
  await store.ensureDir()
  app.decorate('media', store)
  // Not awaited by requests: a large folder must not delay start-up. A failure is only logged.
  app.addHook('onReady', async () => {
    store
      .sweep()
      .then((removed) => removed && app.log.info({ removed }, 'media: removed orphaned files'))
      .then(() => store.resumeCopies())
      .then(
        (resumed) => resumed && app.log.info({ resumed }, 'media: making the copies an earlier run left unmade'),
        (err: unknown) => app.log.warn({ err }, 'media: sweep failed'),
      )
  })
  // Copies being made stop between two files; the next start makes the rest (resumeCopies).
  app.addHook('onClose', () => store.stop())

  // Streamed from disk by @fastify/static (send): ranges, ETag and Last-Modified with their 304s. Only names the
  // library makes are served (a dot-file being written, or any other path, is a 404: no traversal). A size or
  // format of an image whose copies are still being made is, until then, a temporary redirect to its full size
  // (never cached: the real file follows).
  await app.register(async (files) => {
    files.addHook('onRequest', async (request, reply) => {
      const name = request.url.slice('/media/'.length).replace(/[?#].*$/, '')
      if (!MEDIA_FILE.test(name)) return
      const there = await access(join(store.dir, name)).then(
        () => true,
        () => false,
      )
      const to = there ? null : await store.standIn(name)
      if (to) return reply.header('cache-control', 'no-store').redirect(to, 307)
    })
    await files.register(fastifyStatic, {
      root: store.dir,
      prefix: '/media/',
      decorateReply: false,
      index: false,
      wildcard: true,
      cacheControl: false,
      allowedPath: (pathName) => MEDIA_FILE.test(pathName.replace(/^\//, '')),
      setHeaders(reply, path) {
        // A name changes whenever the bytes do: caches may keep a file for ever.
        reply.header('cache-control', 'public, max-age=31536000, immutable')
        const ext = /\.(\w+)$/.exec(path)?.[1] as MediaExtension | undefined
        if (ext && ext in MIME_TYPES) reply.header('content-type', MIME_TYPES[ext])
      },
    })
  })
}

export default fp(mediaPlugin, { name: 'media', dependencies: ['database', '@fastify/compress', 'security'] })
