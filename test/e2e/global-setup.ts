// Says, in a line nobody can miss, when the browser tests could not run.
import { existsSync } from 'node:fs'

export default function setup() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(chromium)) {
    console.warn(
      `\n*** BROWSER TESTS SKIPPED: no Chromium at ${chromium}. Install it with: apt-get install -y chromium ***\n`,
    )
  }
}
