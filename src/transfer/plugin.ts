// The `transfer` plugin: imported posts' old addresses keep working (legacy-urls.ts). The import and export
// themselves are plain functions (wxr-import.ts, wxr-export.ts, disqus-import.ts) used by the command line
// and by the admin's Import / export page.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { undoInterruptedRuns } from './import-runs.ts'
import { legacyRedirects } from './legacy-urls.ts'

async function transferPlugin(app: FastifyInstance) {
  legacyRedirects(app)
  // An import whose process died halfway (import-runs.ts) is undone when the blog starts, after it listens.
  app.addHook('onReady', async () => {
    undoInterruptedRuns(app.db).then(
      (undone) => {
        for (const u of undone)
          app.log.warn({ run: u.run, posts: u.posts, comments: u.comments, threads: u.threads }, 'interrupted import undone')
      },
      (err: unknown) => app.log.error({ err }, 'an interrupted import could not be undone'),
    )
  })
}

// After the page cache's lookup (its onRequest hook comes first) and the errors plugin (notFoundRedirects).
export default fp(transferPlugin, { name: 'transfer', dependencies: ['database', 'settings', 'errors', 'page-cache'] })
