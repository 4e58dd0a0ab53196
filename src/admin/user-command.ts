// `npm run cli -- user add <username> [--role <role>]` creates a writer's account (an owner unless told); `user password <username>` gives an existing
// one a new password (which ends its sessions). Two commands, so that creating an account can never quietly
// reset someone's password. The password comes from standard input when it is piped (first line), or is typed
// twice, hidden, at a terminal. It is never printed, logged, or written anywhere but as a scrypt hash.
import { loadConfig } from '../config.ts'
import { openBlog } from '../blog.ts'
import { audit } from './audit.ts'
import { isRole, ROLES, type Role } from './permissions.ts'
import { changePassword, createUser, findUserByUsername, passwordProblem, usernameProblem } from './users.ts'

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

/** The new password, typed twice at a terminal or read from a pipe; null (after saying why) when unusable. */
async function readNewPassword(username: string): Promise<string | null> {
  if (process.stdin.isTTY) {
    const password = await promptHidden(`Password for ${username}: `)
    const problem = passwordProblem(password)
    if (problem) {
      console.error(`${problem} Nothing was changed.`)
      return null
    }
    if ((await promptHidden('Same password again: ')) !== password) {
      console.error('The two passwords differ; nothing was changed.')
      return null
    }
    return password
  }
  const password = await readPipedPassword()
  const problem = passwordProblem(password)
  if (problem) {
    console.error(`${problem} (read from standard input; nothing was changed)`)
    return null
  }
  return password
}

/** The username argument, checked; null (after saying why) when it is missing or not in canonical form. */
function usernameArgument(args: string[], command: string): string | null {
  const [raw, ...extra] = args
  if (raw === undefined || extra.length > 0) {
    console.error(`Usage: npm run cli -- ${command} <username>${command === 'user add' ? ' [--role <role>]' : ''}`)
    return null
  }
  const problem = usernameProblem(raw)
  if (problem) {
    console.error(problem)
    return null
  }
  return raw
}

/** `--role <role>` or `--role=<role>` taken out of the arguments; owner when absent; null (after saying why) if unknown. */
function roleOption(args: string[]): { role: Role; rest: string[] } | null {
  const rest: string[] = []
  let role: string = 'owner'
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--role') role = args[++i] ?? ''
    else if (arg.startsWith('--role=')) role = arg.slice('--role='.length)
    else rest.push(arg)
  }
  if (!isRole(role)) {
    console.error(`Unknown role "${role}": one of ${ROLES.join(', ')}.`)
    return null
  }
  return { role, rest }
}

export async function userAdd(args: string[]): Promise<number> {
  const option = roleOption(args)
  if (option === null) return 2
  const username = usernameArgument(option.rest, 'user add')
  if (username === null) return 2
  const { db } = await openBlog(loadConfig())
  try {
    // Asked before the password, so that nobody types one for nothing.
    if (await findUserByUsername(db, username)) {
      console.error(
        `Admin "${username}" already exists; nothing was changed. To give it a new password: npm run cli -- user password ${username}`,
      )
      return 1
    }
    const password = await readNewPassword(username)
    if (password === null) return 1
    if (!(await createUser(db, username, password, option.role))) {
      console.error(`Admin "${username}" already exists; nothing was changed.`)
      return 1
    }
    await audit(db, { id: null, username: 'cli' }, 'user.create', username, option.role === 'owner' ? undefined : { role: option.role })
    console.log(option.role === 'owner' ? `Admin "${username}" created.` : `Writer "${username}" created (${option.role}).`)
    return 0
  } finally {
    await db.destroy()
  }
}

export async function userPassword(args: string[]): Promise<number> {
  const username = usernameArgument(args, 'user password')
  if (username === null) return 2
  const { db } = await openBlog(loadConfig())
  try {
    if (!(await findUserByUsername(db, username))) {
      console.error(`There is no admin "${username}"; nothing was changed. To create it: npm run cli -- user add ${username}`)
      return 1
    }
    const password = await readNewPassword(username)
    if (password === null) return 1
    if (!(await changePassword(db, username, password))) {
      console.error(`There is no admin "${username}" any more; nothing was changed.`)
      return 1
    }
    await audit(db, { id: null, username: 'cli' }, 'user.password-reset', username)
    console.log(`Password of "${username}" changed; its sessions are signed out.`)
    return 0
  } finally {
    await db.destroy()
  }
}
