// Redraws docs/screenshot-post.png, the README's picture of a post page: the real server on a free port with a
// fresh demo database, Debian's Chromium through playwright-core at 1280 px. Run: node --import tsx docs/screenshot.ts
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/helpers/browser.ts'
import { startServer } from '../test/helpers/server-process.ts'

const OUT = fileURLToPath(new URL('./screenshot-post.png', import.meta.url))
// The demo post with a comment thread, so the picture shows a post, its sidebar and the start of its comments.
const POST = 'Bienvenue sur ce carnet'

const dir = mkdtempSync(join(tmpdir(), 'carnet-screenshot-'))
const server = await startServer({ DATABASE_URL: join(dir, 'carnet.db') })
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'fr-FR' })
  await page.goto(`${server.url}/search?q=${encodeURIComponent(POST)}`)
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: POST }).first().click()])
  await page.screenshot({ path: OUT })
  console.log(`${OUT}: ${page.url().replace(server.url, '')}, ${Math.round(statSync(OUT).size / 1024)} KB`)
} finally {
  await browser.close()
  server.child.kill('SIGTERM')
  await server.exited
  rmSync(dir, { recursive: true, force: true })
}
