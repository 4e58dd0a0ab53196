// Where the server's log goes and in what form. In production, or whenever the output is a pipe or a file (a
// service manager, a container, a log shipper), one JSON object a line, as pino writes it: machines read it.
// On a developer's terminal, one readable line each (pino-pretty): time, level, message, and for a request its
// method, address, status and duration.
// Each request gets ONE line once answered, its access line (AccessLog below), written by hand rather than
// through pino: pino's two lines a request (incoming, completed) cost about a third of a cached page's CPU.
// Lines are gathered and written by the thread pool (LogOutput), never by the event loop, and whatever is
// gathered is written out when the app closes and when the process exits.
import { writeSync, write as writeAsync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'

/** Readable lines only for a person: a terminal, and not production (whose output a machine reads). */
export function prettyLogs(output: { isTTY?: boolean }, production: boolean): boolean {
  return output.isTTY === true && !production
}

interface LogLine {
  msg?: string
  method?: string
  path?: string
  status?: number
  ms?: number
}

/** The message, or for an access line `GET /address 200 3.1 ms`. */
export function requestMessage(log: LogLine): string {
  if (log.msg === 'access' && typeof log.ms === 'number') return `${log.method} ${log.path} ${log.status} ${log.ms.toFixed(1)} ms`
  return log.msg ?? ''
}

/** What a log line is written to: pino's destination and the access lines alike. */
export interface LogStream {
  write(line: string): unknown
}

/**
 * The log's output for a pipe or a file: lines are copied, as they come, into a chunk of bytes, and the chunk is
 * handed to the thread pool (`fs.write`) once full, or at most `flushMs` after its first line; one write at a time,
 * so lines keep their order. Bytes and not strings: a line kept as a string until its write outlived a young
 * collection or two, and the collector's extra work cost a cached page more than the line itself (bench/RESULTS.md,
 * 2026-12-07 15:45). `flush()` waits until everything gathered is written (the app's close); `flushSync()` writes it
 * at once (the process's exit). Bounded: if the output does not drain (a reader that stopped reading), lines beyond
 * `maxBytes` are dropped and counted, and a line says how many once it drains.
 */
export class LogOutput implements LogStream {
  readonly #fd: number
  readonly #chunkBytes: number
  readonly #flushMs: number
  readonly #maxBytes: number
  /** The chunk being filled, and how much of it is. */
  #chunk: Buffer
  #used = 0
  /** Chunks filled and not yet handed to the thread pool. */
  #full: Buffer[] = []
  #fullBytes = 0
  #dropped = 0
  #timer: NodeJS.Timeout | null = null
  /** The write the thread pool is doing: what it holds is no longer counted here. */
  #writing: Promise<void> | null = null

  constructor(fd: number, options: { chunkBytes?: number; flushMs?: number; maxBytes?: number } = {}) {
    this.#fd = fd
    this.#chunkBytes = options.chunkBytes ?? 64 * 1024
    this.#flushMs = options.flushMs ?? 200
    this.#maxBytes = options.maxBytes ?? 8 * 1024 * 1024
    this.#chunk = Buffer.allocUnsafeSlow(this.#chunkBytes)
  }

  write(line: string): boolean {
    // A string's length for its size in bytes: close enough for a bound.
    if (this.pendingBytes + line.length > this.#maxBytes) {
      this.#dropped++
      return false
    }
    this.#append(line)
    if (this.#full.length) this.#start()
    else this.#timer ??= setTimeout(() => this.#start(), this.#flushMs).unref()
    return true
  }

  /** Bytes gathered and not yet handed to the thread pool. */
  get pendingBytes(): number {
    return this.#fullBytes + this.#used
  }

  #append(line: string): void {
    // At most 3 bytes for each UTF-16 unit: a line that may not fit starts a new chunk.
    const most = line.length * 3
    if (this.#used + most > this.#chunk.length) {
      this.#seal()
      if (most > this.#chunk.length) {
        // Longer than a chunk: a chunk of its own.
        const bytes = Buffer.from(line)
        this.#full.push(bytes)
        this.#fullBytes += bytes.length
        return
      }
    }
    this.#used += this.#chunk.write(line, this.#used)
  }

  /** The chunk being filled joins the full ones; a new one is started. */
  #seal(): void {
    if (this.#used === 0) return
    this.#full.push(this.#chunk.subarray(0, this.#used))
    this.#fullBytes += this.#used
    this.#chunk = Buffer.allocUnsafeSlow(this.#chunkBytes)
    this.#used = 0
  }

  /** Everything gathered, as one buffer (and the line that says what was dropped). */
  #take(): Buffer {
    if (this.#dropped) {
      this.#append(`{"level":40,"time":${Date.now()},"msg":"log lines dropped: the output did not drain","dropped":${this.#dropped}}\n`)
      this.#dropped = 0
    }
    this.#seal()
    const taken = this.#full.length === 1 ? this.#full[0]! : Buffer.concat(this.#full)
    this.#full = []
    this.#fullBytes = 0
    return taken
  }

  #start(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#writing || (this.pendingBytes === 0 && !this.#dropped)) return
    const chunk = this.#take()
    this.#writing = this.#writeAll(chunk).finally(() => {
      this.#writing = null
      if (this.#full.length) this.#start()
      else if (this.#used) this.#timer ??= setTimeout(() => this.#start(), this.#flushMs).unref()
    })
  }

  async #writeAll(chunk: Buffer): Promise<void> {
    let offset = 0
    while (offset < chunk.length) {
      try {
        offset += await new Promise<number>((resolve, reject) =>
          writeAsync(this.#fd, chunk, offset, chunk.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))),
        )
      } catch (err) {
        // A non-blocking pipe that is full: try again shortly. Anything else (the reader is gone): give up.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  }

  /** Resolves once every line written so far is out. */
  async flush(): Promise<void> {
    while (this.#writing || this.pendingBytes || this.#dropped) {
      this.#start()
      await this.#writing
    }
  }

  /** At exit: writes what is gathered at once (a write the thread pool is doing cannot be waited for here). */
  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const chunk = this.#take()
    let offset = 0
    for (let tries = 0; offset < chunk.length && tries < 1000; tries++) {
      try {
        offset += writeSync(this.#fd, chunk, offset)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
      }
    }
  }
}

const LOGGED_LEVELS = new Set(['trace', 'debug', 'info'])

/** Request ids as Fastify's default makes them (`req-1`, `req-2`…): one counter for Fastify and the page cache's front. */
export function requestIds(): () => string {
  let last = 0
  return () => {
    // Within V8's small integers, as Fastify's own.
    last = (last + 1) & 0x7fffffff
    return `req-${last.toString(36)}`
  }
}

/** What went out on the request's connection since `sentBefore` (its bytes written when the request came in). */
function bytesSince(req: IncomingMessage, sentBefore: number | undefined): number | null {
  const written = req.socket?.bytesWritten
  return written === undefined || sentBefore === undefined ? null : written - sentBefore
}

/** One access line. */
function accessLine(id: string, method: string, path: string, status: number, bytes: number | null, ms: number): string {
  return `{"level":30,"time":${Date.now()},"msg":"access","reqId":"${id}","method":"${method}","path":${JSON.stringify(path)},"status":${status},"bytes":${bytes},"ms":${Math.round(ms * 100) / 100}}\n`
}

/**
 * Fastify's request log, replaced: no line when a request comes in, one access line when it is answered
 * (`{"level":30,"time":…,"msg":"access","reqId":…,"method":"GET","path":"/…","status":200,"bytes":5321,"ms":0.41}`),
 * written only when the request's logger takes info (a route's `logLevel: 'warn'` silences its successes).
 * `bytes` is what went out on the connection for this answer, headers included (nginx's `$bytes_sent`). A request
 * that failed also gets Fastify's error line, with the error's details. Requests the page cache's front answers
 * (before Fastify: src/cache/page-cache.ts) get the same line through `answeredBeforeFastify`.
 */
export class AccessLog extends LogController {
  readonly #output: LogStream | null
  readonly #requestId: () => string

  constructor(output: LogStream | null, requestId: () => string = requestIds()) {
    super()
    this.#output = output
    this.#requestId = requestId
  }

  override incomingRequest(request: FastifyRequest): void {
    // Where this answer's bytes start on the connection (keep-alive: the earlier answers' are counted there).
    request.sentBefore = request.raw.socket?.bytesWritten
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply)
    if (!this.#output || !LOGGED_LEVELS.has(request.log.level)) return
    const bytes = bytesSince(request.raw, request.sentBefore)
    this.#output.write(accessLine(request.id, request.method, request.url, reply.statusCode, bytes, reply.elapsedTime))
  }

  /**
   * The access line of an answer written before Fastify saw the request, once it is sent, as Fastify would have
   * written it: `level` is the route's logger's, `start` the request's arrival (performance.now()), `sentBefore`
   * the connection's bytes written then.
   */
  answeredBeforeFastify(req: IncomingMessage, res: ServerResponse, level: string, start: number, sentBefore: number | undefined): void {
    if (!this.#output || !LOGGED_LEVELS.has(level)) return
    const output = this.#output
    const id = this.#requestId()
    // 'close' comes once, right after 'finish' (sent) or when the connection is lost: one listener, never removed
    // (the response is done with), where Fastify keeps two ('finish', 'error').
    res.on('close', () => {
      output.write(accessLine(id, req.method!, req.url!, res.statusCode, bytesSince(req, sentBefore), performance.now() - start))
    })
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The connection's bytes written when this request came in (src/ops/logging.ts). */
    sentBefore?: number
  }
}

export interface Logging {
  logger: NonNullable<FastifyServerOptions['logger']>
  /** Where access lines go (null: nowhere). */
  output: LogStream | null
  /** Writes out what is gathered (the app's close). */
  flush(): Promise<void>
}

/** Fastify's logger options: JSON to stdout (gathered and written off the event loop), or readable lines when `pretty`. */
export async function loggerOptions(level: string, pretty: boolean): Promise<Logging> {
  if (!pretty) {
    const output = new LogOutput(1)
    // Whatever way the process ends (process.exit after close, a crash), the lines gathered go out.
    process.once('exit', () => output.flushSync())
    return { logger: { level, stream: output }, output, flush: () => output.flush() }
  }
  // Loaded only for a terminal: production never imports it.
  const { prettyFactory } = await import('pino-pretty')
  const prettify = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId',
  })
  const output = {
    write(line: string) {
      // An access line reads as its message alone (`GET /address 200 3.1 ms`).
      const log = JSON.parse(line) as LogLine & { level: number; time: number }
      process.stdout.write(prettify(log.msg === 'access' ? { level: log.level, time: log.time, msg: requestMessage(log) } : log))
    },
  }
  return { logger: { level, stream: output }, output, flush: async () => {} }
}

type Logger = FastifyBaseLogger
const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * A request's logger, made (pino's `child()`, a few µs) only when the request logs something besides its access
 * line: most never do. Fastify's `childLoggerFactory`.
 */
export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  let child: Logger | undefined
  const real = () => (child ??= logger.child(bindings, options))
  const lazy = {
    get level() {
      return child?.level ?? options.level ?? logger.level
    },
    set level(level: string) {
      real().level = level
    },
    child: (...args: Parameters<Logger['child']>) => real().child(...args),
  } as unknown as Logger
  for (const method of METHODS)
    (lazy as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => (real()[method] as (...a: unknown[]) => void)(...args)
  return lazy
}
