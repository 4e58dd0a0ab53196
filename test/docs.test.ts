// The guide (README.md and docs/) is checked like code: every link leads somewhere, every environment variable it
// names is one Carnet reads (and docs/configuration.md lists every one), every command and script exists.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ENVIRONMENT_VARIABLES } from '../src/config.ts'
import packageJson from '../package.json' with { type: 'json' }
import { runCli } from './helpers/cli.ts'
import { anchors, checkGuide, commandsOfUsage, configurationTable, pathExists, readGuide, ROOT, type Facts } from './helpers/guide.ts'

let known: Promise<Facts> | undefined
function facts(): Promise<Facts> {
  return (known ??= readFacts())
}

async function readFacts(): Promise<Facts> {
  // The commands as the command line itself lists them (with no command it prints its usage and exits 2).
  const { code, stderr } = await runCli([])
  expect(code).toBe(2)
  const commands = commandsOfUsage(stderr)
  expect(commands).toContain('user add')
  return { variables: ENVIRONMENT_VARIABLES, commands, scripts: Object.keys(packageJson.scripts), exists: pathExists }
}

describe('the guide', () => {
  it('has no link leading nowhere, no unknown variable, command or script', async () => {
    expect(checkGuide(readGuide(), await facts())).toEqual([])
  })

  it('README stays a front page: at most 150 lines, with its picture under 300 KB', () => {
    const readme = readGuide()['README.md']!
    expect(readme.split('\n').length).toBeLessThanOrEqual(150)
    expect(readme).toContain('](docs/screenshot-post.png)')
    expect(statSync(join(ROOT, 'docs/screenshot-post.png')).size).toBeLessThan(300 * 1024)
  })

  it('lists every configuration variable in docs/configuration.md', () => {
    expect(configurationTable(readGuide()['docs/configuration.md']!).sort()).toEqual([...ENVIRONMENT_VARIABLES].sort())
  })

  it('anchors are GitHub’s', () => {
    expect([...anchors('# Operations\n## Checking the machine: doctor\n```sh\n# not a heading\n```\n## E-mail\n## E-mail\n')]).toEqual([
      'operations',
      'checking-the-machine-doctor',
      'e-mail',
      'e-mail-1',
    ])
  })

  it('fails on a broken link or anchor, a made-up variable, command or script, and a variable left out', async () => {
    const guide = readGuide()
    const spoiled = {
      ...guide,
      'docs/install.md':
        guide['docs/install.md'] +
        '\nSee [nothing](nowhere.md), [no heading](operations.md#no-such-heading) and [here](#nor-here).\n' +
        '```sh\nCARNET_COLOUR=blue npm start\nnpm run cli -- frobnicate --now\nnpm run cli -- user remove alice\nnpm run deploy\n```\n',
      'docs/configuration.md': guide['docs/configuration.md']!.replace(/^\| `SMTP_URL` .*\n/m, '') + '\n| `SKIN_DIR` | unset | skins |\n',
    }
    const before = checkGuide(guide, await facts())
    const problems = checkGuide(spoiled, await facts())
      .filter((p) => !before.includes(p))
      .sort()
    expect(problems).toEqual(
      [
        'docs/install.md: the link nowhere.md leads nowhere (no docs/nowhere.md)',
        'docs/install.md: the link operations.md#no-such-heading leads nowhere (no heading #no-such-heading in docs/operations.md)',
        'docs/install.md: the link #nor-here leads nowhere (no heading #nor-here in docs/install.md)',
        'docs/install.md: CARNET_COLOUR is not an environment variable Carnet reads (src/config.ts)',
        'docs/install.md: npm run cli -- frobnicate: the command line has no such command',
        'docs/install.md: npm run cli -- user remove: the command line has no such command',
        'docs/install.md: npm run deploy: package.json has no such script',
        'docs/configuration.md: SKIN_DIR is not an environment variable Carnet reads (src/config.ts)',
        'docs/configuration.md: SMTP_URL is read by src/config.ts but missing from the table',
        'docs/configuration.md: the table lists SKIN_DIR, which src/config.ts does not read',
      ].sort(),
    )
  })
})
