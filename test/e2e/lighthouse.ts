// Lighthouse, mobile profile, on the home page, the seed post page (closed thread) and a post with the comment
// form: prints the four scores of each and exits 1 when any is under 95. `npm run lighthouse` (about 35 s;
// needs /usr/bin/chromium).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { SEED_PATH } from '../helper.ts'
import { CHROMIUM, CHROMIUM_FLAGS, pathOf, startBlog } from './support.ts'

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const
const MIN = 95

const blog = await startBlog({ env: { NODE_ENV: 'production' } })
const profile = mkdtempSync(join(tmpdir(), 'carnet-lighthouse-'))
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  chromeFlags: ['--headless=new', ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
  userDataDir: false,
})
let failed = false
try {
  const openPost = await pathOf(blog, 'Questions de lecteurs : comment vérifier une information ?')
  for (const [name, path] of [['home', '/'], ['post', SEED_PATH], ['post with form', openPost]] as const) {
    const result = await lighthouse(blog.url + path, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      formFactor: 'mobile',
    })
    const lhr = result!.lhr
    const scores = CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)] as const)
    console.log(`${name.padEnd(14)} ${scores.map(([c, s]) => `${c} ${s}`).join('  ')}`)
    for (const [c, s] of scores) {
      if (s < MIN) {
        failed = true
        const audits = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 1 && lhr.categories[c]?.auditRefs.some((r) => r.id === a.id && r.weight > 0))
        for (const a of audits) console.log(`  ${c}: ${a.id} (${a.score}) ${a.title}`)
      }
    }
  }
} finally {
  await chrome.kill()
  await blog.close()
  rmSync(profile, { recursive: true, force: true })
}
console.log(failed ? `Some scores are under ${MIN}.` : `All scores are ${MIN} or more.`)
process.exit(failed ? 1 : 0)
