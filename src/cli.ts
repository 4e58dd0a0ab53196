// The command line: `npm run cli -- <command> [arguments]`.
import { loadConfig, ConfigError } from './config.ts'
import { openDatabase } from './db/plugin.ts'
import { userAdd } from './admin/user-command.ts'

type Command = { usage: string; run: (args: string[]) => Promise<number> }

const commands: Record<string, Command> = {
  migrate: {
    usage: 'migrate                 create the database or bring its schema up to date',
    async run() {
      const { db } = await openDatabase(loadConfig())
      await db.destroy()
      console.log('Database is up to date.')
      return 0
    },
  },
  // ---- admin ----
  'user add': {
    usage: 'user add <username>     create an admin, or reset their password (read from stdin, or prompted)',
    run: userAdd,
  },
}

function usage(): string {
  return ['Usage: npm run cli -- <command>', '', 'Commands:', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  // Two-word commands first ("user add"), then one-word ones.
  const two = rest.length > 0 ? commands[`${name} ${rest[0]}`] : undefined
  const command = two ?? (name ? commands[name] : undefined)
  if (!command) {
    console.error(name ? `Unknown command: ${argv.join(' ')}\n\n${usage()}` : usage())
    return 2
  }
  return command.run(two ? rest.slice(1) : rest)
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}

export { commands }
