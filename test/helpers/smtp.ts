// A real SMTP server on a loopback port (npm smtp-server), and what arrives read by mailparser: the tests see
// mails as a mail client would. It can be stopped and started again on the same port (the mail-down test), or
// made to refuse every message with a given reply (a 5xx: permanent failure).
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Received {
  to: string[]
  raw: string
  parsed: ParsedMail
  /** Raw header lines by lower-case name (mailparser folds List-Unsubscribe* into objects). */
  header(name: string): string | undefined
}

export interface TestSmtp {
  port: number
  url: string
  received: Received[]
  /** Waits until `n` mails have arrived (or fails after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>
  /** Refuse every message with this SMTP reply code (e.g. 550), or accept again (null). */
  refuseWith(code: number | null): void
  stop(): Promise<void>
  start(): Promise<void>
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
  const received: Received[] = []
  let refuse: number | null = null
  let server: SMTPServer | null = null
  let boundPort = port

  const make = () =>
    new SMTPServer({
      // Plain SMTP on loopback: no STARTTLS offered (nodemailer would otherwise upgrade and distrust the test certificate).
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          if (refuse !== null) {
            const err = Object.assign(new Error('Mailbox unavailable (test)'), { responseCode: refuse })
            return callback(err)
          }
          const raw = Buffer.concat(chunks).toString('utf8')
          simpleParser(raw)
            .then((parsed) => {
              received.push({
                to: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
                header(name) {
                  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())
                  return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined
                },
              })
              callback()
            })
            .catch((err: Error) => callback(err))
        })
      },
    })

  async function start() {
    server = make()
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(boundPort, '127.0.0.1', () => resolve())
    })
    boundPort = (server.server.address() as AddressInfo).port
  }
  await start()

  return {
    get port() {
      return boundPort
    },
    get url() {
      return `smtp://127.0.0.1:${boundPort}`
    },
    received,
    async waitFor(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} mails, got ${received.length}`)
        await new Promise((r) => setTimeout(r, 25))
      }
      return received
    },
    refuseWith(code) {
      refuse = code
    },
    async stop() {
      const s = server
      server = null
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    start,
  }
}
