// What a reader types becomes an FTS5 query that cannot fail and cannot use FTS5's operators: the text is cut
// to a sane length, split into words, each word is quoted (inner quotes doubled) so that `NEAR(`, `title:x`,
// `AND OR NOT`, `*` or `-` are only text, the words are ANDed, and the last one matches as a prefix (a reader
// still typing `qaryat` finds `Qaryatayn`). This module knows FTS5's query syntax, nothing about tables.
import type { Language } from '../config.ts'
import { STOP_WORDS } from './stopwords.ts'
import { CONTROL_CHARS } from './text.ts'

/** Characters of the query that are considered; the rest is ignored. */
export const MAX_QUERY_LENGTH = 200
/** Words that are considered; more would only slow the query down. */
export const MAX_WORDS = 12

/** The query as the results page shows it back: trimmed, without control characters, at most 200 characters. */
export function cleanQuery(input: string): string {
  return input.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH).trim()
}

/** The words of a query that can match something (each search engine quotes them its own way). */
export function queryWords(query: string): string[] {
  return (
    cleanQuery(query)
      .normalize('NFC')
      .split(' ')
      // A word with no letter or digit has no token for FTS5: it could only match nothing.
      .filter((w) => /[\p{L}\p{N}]/u.test(w))
      .slice(0, MAX_WORDS)
  )
}

/** A word PostgreSQL's configuration for the language leaves out (stopwords.ts): lower case, accents folded. */
export function isStopWord(word: string, language: Language): boolean {
  return STOP_WORDS[language].has(word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase())
}

/**
 * The FTS5 MATCH expression for a cleaned query, or null when nothing searchable is left. With a language, its
 * common words are left out, as PostgreSQL leaves them out (an empty result then says why: engine.ts).
 */
export function toMatchExpression(query: string, language?: Language): string | null {
  const words = queryWords(query).filter((w) => !language || !isStopWord(w, language))
  if (words.length === 0) return null
  const quoted = words.map((w) => `"${w.replaceAll('"', '""')}"`)
  quoted[quoted.length - 1] += '*'
  return quoted.join(' AND ')
}
