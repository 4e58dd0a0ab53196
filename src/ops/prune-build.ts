// `npm run build` runs this before tsc: compiled files whose TypeScript source is gone (a file deleted or renamed,
// another branch checked out) are removed from build/. tsc never removes what it wrote, and `npm start` runs
// build/: a migration left there would run again, or under its old name, and the next start on the sources
// (tsx, the CLI) would refuse the database ("previously executed migration … is missing").
// Run by node directly (plain TypeScript that Node strips), before anything is built.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** Removes build/<dir>/**.js files without a matching <dir>/**.ts; returns the paths removed. */
export function pruneBuild(root: string, dirs: readonly string[] = ['src', 'migrations']): string[] {
  const removed: string[] = []
  for (const dir of dirs) {
    const built = join(root, 'build', dir)
    if (!existsSync(built)) continue
    for (const file of readdirSync(built, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.js')) continue
      if (existsSync(join(root, dir, `${file.slice(0, -3)}.ts`))) continue
      rmSync(join(built, file))
      removed.push(join('build', dir, file))
    }
  }
  return removed
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const path of pruneBuild(process.cwd())) console.log(`build: removed ${path} (its source is gone)`)
}
