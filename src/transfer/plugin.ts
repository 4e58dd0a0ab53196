// The `transfer` plugin: imported posts' old addresses keep working (legacy-urls.ts). The import and export
// themselves are plain functions (wxr-import.ts, wxr-export.ts, disqus-import.ts) used by the command line
// and by the admin's Import / export page.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { legacyRedirects } from './legacy-urls.ts'

async function transferPlugin(app: FastifyInstance) {
  legacyRedirects(app)
}

// After the page cache's lookup (its onRequest hook comes first) and the errors plugin (notFoundRedirects).
export default fp(transferPlugin, { name: 'transfer', dependencies: ['database', 'settings', 'errors', 'page-cache'] })
