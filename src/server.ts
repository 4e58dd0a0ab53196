// Starts Carnet: configuration, app, listen; on SIGTERM or SIGINT, stops accepting, finishes the requests in
// flight, closes the database and exits.
import { setFlagsFromString } from 'node:v8'
import { dialectOf, redactUrl } from './db/dialect.ts'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

// V8 lets its heap grow up to 4× what its last full collection left, and only such a collection frees the page
// cache's dropped copies (Buffers outside the heap): on the demo blog under reads and a comment every 250 ms the
// server sat at 320–340 MB for 45–95 MB of heap in use. Growing by half at most: 240–270 MB, the cached page's CPU
// per answer unchanged (src/cache/README.md, Bounds). V8 reads the flag at each collection: set here, it holds
// however node is started.
setFlagsFromString('--heap-growing-percent=50')

let config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(1)
  }
  throw err
}

let app
try {
  app = await buildApp(config)
} catch (err) {
  // PostgreSQL's messages do not say which server refused (SQLite's name their file): the URL, without its password.
  const where = dialectOf(config.databasePath) === 'postgres' ? ` (DATABASE_URL ${redactUrl(config.databasePath)})` : ''
  console.error(`Carnet could not start: ${err instanceof Error ? err.message : String(err)}${where}`)
  process.exit(1)
}

let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out')
      process.exit(1)
    }, 10_000)
    timer.unref()
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}

try {
  await app.listen({ port: config.port, host: config.host })
  app.log.info(
    `Carnet is serving ${config.siteUrl} (database ${dialectOf(config.databasePath) === 'postgres' ? redactUrl(config.databasePath) : config.databasePath})`,
  )
} catch (err) {
  app.log.error({ err }, 'could not start')
  process.exit(1)
}
