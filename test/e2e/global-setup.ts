// Says, in a line nobody can miss, when the browser tests could not run; in CI a missing browser is a failure,
// not a skip (CI installs it, so its absence means the install step broke).
import { existsSync } from 'node:fs'

export default function setup() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (existsSync(chromium)) return
  const message = `no Chromium at ${chromium}. Install it with: apt-get install -y chromium`
  if (process.env.CI) throw new Error(`Browser tests cannot run in CI: ${message}`)
  console.warn(`\n*** BROWSER TESTS SKIPPED: ${message} ***\n`)
}
