// A theme folder written for one test: theme.json and the files given (paths relative to the theme's folder).
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export const MANIFEST = { name: 'essai', version: '1.0.0', carnet: 1 }

export function writeTheme(dir: string, files: Record<string, string>, manifest: object | string | null = MANIFEST): string {
  const themeDir = join(dir, 'theme')
  mkdirSync(themeDir, { recursive: true })
  if (manifest !== null) {
    writeFileSync(join(themeDir, 'theme.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest))
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(themeDir, path)), { recursive: true })
    writeFileSync(join(themeDir, path), text)
  }
  return themeDir
}
