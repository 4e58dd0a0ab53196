// vitest's globalSetup for the postgres project: a throwaway cluster, and in it a migrated template database
// from which every test's database is copied (CREATE DATABASE … TEMPLATE: a file copy, ~50 ms, instead of ~1 s of
// migrations). test/helpers/database.ts reads the URL through inject('postgresUrl').
import type { TestProject } from 'vitest/node'
import { openDatabase } from '../src/db/plugin.ts'

import { postgresBin, startCluster, TEMPLATE } from './helpers/postgres-cluster.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://…/ of the test cluster (add a database name); unset in the sqlite project. */
    postgresUrl: string
  }
}

export default async function setup(project: TestProject) {
  const bin = postgresBin()
  if (!bin) throw new Error('no PostgreSQL binaries (vitest.config.ts only adds the postgres project when there are)')
  const cluster = await startCluster(bin)
  try {
    const admin = await openAdmin(cluster.url('postgres'))
    await admin.query(`create database ${TEMPLATE}`)
    await admin.end()
    const template = await openDatabase(cluster.url(TEMPLATE), { poolSize: 1 })
    await template.db.destroy()
  } catch (err) {
    cluster.stop()
    throw err
  }
  project.provide('postgresUrl', cluster.url(''))
  return () => cluster.stop()
}

async function openAdmin(url: string) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return client
}
