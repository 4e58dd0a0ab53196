// The project's folder (the one with package.json), found from this module's place: the same whether the server
// runs from the TypeScript sources (src/) or from their compiled copy (build/src/, see tsconfig.build.json).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))
