// Shared by the bench's Node programs (clients.mjs, idle.mjs, coldjoin.mjs): collabd join
// tokens, /proc sampling, small helpers.
import crypto from 'node:crypto'
import fs from 'node:fs'

export const argvOptions = (argv) => ({
  opt: (name, def) => {
    const i = argv.indexOf('--' + name)
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def
  },
  flag: (name) => argv.includes('--' + name)
})

// ---- join tokens (collabd format `v1.<payload>.<HMAC-SHA256>`; other servers ignore them) ----
const b64url = (buf) => Buffer.from(buf).toString('base64url')
export const mintToken = (secret, room, pid) => {
  const payload = b64url(JSON.stringify({
    room, pid, role: 'guest', exp: Math.floor(Date.now() / 1000) + 3600
  }))
  const signed = 'v1.' + payload
  const mac = crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed).digest()
  return signed + '.' + b64url(mac)
}

// ---- CPU and memory from /proc ----
// [user, system] CPU seconds of a process (all threads) or of one thread ("pid/task/tid")
export const procUserSys = (pid, clkTck) => {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    // after "pid (comm) " the fields start at field 3 (state); utime=14, stime=15
    return [parseInt(f[14 - 3]) / clkTck, parseInt(f[15 - 3]) / clkTck]
  } catch {
    return [NaN, NaN]
  }
}
export const procCpuSeconds = (pid, clkTck) => {
  const [u, s] = procUserSys(pid, clkTck)
  return u + s
}
// CPU seconds of each process's whole tree: every live process of the tree (utime + stime +
// the cutime + cstime of the children it has reaped). A child that ends inside a window moves
// from "live" to its parent's cutime, so the sum keeps counting it (PostgreSQL's backends).
export const treeCpuSeconds = (roots, clkTck) => {
  const procs = new Map() // pid -> [ppid, own + reaped children's seconds]
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const s = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
      // fields from 3 (state): ppid=4, utime=14, stime=15, cutime=16, cstime=17
      const cpu = [14, 15, 16, 17].reduce((sum, i) => sum + parseInt(f[i - 3]), 0) / clkTck
      procs.set(parseInt(name), [parseInt(f[4 - 3]), cpu])
    } catch {} // gone meanwhile
  }
  const kids = new Map()
  for (const [pid, [ppid]] of procs) {
    if (!kids.has(ppid)) kids.set(ppid, [])
    kids.get(ppid).push(pid)
  }
  return roots.map((root) => {
    if (!procs.has(root)) return NaN
    let total = 0
    const todo = [root]
    while (todo.length) {
      const pid = todo.pop()
      total += procs.get(pid)[1]
      todo.push(...(kids.get(pid) || []))
    }
    return total
  })
}
// CPU seconds of the server's main thread (tid == pid) and of all its other threads
// (collabd's SQLite worker, libuv workers, node's helper threads)
export const threadCpuSeconds = (pid, clkTck) => {
  let main = 0
  let others = 0
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const v = procCpuSeconds(`${pid}/task/${tid}`, clkTck)
      if (Number.isNaN(v)) continue
      if (tid === String(pid)) main += v
      else others += v
    }
  } catch {
    return [NaN, NaN]
  }
  return [main, others]
}
export const selfCpuSeconds = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
export const rssMiB = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? parseInt(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}
// whole-machine busy CPU seconds (all cores) from /proc/stat, to see what else was running
export const machineBusySeconds = (clkTck) => {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / clkTck
  } catch {
    return NaN
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Lines from the parent (run.py) on stdin, e.g. "GO <epoch ms>" or "STOP".
export const stdinLines = (onLine) => {
  let buf = ''
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk) => {
    buf += chunk
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim()
      buf = buf.slice(i + 1)
      if (line) onLine(line)
    }
  })
  process.stdin.on('error', () => {})
}
