// The `media` plugin: the media library (app.media), the /media/ files straight from disk, and the start-up sweep
// of what an interrupted upload or a crash left in the folder.
import { availableParallelism } from 'node:os'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import sharp from 'sharp'
import { MEDIA_FILE, MIME_TYPES, type MediaExtension } from './names.ts'
import { MediaStore } from './store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    media: MediaStore
  }
}

async function mediaPlugin(app: FastifyInstance) {
  // libvips would use every core for one image; half of them (one on a 2-core machine) leaves the rest to the
  // event loop and the page compression worker, so that readers barely notice an upload (bench/media.ts).
  sharp.concurrency(Math.max(1, Math.floor(availableParallelism() / 2)))
  const store = new MediaStore(app.db, app.config.mediaDir, app.config.mediaMaxBytes)
  await store.ensureDir()
  app.decorate('media', store)
  // Not awaited by requests: a large folder must not delay start-up. A failure is only logged.
  app.addHook('onReady', async () => {
    store.sweep().then(
      (removed) => removed && app.log.info({ removed }, 'media: removed orphaned files'),
      (err: unknown) => app.log.warn({ err }, 'media: sweep failed'),
    )
  })

  // Streamed from disk by @fastify/static (send): ranges, ETag and Last-Modified with their 304s. Only names the
  // library makes are served (a dot-file being written, or any other path, is a 404: no traversal).
  await app.register(fastifyStatic, {
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
}

export default fp(mediaPlugin, { name: 'media', dependencies: ['database', '@fastify/compress', 'security'] })
