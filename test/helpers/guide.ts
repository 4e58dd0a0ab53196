// Reads the guide (README.md and docs/*.md) the way a reader follows it, and lists what would mislead them: a
// link that leads nowhere, an environment variable Carnet does not read, a command or script that does not exist.
// test/docs.test.ts runs it on the real guide, and on a spoiled copy to show that each check can fail.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'

export const ROOT = join(import.meta.dirname, '../..')

/** Environment variables the guide may name that are not Carnet's configuration: each says where it is read. */
export const OTHER_VARIABLES: Record<string, string> = {
  CI: 'vitest.config.ts and the tests: a missing PostgreSQL or Chromium fails the run instead of skipping',
  QUICK_TESTS: 'vitest.config.ts: npm run test:quick',
  FUZZ_RUNS: 'the property-based tests: how many runs',
  SHOTS: 'test/e2e/touch-targets.test.ts: save every page it measures',
  PATH: "the shell's, when putting a newer Node first",
  MALLOC_ARENA_MAX: "glibc's, set by npm start (docs/install.md)",
}

/** Path (from the repository's root, with /) → text. */
export type Guide = Record<string, string>

export function readGuide(): Guide {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))
  return Object.fromEntries(['README.md', ...docs.map((f) => `docs/${f}`)].map((p) => [p, readFileSync(join(ROOT, p), 'utf8')]))
}

export interface Facts {
  /** The keys of the configuration schema (src/config.ts). */
  variables: readonly string[]
  /** The command line's commands, one or two words ("migrate", "user add"). */
  commands: readonly string[]
  /** package.json's scripts. */
  scripts: readonly string[]
  /** Whether a path from the repository's root exists (files outside the guide). */
  exists(path: string): boolean
}

const FENCE = /^```[^\n]*\n[\s\S]*?^```$/gm

/** Prose only: fenced blocks and inline code hold examples (`![alt](/media/…)`), not links. */
function prose(text: string): string {
  return text.replace(FENCE, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const [, heading] of text.replace(FENCE, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading!
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n === 0 ? base : `${base}-${n}`)
  }
  return result
}

/** The variables the configuration table of docs/configuration.md lists (its rows start with `NAME`). */
export function configurationTable(text: string): string[] {
  return [...text.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!)
}

export function checkGuide(guide: Guide, facts: Facts): string[] {
  const problems: string[] = []
  const known = new Set([...facts.variables, ...Object.keys(OTHER_VARIABLES)])
  const commands = new Set(facts.commands)
  const scripts = new Set(facts.scripts)

  /** A page's text ('' for a file that is not Markdown), or null when there is no such file. */
  const textOf = (file: string): string | null => {
    if (file in guide) return guide[file]!
    if (!facts.exists(file)) return null
    return file.endsWith('.md') ? readFileSync(join(ROOT, file), 'utf8') : ''
  }

  for (const [page, text] of Object.entries(guide)) {
    // Links and images, relative to the page; #anchors against the target page's headings.
    for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z+.-]*:/i.test(target!)) continue // http:, https:, mailto:
      const [path, anchor] = target!.split('#') as [string, string | undefined]
      const file = path === '' ? page : path.startsWith('/') ? path.slice(1) : posix.normalize(posix.join(dirname(page), path))
      const there = textOf(file)
      if (there === null) problems.push(`${page}: the link ${target} leads nowhere (no ${file})`)
      else if (anchor !== undefined && file.endsWith('.md') && !anchors(there).has(anchor))
        problems.push(`${page}: the link ${target} leads nowhere (no heading #${anchor} in ${file})`)
    }
    // Environment variables: NAME_WITH_UNDERSCORES anywhere, and NAME=value in commands.
    const named = new Set([
      ...[...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0]),
      ...[...text.matchAll(/(?<![\w$.-])([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!),
    ])
    for (const name of named) {
      if (!known.has(name)) problems.push(`${page}: ${name} is not an environment variable Carnet reads (src/config.ts)`)
    }
    // Commands: `npm run cli -- <one or two words>`, matched as src/cli.ts matches them (two words first).
    for (const [whole, first, second] of text.matchAll(/npm run cli -- ([a-z][\w-]*)(?: ([a-z][\w-]*))?/g)) {
      if (!commands.has(`${first} ${second}`) && !commands.has(first!))
        problems.push(`${page}: ${whole}: the command line has no such command`)
    }
    for (const [whole, script] of text.matchAll(/npm run ([\w:-]+)/g)) {
      if (!scripts.has(script!)) problems.push(`${page}: ${whole}: package.json has no such script`)
    }
  }

  const table = configurationTable(guide['docs/configuration.md'] ?? '')
  for (const name of facts.variables) {
    if (!table.includes(name)) problems.push(`docs/configuration.md: ${name} is read by src/config.ts but missing from the table`)
  }
  for (const name of table) {
    if (!facts.variables.includes(name)) problems.push(`docs/configuration.md: the table lists ${name}, which src/config.ts does not read`)
  }
  return [...new Set(problems)]
}

/** The command names in the command line's usage (`npm run cli --` with no command prints it). */
export function commandsOfUsage(usage: string): string[] {
  const list = usage.split(/^Commands:$/m)[1] ?? ''
  return [...list.matchAll(/^ {2}(\S.*)$/gm)].map(([, line]) => {
    const words = line!.split(/\s{2,}/)[0]!.split(' ')
    const args = words.findIndex((w) => !/^[a-z]/.test(w))
    return words.slice(0, args === -1 ? undefined : args).join(' ')
  })
}

export function pathExists(path: string): boolean {
  return existsSync(join(ROOT, path))
}
