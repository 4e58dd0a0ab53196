// Reads an export file as a stream of small records: each child element of a container (WXR's <channel>,
// Disqus's <disqus>) is built into a little tree and handed over when it closes, so that memory holds one item
// at a time whatever the size of the file. saxes is a streaming, non-validating parser that never reads a DTD
// nor expands an entity beyond XML's five: a file with a DOCTYPE is refused outright (no billion laughs, no XXE:
// nothing is ever read from disk or the network on the file's say-so).
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { SaxesParser, type SaxesTagNS } from 'saxes'

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

/** Why a file was refused, with where (1-based line and column) when the parser knows. */
export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? message : column === undefined ? `line ${line}: ${message}` : `line ${line}, column ${column}: ${message}`)
  }
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
}

export type Source = string | Readable

/** The container's child elements, one by one, as they close. Throws ImportFileError on malformed XML. */
export async function* xmlRecords(source: Source, options: RecordOptions): AsyncGenerator<XmlNode> {
  const maxText = options.maxText ?? 20_000_000
  const parser = new SaxesParser({ xmlns: true, position: true })
  const ready: XmlNode[] = []
  const path: string[] = []
  const stack: XmlNode[] = []
  let rootSeen = false
  let failure: ImportFileError | undefined

  const fail = (message: string) => {
    failure ??= new ImportFileError(message, parser.line, parser.column + 1)
  }
  parser.on('error', (err) => {
    // saxes prefixes its messages with "line:column: "; ours says it once, in words.
    fail(err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, ''))
  })
  parser.on('doctype', () => fail('a DOCTYPE is not allowed in an export file (entities are never expanded)'))
  const atContainer = () => path.length === options.container.length && path.every((p, i) => p === options.container[i])
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (path.length === 0) {
      if (rootSeen || tag.local !== options.container[0]) fail(`expected a <${options.container[0]}> document, found <${tag.name}>`)
      rootSeen = true
    }
    const inRecord = stack.length > 0
    if (inRecord || atContainer()) {
      const attributes: Record<string, string> = {}
      for (const a of Object.values(tag.attributes)) attributes[a.local] = a.value
      const node: XmlNode = { uri: tag.uri, local: tag.local, attributes, text: '', children: [], line: parser.line, column: parser.column }
      stack.at(-1)?.children.push(node)
      stack.push(node)
    }
    path.push(tag.local)
  })
  const addText = (text: string) => {
    const node = stack.at(-1)
    if (!node) return
    if (node.text.length + text.length > maxText) fail(`<${node.local}> holds more than ${maxText} characters`)
    else node.text += text
  }
  parser.on('text', addText)
  parser.on('cdata', addText)
  parser.on('closetag', () => {
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
        throw new ImportFileError('the file is not valid UTF-8', parser.line, parser.column + 1)
      }
      parser.write(text)
      if (failure) throw failure
      options.onBytes?.(bytes)
      while (ready.length > 0) yield ready.shift()!
    }
    parser.close()
    if (failure) throw failure
    if (!rootSeen) throw new ImportFileError('the file is empty')
    while (ready.length > 0) yield ready.shift()!
  } finally {
    if (typeof source === 'string') (stream as ReturnType<typeof createReadStream>).destroy()
  }
}
