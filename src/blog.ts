// A blog's database with its settings (and a new blog's demo content) without the web app: for the command
// line, benchmarks and tests. The app gets the same from its plugins (db, settings, demo).
import type { Config } from './config.ts'
import { openDatabase, type OpenDatabase } from './db/plugin.ts'
import { loadDemoIntoNewBlog } from './demo/plugin.ts'
import { openSettings } from './settings/plugin.ts'
import type { SettingsStore } from './settings/settings.ts'

export interface Blog extends OpenDatabase {
  settings: SettingsStore
  close(): Promise<void>
}

export async function openBlog(
  config: Pick<Config, 'databasePath' | 'initialSettings' | 'demoContent'> & Partial<Pick<Config, 'databasePoolSize'>>,
): Promise<Blog> {
  const opened = await openDatabase(config.databasePath, { poolSize: config.databasePoolSize })
  try {
    const settings = await openSettings(opened.db, config.initialSettings)
    if (config.demoContent) await loadDemoIntoNewBlog(opened.db, settings)
    return { ...opened, settings, close: () => opened.db.destroy() }
  } catch (err) {
    await opened.db.destroy()
    throw err
  }
}
