// Loaded into the measured server by bench/growth.ts (node --import): the event loop's delay
// (perf_hooks.monitorEventLoopDelay, 10 ms resolution), read and reset over the IPC channel the bench opened.
// Plain JavaScript: the server runs compiled code, without tsx. It holds nothing open (the channel is unref'd).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import process from 'node:process'

const histogram = monitorEventLoopDelay({ resolution: 10 })
histogram.enable()
if (process.send) {
  process.on('message', (message) => {
    if (message !== 'event-loop') return
    process.send({ maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 })
    histogram.reset()
  })
  process.channel?.unref()
}
