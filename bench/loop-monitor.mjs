// Loaded into the measured server by the benchmarks (node --import): the event loop's longest delay since the
// last read, read and reset over the IPC channel the bench opened.
// A 5 ms interval timer notes how late each of its turns comes (what a request arriving then would wait). Not
// perf_hooks.monitorEventLoopDelay alone: its reset() drops the next sample, so a block that began within one
// resolution of a read (a page asked right after the previous read) went unseen (a 20 ms brotli call read as
// 5 ms). Its histogram still gives the p99.
// Plain JavaScript: the server runs compiled code, without tsx. It holds nothing open (the channel and the timer
// are unref'd).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import process from 'node:process'
import { setInterval } from 'node:timers'

const RESOLUTION_MS = 5
const histogram = monitorEventLoopDelay({ resolution: 10 })
histogram.enable()
// Beside each turn's lateness, the main thread's own CPU time within it (process.threadCpuUsage): on a machine
// shared with other work a turn can come late with the thread idle (the processor was elsewhere); a block of
// this thread's own shows as CPU time. cpuMs is the CPU time within the latest turn, the worst of each kind kept.
// (Node 23.9 and later; NaN elsewhere.)
const threadCpu = () => {
  if (!process.threadCpuUsage) return NaN
  const { user, system } = process.threadCpuUsage()
  return (user + system) / 1000
}
let last = performance.now()
let lastCpu = threadCpu()
let maxMs = 0
let maxCpuMs = 0
setInterval(() => {
  const now = performance.now()
  const cpu = threadCpu()
  maxMs = Math.max(maxMs, now - last - RESOLUTION_MS)
  maxCpuMs = Math.max(maxCpuMs, cpu - lastCpu)
  last = now
  lastCpu = cpu
}, RESOLUTION_MS).unref()

if (process.send) {
  process.on('message', (message) => {
    if (message !== 'event-loop') return
    // The turn in progress counts too: a block still running when asked (rare: this handler runs on the loop).
    const pending = performance.now() - last - RESOLUTION_MS
    const pendingCpu = threadCpu() - lastCpu
    process.send({ maxMs: Math.max(0, maxMs, pending), cpuMs: Math.max(maxCpuMs, pendingCpu), p99Ms: histogram.percentile(99) / 1e6 })
    maxMs = 0
    maxCpuMs = 0
    histogram.reset()
  })
  process.channel?.unref()
}
