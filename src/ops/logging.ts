// Where the server's log goes and in what form. In production, or whenever the output is a pipe or a file (a
// service manager, a container, a log shipper), one JSON object a line, as pino writes it: machines read it.
// On a developer's terminal, one readable line each (pino-pretty): time, level, message, and for a request its
// method, address, status and duration.
import type { FastifyRequest, FastifyServerOptions } from 'fastify'

/** Readable lines only for a person: a terminal, and not production (whose output a machine reads). */
export function prettyLogs(output: { isTTY?: boolean }, production: boolean): boolean {
  return output.isTTY === true && !production
}

interface LogLine {
  msg?: string
  req?: { method?: string; url?: string }
  res?: { statusCode?: number; method?: string; url?: string }
  responseTime?: number
}

/** The message, or for a finished request `GET /address 200 3.1 ms`. */
export function requestMessage(log: LogLine): string {
  const { res, responseTime } = log
  if (res && typeof responseTime === 'number') return `${res.method} ${res.url} ${res.statusCode} ${responseTime.toFixed(1)} ms`
  return log.msg ?? ''
}

/** Fastify's logger options: JSON to stdout, or readable lines when `pretty`. */
export async function loggerOptions(level: string, pretty: boolean): Promise<NonNullable<FastifyServerOptions['logger']>> {
  if (!pretty) return { level }
  // Loaded only for a terminal: production never imports it.
  const { prettyFactory } = await import('pino-pretty')
  const prettify = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    messageFormat: (log) => requestMessage(log as LogLine),
  })
  return {
    level,
    // The finished request's line says which request it was (Fastify's own `res` has the status only).
    serializers: {
      res: (reply: { statusCode: number; request?: FastifyRequest }) => ({
        statusCode: reply.statusCode,
        method: reply.request?.method,
        url: reply.request?.url,
      }),
    },
    stream: {
      write(line: string) {
        // 'request completed' says it all: the line at its start would double every request.
        if (line.includes('"msg":"incoming request"')) return
        process.stdout.write(prettify(line))
      },
    },
  }
}
