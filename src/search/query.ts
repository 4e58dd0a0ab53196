// What a reader types becomes an FTS5 query that cannot fail and cannot use FTS5's operators: the text is cut
// to a sane length, split into words, each word is quoted (inner quotes doubled) so that `NEAR(`, `title:x`,
// `AND OR NOT`, `*` or `-` are only text, the words are ANDed, and the last one matches as a prefix (a reader
// still typing `qaryat` finds `Qaryatayn`), written out as the words it begins when those can be listed
// (fts.sqlite.ts says why). This module knows FTS5's query syntax, nothing about tables.
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

/** A query for FTS5: the words before the last one, quoted, and the last word as typed (it matches as a prefix). */
export interface MatchQuery {
  head: string[]
  last: string
}

const quote = (word: string) => `"${word.replaceAll('"', '""')}"`

/**
 * A cleaned query's words for FTS5, or null when nothing searchable is left. With a language, its common words are
 * left out, as PostgreSQL leaves them out (an empty result then says why: engine.ts).
 */
export function toMatchQuery(query: string, language?: Language): MatchQuery | null {
  const words = queryWords(query).filter((w) => !language || !isStopWord(w, language))
  if (words.length === 0) return null
  return { head: words.slice(0, -1).map(quote), last: words.at(-1)! }
}

/** The words ANDed, the last one as FTS5's prefix (`"selon" AND "ville"*`). */
export function prefixExpression(match: MatchQuery): string {
  return [...match.head, `${quote(match.last)}*`].join(' AND ')
}

/** The words ANDed, the last one written out as the indexed words it begins (`"selon" AND ("ville" OR "villes")`). */
export function wordsExpression(match: MatchQuery, words: readonly string[]): string {
  const last = words.length === 1 ? quote(words[0]!) : `(${words.map(quote).join(' OR ')})`
  return [...match.head, last].join(' AND ')
}

/** Prefixes shorter than this are read from FTS5's own prefix indexes (1 to 3 characters: the migrations). */
const LISTED_PREFIX_LENGTH = 4

/**
 * The one token FTS5's tokenizer (unicode61, diacritics removed) makes of a word, when it is ASCII letters and
 * digits once folded (`Ville,` → `ville`) and not shorter than LISTED_PREFIX_LENGTH: the indexed words it begins are
 * then exactly those from it to `nextToken(it)`. Otherwise null, and FTS5 reads the prefix itself.
 */
export function plainToken(word: string): string | null {
  const tokens = word
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
  return tokens.length === 1 && /^[a-z0-9]+$/.test(tokens[0]!) && tokens[0]!.length >= LISTED_PREFIX_LENGTH ? tokens[0]! : null
}

/** The first string after every word a plain token begins, in SQLite's (bytewise) order: `ville` → `villf`. */
export function nextToken(token: string): string {
  return token.slice(0, -1) + String.fromCharCode(token.charCodeAt(token.length - 1) + 1)
}
