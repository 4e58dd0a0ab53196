// app.jobs: the background jobs of src/jobs/jobs.ts, polled by each instance from the moment the app is ready,
// stopped (running jobs given time to end) when it closes. Features register their handlers while the app builds.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createJobs, type Jobs } from './jobs.ts'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs
  }
}

async function jobsPlugin(app: FastifyInstance) {
  const jobs = createJobs(app.db, { pollMs: app.config.jobsPollMs, log: app.log.child({ module: 'jobs' }) })
  app.decorate('jobs', jobs)
  app.addHook('onReady', async () => jobs.start())
  app.addHook('onClose', async () => jobs.stop())
}

export default fp(jobsPlugin, { name: 'jobs', dependencies: ['database'] })
