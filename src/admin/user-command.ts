// `npm run cli -- user add <username>`: creates an admin account or resets its password. The password comes
// from standard input when it is piped (first line), or is typed twice, hidden, at a terminal. It is never
// printed, logged, or written anywhere but as a scrypt hash.
import { loadConfig } from '../config.ts'
import { openDatabase } from '../db/plugin.ts'
import { audit } from './audit.ts'
import { normalizeUsername, passwordProblem, setUserPassword, USERNAME_PATTERN } from './users.ts'

async function readPipedPassword(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? ''
}

/** Reads one line at the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  process.stdout.write(question)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value: string[] = []
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stdout.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish()
          return resolve(value.join(''))
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish()
          value = []
          return reject(new Error('Cancelled.'))
        }
        if (ch === '\u007f' || ch === '\b') value.pop()
        else if (ch >= ' ') value.push(ch)
      }
    }
    stdin.on('data', onData)
  })
}

export async function userAdd(args: string[]): Promise<number> {
  const username = normalizeUsername(args[0] ?? '')
  if (!USERNAME_PATTERN.test(username)) {
    console.error('Usage: npm run cli -- user add <username>\nA username is 1 to 50 characters: letters a-z, digits, ".", "_" or "-".')
    return 2
  }
  let password: string
  if (process.stdin.isTTY) {
    password = await promptHidden(`Password for ${username}: `)
    const problem = passwordProblem(password)
    if (problem) {
      console.error(problem)
      return 1
    }
    if ((await promptHidden('Same password again: ')) !== password) {
      console.error('The two passwords differ; nothing was changed.')
      return 1
    }
  } else {
    password = await readPipedPassword()
    const problem = passwordProblem(password)
    if (problem) {
      console.error(`${problem} (read from standard input; nothing was changed)`)
      return 1
    }
  }
  const { db } = await openDatabase(loadConfig())
  try {
    const outcome = await setUserPassword(db, username, password)
    await audit(db, { id: null, username: 'cli' }, outcome === 'created' ? 'user.create' : 'user.password-reset', username)
    console.log(outcome === 'created' ? `Admin "${username}" created.` : `Password of "${username}" changed.`)
    return 0
  } finally {
    await db.destroy()
  }
}
