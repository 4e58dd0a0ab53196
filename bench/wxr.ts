// The import and export benchmark (issue 15): `npm run bench:wxr -- [--mb 100]`. Generates a WXR file of that
// size, imports it into an empty database (the same code as `npm run cli -- import wxr`), then exports the
// result; prints the time and the peak resident memory (sampled every 50 ms and at every item) of each.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { openBlog } from '../src/blog.ts'
import { loadConfig } from '../src/config.ts'
import { exportWxr } from '../src/transfer/wxr-export.ts'
import { importWxr } from '../src/transfer/wxr-import.ts'
import { generateWxr } from './wxr-generate.ts'

const mbArg = process.argv.indexOf('--mb')
const megabytes = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 100
const dir = mkdtempSync(join(tmpdir(), 'carnet-bench-wxr-'))

let peak = 0
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss)
}
const timer = setInterval(sample, 50)
const mb = (n: number) => `${(n / 1_000_000).toFixed(0)} MB`

try {
  const file = join(dir, 'bench.xml')
  let started = Date.now()
  const generated = await generateWxr(file, megabytes)
  console.log(
    `Node ${process.version}: generated ${mb(generated.bytes)}: ${generated.posts} posts, ${generated.comments} comments in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )

  const blog = await openBlog({ ...loadConfig({ DATABASE_URL: join(dir, 'carnet.db'), DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' }) })
  global.gc?.()
  peak = process.memoryUsage().rss
  const baseline = peak
  started = Date.now()
  const summary = await importWxr(blog.db, file, { timeZone: 'Europe/Paris', anonymous: 'Anonyme', onProgress: sample })
  const importSeconds = (Date.now() - started) / 1000
  console.log(
    `import: ${summary.posts} posts, ${summary.comments} comments in ${importSeconds.toFixed(1)} s; peak RSS ${mb(peak)} (${mb(baseline)} before); database ${mb(statSync(join(dir, 'carnet.db')).size)}`,
  )

  global.gc?.()
  peak = process.memoryUsage().rss
  started = Date.now()
  const out = createWriteStream(join(dir, 'export.xml'))
  const counts = await exportWxr(blog.db, out, {
    siteUrl: 'https://blog.example.org',
    title: 'Bench',
    description: '',
    language: 'fr',
    timeZone: 'Europe/Paris',
  })
  out.end()
  await finished(out)
  console.log(
    `export: ${counts.posts} posts, ${counts.comments} comments, ${mb(statSync(join(dir, 'export.xml')).size)} in ${((Date.now() - started) / 1000).toFixed(1)} s; peak RSS ${mb(peak)}`,
  )
  await blog.close()
} finally {
  clearInterval(timer)
  rmSync(dir, { recursive: true, force: true })
}
