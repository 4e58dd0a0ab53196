// Reads an export file as a stream of small records: each child element of a container (WXR's <channel>,
// Disqus's <disqus>) is built into a little tree and handed over when it closes, so that memory holds one item
// at a time whatever the size of the file. saxes is a streaming, non-validating parser that never reads a DTD
// nor expands an entity beyond XML's five: a file with a DOCTYPE is refused outright (no billion laughs, no XXE:
// nothing is ever read from disk or the network on the file's say-so).
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import type { SaxesTagNS } from 'saxes'
import { lazy } from '../lib/lazy.ts'
import type { Language } from '../config.ts'
import { messages } from '../i18n/index.ts'

/** An element: namespace URI, local name, attributes by local name, its text (CDATA included), its children. */
export interface XmlNode {
  uri: string
  local: string
  attributes: Record<string, string>
  text: string
  children: XmlNode[]
  line: number
  column: number
}

/** Why a file was refused, as a code and its parameters: each has its sentence in both languages (`transfer.problems`). */
export type FileProblemCode = keyof ReturnType<typeof messages>['transfer']['problems']
export interface FileProblem {
  code: FileProblemCode
  params?: Record<string, string>
}

/**
 * Why a file was refused, with where (1-based line and column of the character at fault) when the parser knows.
 * Always a code, never a sentence: `message` is in English (the command line's); `describe(language)` is the
 * admin page's sentence.
 */
export class ImportFileError extends Error {
  readonly problem: FileProblem
  constructor(
    problem: FileProblem,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(describeProblem(problem, 'en', line, column))
    this.problem = problem
  }

  describe(language: Language): string {
    return describeProblem(this.problem, language, this.line, this.column)
  }
}

function describeProblem(problem: FileProblem, language: Language, line?: number, column?: number): string {
  const t = messages(language).transfer
  const text = t.problems[problem.code](problem.params ?? {})
  return line === undefined ? text : `${t.where(line, column)}${text}`
}

/** saxes's messages (English, fixed) as codes, so that the page can say them in its language; others kept as they are. */
const SAXES: Array<[RegExp, FileProblemCode, string[]]> = [
  [/^unclosed tag: (.*)$/, 'unclosed-tag', ['name']],
  [/^unmatched closing tag: (.*)\.$/, 'unmatched-close-tag', ['name']],
  [/^unexpected close tag\.$/, 'unexpected-close-tag', []],
  [/^disallowed character\.$/, 'disallowed-character', []],
  [/^disallowed character in (tag|attribute|closing tag) name\.?$/, 'disallowed-character-in-name', []],
  [/^duplicate attribute: (.*)\.$/, 'duplicate-attribute', ['name']],
  [/^unbound namespace prefix: "(.*)"\.$/, 'unbound-prefix', ['prefix']],
  [/^unexpected end\.$/, 'unexpected-end', []],
  [/^text data outside of root node\.$/, 'text-outside-root', []],
]

function saxesProblem(message: string): FileProblem {
  for (const [re, code, names] of SAXES) {
    const m = re.exec(message)
    if (m) return { code, params: Object.fromEntries(names.map((n, i) => [n, m[i + 1]!])) }
  }
  return { code: 'xml', params: { detail: message } }
}

/** The first child element with this local name whose namespace passes `uri` (a test or an exact URI). */
export function child(node: XmlNode, local: string, uri: string | ((u: string) => boolean) = ''): XmlNode | undefined {
  const ok = typeof uri === 'string' ? (u: string) => u === uri : uri
  return node.children.find((c) => c.local === local && ok(c.uri))
}

export function children(node: XmlNode, local: string, uri: string | ((u: string) => boolean) = ''): XmlNode[] {
  const ok = typeof uri === 'string' ? (u: string) => u === uri : uri
  return node.children.filter((c) => c.local === local && ok(c.uri))
}

export interface RecordOptions {
  /** Path of local names from the root to the container whose children are records (`['rss', 'channel']`). */
  container: readonly string[]
  /** Called with bytes read so far (for a progress line). */
  onBytes?: (bytes: number) => void
  /** Largest text one element may hold (a post body); beyond it the file is refused. */
  maxText?: number
  /** Called with the root element when it opens (its namespace bindings, `tag.ns`, name what its prefixes mean). */
  onRoot?: (tag: SaxesTagNS) => void
}

export type Source = string | Readable

// The XML parser is loaded by the first import, not at start-up (src/lib/lazy.ts).
const loadSaxes = lazy(() => import('saxes'))

