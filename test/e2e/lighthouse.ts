// Lighthouse on the home page, the seed post page (closed thread), a post with the comment form and a post with
// photos from the media library (its <picture>s, sizes and lazy loading): prints the
// scores of each and exits 1 when any judged score is under 95. `npm run lighthouse` (about a minute; needs
// /usr/bin/chromium).
//
// Accessibility, best practices and SEO are judged on the mobile profile. Performance is judged on the desktop
// preset by default: the mobile profile simulates a 4x slower CPU on top of this machine's, so its Total
// Blocking Time follows whatever else the machine runs (a test suite beside it costs 10-30 points). The mobile
// performance score is printed all the same; `--mobile-performance` judges it too, for a quiet machine.
// A trace Lighthouse cannot read (NO_NAVSTART, NO_FCP…, its `runtimeError`) is retried; its own message is
// printed each time, and a page whose three tries all fail fails the run.
// `THEME_DIR=themes/classic npm run lighthouse` judges a theme's pages the same way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import * as chromeLauncher from 'chrome-launcher'
import lighthouse, { desktopConfig, type Flags, type Result } from 'lighthouse'
import { createPost } from '../../src/content/posts.write.ts'
import { markdownOf } from '../../src/media/store.ts'
import { SEED_PATH } from '../helpers/app.ts'
import { phonePhoto } from '../helpers/images.ts'
import { CHROMIUM, CHROMIUM_FLAGS, pathOf, startBlog } from '../helpers/browser.ts'

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const
type Category = (typeof CATEGORIES)[number]
const MIN = 95
const TRIES = 3
const judgeMobilePerformance = process.argv.includes('--mobile-performance')

const load = loadavg()[0]!
if (load > cpus().length / 2) {
  console.log(`Note: the machine is busy (load ${load.toFixed(1)} on ${cpus().length} cores); mobile performance scores will be low.`)
}

const blog = await startBlog({ env: { NODE_ENV: 'production', ...(process.env.THEME_DIR ? { THEME_DIR: process.env.THEME_DIR } : {}) } })
const profile = mkdtempSync(join(tmpdir(), 'carnet-lighthouse-'))
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  chromeFlags: ['--headless=new', ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
  userDataDir: false,
})

/** One Lighthouse run, tried again while Lighthouse says it could not read the trace. */
async function audit(url: string, label: string, categories: readonly Category[], desktop: boolean): Promise<Result | undefined> {
  const flags: Flags = { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...categories] }
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const lhr = (await lighthouse(url, desktop ? flags : { ...flags, formFactor: 'mobile' }, desktop ? desktopConfig : undefined))?.lhr
    const error = lhr?.runtimeError ?? (lhr ? undefined : { code: 'NO_RESULT', message: 'Lighthouse returned nothing' })
    if (!error) return lhr
    console.log(`  ${label}: try ${attempt}/${TRIES} failed: ${error.code}: ${error.message}`)
  }
  return undefined
}

const scoreOf = (lhr: Result, c: Category) => Math.round((lhr.categories[c]?.score ?? 0) * 100)

function explain(lhr: Result, c: Category) {
  const refs = lhr.categories[c]?.auditRefs ?? []
  for (const a of Object.values(lhr.audits)) {
    if (a.score !== null && a.score < 1 && refs.some((r) => r.id === a.id && r.weight > 0)) {
      console.log(`  ${c}: ${a.id} (${a.score}) ${a.title}${a.displayValue ? ` — ${a.displayValue}` : ''}`)
    }
  }
}

/** A published post with three phone photos (2,400 × 1,600 before resizing) between its paragraphs. */
async function postWithImages(): Promise<string> {
  const images = []
  for (const [i, alt] of ['Le port au matin', 'Les filets sèchent sur le quai', 'Un bateau rentre'].entries()) {
    const file = join(profile, `photo-${i}.jpg`)
    const bytes = await phonePhoto(2400 + i * 8, 1600)
    writeFileSync(file, bytes)
    images.push(await blog.app.media.addReceived(file, bytes.length, { alt, decorative: false }))
  }
  // Every size and format made (they are made in the background), as readers would find them.
  await blog.app.media.settled()
  const paragraph = 'Le matin, les bateaux rentrent au port et les pêcheurs déchargent la nuit sur le quai.'
  const title = 'Photos du port'
  await createPost(blog.app.db, {
    title,
    body: images.map((image) => `${paragraph}\n\n${markdownOf(image)}`).join('\n\n'),
    status: 'published',
    publishedAt: new Date(Date.now() - 60_000).toISOString(),
  })
  return pathOf(blog, title)
}

let failed = false
try {
  const openPost = await pathOf(blog, 'Questions de lecteurs : comment vérifier une information ?')
  const imagesPost = await postWithImages()
  for (const [name, path] of [
    ['home', '/'],
    ['post', SEED_PATH],
    ['post with form', openPost],
    ['post, images', imagesPost],
  ] as const) {
    const mobile = await audit(blog.url + path, `${name} (mobile)`, CATEGORIES, false)
    const desktop = await audit(blog.url + path, `${name} (desktop)`, ['performance'], true)
    if (!mobile || !desktop) {
      failed = true
      console.log(`${name.padEnd(14)} no result after ${TRIES} tries`)
      continue
    }
    const judged: [string, Result, Category][] = [
      ['performance (desktop)', desktop, 'performance'],
      ...(['accessibility', 'best-practices', 'seo'] as const).map((c) => [c, mobile, c] as [string, Result, Category]),
    ]
    if (judgeMobilePerformance) judged.push(['performance (mobile)', mobile, 'performance'])
    const shown = [...judged.map(([label, lhr, c]) => `${label} ${scoreOf(lhr, c)}`)]
    if (!judgeMobilePerformance) shown.push(`(performance, mobile: ${scoreOf(mobile, 'performance')})`)
    console.log(`${name.padEnd(14)} ${shown.join('  ')}`)
    for (const [, lhr, c] of judged) {
      if (scoreOf(lhr, c) < MIN) {
        failed = true
        explain(lhr, c)
      }
    }
  }
} finally {
  await chrome.kill()
  await blog.close()
  rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
}
console.log(failed ? `Some judged scores are under ${MIN}.` : `All judged scores are ${MIN} or more.`)
process.exit(failed ? 1 : 0)
