/**
 * Web Worker that runs JavaScript (and TypeScript, types stripped by sucrase, which keeps line
 * numbers) for the Run button. It runs in the browser of the person who pressed Run; the page
 * terminates it at the time limit, so an infinite loop never blocks the page.
 *
 * Messages in:  {type: 'run', code, language, stdin, cap}
 * Messages out: {type: 'started'} | {type: 'out', stream, text} | {type: 'capped'}
 *               | {type: 'done', exitCode, exception: {type, message, line} | null}
 *
 * The code sees console.log/info/debug (stdout), console.error/warn (stderr), `stdin` (the whole
 * input as a string), readline()/prompt() (the next input line, null at the end) and
 * process.exit(n). The run is done when the code has returned and no timer it started is pending.
 */
import { transform } from 'sucrase'
import { formatArgs } from './run-format.js'
import { lineFromStack, userStack } from './run-result.js'

const FILE = 'main.js'
const FLUSH_MS = 50

let sent = 0
let cap = 64 * 1024
let pending = []
let lastFlush = 0
let finished = false
let failure = null
let exitCode = null // set by process.exit(n)

/** Thrown by process.exit(n) to unwind the code; not an error. */
class Exit {
  constructor (code) {
    this.code = Number.isInteger(code) ? code & 255 : 0
  }
}

let flushTimer = 0
function flush () {
  clearTimeout(flushTimer)
  flushTimer = 0
  for (const chunk of pending) self.postMessage({ type: 'out', ...chunk })
  pending = []
  lastFlush = performance.now()
}

function write (stream, text) {
  if (finished || sent > cap) return
  const s = `${text}\n`
  sent += s.length
  const last = pending[pending.length - 1]
  if (last && last.stream === stream) last.text += s
  else pending.push({ stream, text: s })
  if (sent > cap) {
    flush()
    self.postMessage({ type: 'capped' })
  } else if (performance.now() - lastFlush >= FLUSH_MS) {
    flush()
  } else if (!flushTimer) {
    // output held back by the rate limit still goes out while the program keeps running
    flushTimer = setTimeout(flush, FLUSH_MS)
  }
}

/** The first uncaught error ends the run: its stack goes to stderr (as node prints it). */
function fail (err, line) {
  if (failure || exitCode !== null) return
  if (err instanceof Exit) {
    exitCode = err.code
    return
  }
  if (err instanceof Error) {
    failure = { type: err.name || 'Error', message: err.message, line: line || lineFromStack(err.stack, FILE) }
    write('stderr', `Uncaught ${userStack(err.stack || `${err.name}: ${err.message}`, FILE)}`)
  } else {
    failure = { type: 'Uncaught', message: formatArgs([err]), line: 0 }
    write('stderr', `Uncaught ${formatArgs([err])}`)
  }
}

// Uncaught errors in timers and rejected promises end the run with exit code 1, like node.
self.addEventListener('error', (e) => {
  e.preventDefault()
  fail(e.error !== undefined ? e.error : new Error(e.message))
  settle()
})
self.addEventListener('unhandledrejection', (e) => {
  e.preventDefault()
  fail(e.reason)
  settle()
})

// Timers the code starts: the run is over when none is left.
const timers = new Set()
const native = { setTimeout: self.setTimeout.bind(self), clearTimeout: self.clearTimeout.bind(self), setInterval: self.setInterval.bind(self), clearInterval: self.clearInterval.bind(self) }

function installGlobals (stdin) {
  const lines = stdin.split('\n')
  if (lines.length && lines[lines.length - 1] === '') lines.pop()
  let next = 0
  const readline = () => (next < lines.length ? lines[next++] : null)
  const out = (...args) => write('stdout', formatArgs(args))
  const err = (...args) => write('stderr', formatArgs(args))
  self.console = { log: out, info: out, debug: out, trace: out, error: err, warn: err, table: out, dir: out, assert: (c, ...a) => { if (!c) err('Assertion failed:', ...a) } }
  self.stdin = stdin
  self.process = { exit: (code = 0) => { throw new Exit(code) }, argv: [], env: {} }
  self.readline = readline
  self.prompt = (message) => {
    if (message) write('stdout', String(message))
    return readline()
  }
  self.setTimeout = (fn, ms, ...args) => {
    const id = native.setTimeout(() => {
      timers.delete(id)
      try {
        if (typeof fn === 'function') fn(...args)
      } finally {
        settle()
      }
    }, ms)
    timers.add(id)
    return id
  }
  self.clearTimeout = (id) => { timers.delete(id); native.clearTimeout(id); settle() }
  self.setInterval = (fn, ms, ...args) => {
    const id = native.setInterval(() => { if (typeof fn === 'function') fn(...args) }, ms)
    timers.add(id)
    return id
  }
  self.clearInterval = (id) => { timers.delete(id); native.clearInterval(id); settle() }
}

/** Finish once the code returned, microtasks ran and no timer is left (checked after a turn). */
function settle () {
  if (finished) return
  native.setTimeout(() => {
    if (finished || (timers.size && !failure && exitCode === null)) return
    finished = true
    flush()
    self.postMessage({ type: 'done', exitCode: failure ? 1 : (exitCode ?? 0), exception: failure })
  }, 0)
}

/** Where a syntax error is: V8 does not say for eval'd code, sucrase's parser does. */
function syntaxLine (code, language) {
  try {
    transform(code, { transforms: language === 'typescript' ? ['typescript'] : [], disableESTransforms: true })
  } catch (err) {
    if (err && err.loc) return err.loc.line
  }
  return 0
}

function run ({ code, language, stdin = '', cap: limit }) {
  if (typeof limit === 'number') cap = limit
  installGlobals(String(stdin))
  self.postMessage({ type: 'started' })
  let src = code
  if (language === 'typescript') {
    try {
      src = transform(code, { transforms: ['typescript'], disableESTransforms: true }).code
    } catch (err) {
      const e = new SyntaxError(err.message)
      e.stack = `SyntaxError: ${err.message}`
      fail(e, err.loc ? err.loc.line : 0)
      settle()
      return
    }
  }
  try {
    // Indirect eval: global scope, like a script; sourceURL names the frames "main.js:line:col".
    const value = (0, eval)(`${src}\n//# sourceURL=${FILE}`) // eslint-disable-line no-eval
    if (value && typeof value.then === 'function') value.then(null, fail)
  } catch (err) {
    if (err instanceof SyntaxError) {
      const line = syntaxLine(code, language)
      err.stack = `SyntaxError: ${err.message}${line ? ` (main.js line ${line})` : ''}`
      fail(err, line)
    } else {
      fail(err)
    }
  }
  settle()
}

self.onmessage = (e) => {
  if (e.data && e.data.type === 'run') run(e.data)
}