/** The container's child elements, one by one, as they close. Throws ImportFileError on malformed XML. */
export async function* xmlRecords(source: Source, options: RecordOptions): AsyncGenerator<XmlNode> {
  const maxText = options.maxText ?? 20_000_000
  const { SaxesParser } = await loadSaxes()
  const parser = new SaxesParser({ xmlns: true, position: true })
  const ready: XmlNode[] = []
  const path: string[] = []
  const stack: XmlNode[] = []
  let rootSeen = false
  let failure: ImportFileError | undefined

  // saxes's column is the 1-based column of the last character it read: the one at fault when it fails.
  const fail = (problem: FileProblem, line = parser.line, column = parser.column) => {
    failure ??= new ImportFileError(problem, line, column)
  }
  parser.on('error', (err) => {
    // saxes prefixes its messages with "line:column: "; ours says it once, in words.
    const problem = saxesProblem(err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, ''))
    // An element left open: where it was opened says more than the end of the file.
    const open = problem.code === 'unclosed-tag' ? openedAt.findLast((o) => o.name === problem.params?.name) : undefined
    if (open) fail({ code: 'unclosed-tag-at', params: { name: open.name, line: String(open.line), column: String(open.column) } })
    else fail(problem)
  })
  // A DOCTYPE is refused once the root is seen: an HTML page is said to be one (saxes never reads what a DOCTYPE
  // declares, so nothing is expanded meanwhile).
  let doctypeAt: { line: number; column: number } | undefined
  parser.on('doctype', () => {
    doctypeAt ??= { line: parser.line, column: parser.column }
  })
  const atContainer = () => path.length === options.container.length && path.every((p, i) => p === options.container[i])
  // Where each open element's `<` is (saxes tells a tag's start once its name is read).
  const openedAt: Array<{ name: string; line: number; column: number }> = []
  parser.on('opentagstart', (tag) => {
    openedAt.push({ name: tag.name, line: parser.line, column: Math.max(1, parser.column - tag.name.length - 1) })
  })
  parser.on('opentag', (tag: SaxesTagNS) => {
    const start = openedAt.at(-1)!
    if (path.length === 0) {
      if (rootSeen || tag.local !== options.container[0])
        fail({ code: 'root', params: { expected: options.container[0]!, found: tag.name } }, start.line, start.column)
      else if (doctypeAt) fail({ code: 'doctype' }, doctypeAt.line, doctypeAt.column)
      rootSeen = true
      options.onRoot?.(tag)
    }
    const inRecord = stack.length > 0
    if (inRecord || atContainer()) {
      const attributes: Record<string, string> = {}
      for (const a of Object.values(tag.attributes)) attributes[a.local] = a.value
      const node: XmlNode = { uri: tag.uri, local: tag.local, attributes, text: '', children: [], line: start.line, column: start.column }
      stack.at(-1)?.children.push(node)
      stack.push(node)
    }
    path.push(tag.local)
  })
  const addText = (text: string) => {
    const node = stack.at(-1)
    if (!node) return
    if (node.text.length + text.length > maxText) fail({ code: 'too-long', params: { element: node.local, max: String(maxText) } })
    else node.text += text
  }
  parser.on('text', addText)
  parser.on('cdata', addText)
  parser.on('closetag', () => {
    openedAt.pop()
    path.pop()
    const node = stack.pop()
    if (node && stack.length === 0) ready.push(node)
  })

  const stream = typeof source === 'string' ? createReadStream(source) : source
  // Bytes are decoded as UTF-8 across chunk boundaries (a character split between two reads stays whole).
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let bytes = 0
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      bytes += buffer.length
      let text: string
      try {
        text = decoder.decode(buffer, { stream: true })
      } catch {
        const at = invalidByteAt(buffer, parser.line, parser.column)
        throw new ImportFileError({ code: 'not-utf8' }, at.line, at.column)
      }
      // An HTML page (`<!doctype html>` is not even XML): said so, rather than the XML it breaks.
      if (bytes === buffer.length && /^\uFEFF?\s*(<\?xml[^>]*>\s*)?<!doctype\s+html\b/i.test(text)) {
        throw new ImportFileError({ code: 'root', params: { expected: options.container[0]!, found: 'html' } })
      }
      parser.write(text)
      if (failure) throw failure
      options.onBytes?.(bytes)
      while (ready.length > 0) yield ready.shift()!
    }
    parser.close()
    if (doctypeAt) fail({ code: 'doctype' }, doctypeAt.line, doctypeAt.column)
    if (failure) throw failure
    if (!rootSeen) throw new ImportFileError({ code: 'empty' })
    while (ready.length > 0) yield ready.shift()!
  } finally {
    if (typeof source === 'string') (stream as ReturnType<typeof createReadStream>).destroy()
  }
}

/**
 * Where the first byte that is not UTF-8 lies in a chunk, from the parser's position before it (the last
 * character it read). Latin-1 files meet this: "é" written as the single byte E9.
 */
function invalidByteAt(buffer: Buffer, line: number, column: number): { line: number; column: number } {
  const text = new TextDecoder('utf-8').decode(buffer)
  const before = [...text.slice(0, Math.max(0, text.indexOf('\uFFFD')))]
  const lastNewline = before.lastIndexOf('\n')
  const newlines = before.filter((c) => c === '\n').length
  return newlines === 0 ? { line, column: column + before.length + 1 } : { line: line + newlines, column: before.length - lastNewline }
}
