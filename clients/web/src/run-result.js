/**
 * Pure helpers for code runs: which languages run in the browser, the limits, the output
 * collector (with its cap) and the shape of a finished run. No DOM, no workers: unit-tested under
 * node.
 *
 * A finished run has the fields of `run.result` (SPEC 8.7), so it is sent as it is:
 *   { language, stdin, stdout, stderr, exception: {type, message, line} | null,
 *     exit: 0..255 | null, duration_ms, timed_out, truncated: ['stdout', ...],
 *     order: [['stdout' | 'stderr', code points], ...] (the print order) }
 * `exit` is null when the run was stopped: at the time limit (`timed_out`), because the output
 * passed the cap (the stream is named in `truncated`), by the person (Stop) or because the
 * runtime failed to load (then `exception.type` is 'RunnerError').
 * An uncaught exception prints its traceback / stack on stderr, as python and node do, and gives
 * exit 1 with `exception` set.
 */

/** Editor language id -> the runner that executes it (languages not listed cannot be run). */
export const RUNNABLE = { python: 'python', javascript: 'javascript', typescript: 'typescript' }

export const DEFAULT_TIME_LIMIT_MS = 10_000
/** SPEC run_output_chars default: stdout and stderr each; the run is stopped past it. */
export const DEFAULT_OUTPUT_CAP = 65_536
/** Loading Python (13 MB of runtime from the server) is not counted in the time limit. */
export const LOAD_TIMEOUT_MS = 120_000
/** SPEC run_stdin_chars default */
export const DEFAULT_STDIN_CAP = 16_384

export function canRun (language) {
  return Object.prototype.hasOwnProperty.call(RUNNABLE, language)
}

/**
 * Collects stdout and stderr as the worker streams them, in arrival order, up to `cap`
 * characters for each stream (SPEC run_output_chars). `add` returns false once a stream passed
 * its cap (the caller stops the run).
 */
export class OutputCollector {
  constructor (cap = DEFAULT_OUTPUT_CAP) {
    this.cap = cap
    this.stdout = ''
    this.stderr = ''
    /** names of the streams cut at the cap */
    this.truncated = []
    /** [{stream, text}] in order, neighbouring chunks of one stream merged */
    this.chunks = []
  }

  add (stream, text) {
    const name = stream === 'stderr' ? 'stderr' : 'stdout'
    if (this.truncated.includes(name)) return false
    const s = String(text)
    const room = this.cap - this[name].length
    const kept = s.length > room ? s.slice(0, room) : s
    if (kept) {
      this[name] += kept
      const last = this.chunks[this.chunks.length - 1]
      if (last && last.stream === name) last.text += kept
      else this.chunks.push({ stream: name, text: kept })
    }
    if (s.length > room) {
      this.truncated.push(name)
      return false
    }
    return true
  }
}

/** SPEC run_order_pieces default: pieces in a run's `order`. */
export const DEFAULT_ORDER_PIECES = 2048

function codePoints (s) {
  let n = 0
  for (const _ of s) n++
  return n
}

/**
 * A run's `order` (SPEC 8.7): [[stream, code points], ...] in print order, from the collector's
 * chunks. Past `maxPieces` the rest of each stream is one piece (that tail shows them apart);
 * null when `maxPieces` is under 2 and too small.
 */
export function orderOf (chunks, maxPieces = DEFAULT_ORDER_PIECES) {
  const pieces = []
  for (const c of chunks) {
    const n = codePoints(c.text)
    if (!n) continue
    const last = pieces[pieces.length - 1]
    if (last && last[0] === c.stream) last[1] += n
    else pieces.push([c.stream, n])
  }
  if (pieces.length <= maxPieces) return pieces
  if (maxPieces < 2) return null // no room for even the two streams apart
  const kept = pieces.slice(0, maxPieces - 2)
  const tail = pieces.slice(maxPieces - 2)
  for (const stream of ['stdout', 'stderr']) {
    let rest = 0
    for (const p of tail) if (p[0] === stream) rest += p[1]
    if (!rest) continue
    const last = kept[kept.length - 1]
    if (last && last[0] === stream) last[1] += rest
    else kept.push([stream, rest])
  }
  return kept
}

/**
 * The output of a run as [{stream, text}] in print order, rebuilt from its `order`; null when it
 * has none (a run reported without it) or the order does not add up to its stdout and stderr.
 */
export function printedOutput (run) {
  if (!Array.isArray(run.order)) return null
  const texts = { stdout: Array.from(run.stdout || ''), stderr: Array.from(run.stderr || '') }
  const at = { stdout: 0, stderr: 0 }
  const out = []
  for (const p of run.order) {
    if (!Array.isArray(p) || p.length !== 2 || !(p[0] === 'stdout' || p[0] === 'stderr') || !Number.isInteger(p[1]) || p[1] < 1) return null
    const [stream, n] = p
    if (at[stream] + n > texts[stream].length) return null
    out.push({ stream, text: texts[stream].slice(at[stream], at[stream] + n).join('') })
    at[stream] += n
  }
  return at.stdout === texts.stdout.length && at.stderr === texts.stderr.length ? out : null
}

/** The first line the run printed (in print order when it has one), or '' for none. */
export function firstLine (run) {
  const printed = printedOutput(run)
  const text = printed ? printed.map((c) => c.text).join('') : (run.stdout || run.stderr || '')
  return text.trim().split('\n')[0]
}

export const MAX_EXCEPTION_TYPE = 200
export const MAX_EXCEPTION_MESSAGE = 4000

/** Cut a string to at most `n` code points (the spec counts code points, not UTF-16 units). */
export function cutCodePoints (s, n) {
  if (s.length <= n) return s
  return Array.from(s).slice(0, n).join('')
}

function exceptionOf (e) {
  if (!e || typeof e !== 'object') return null
  return {
    type: cutCodePoints(String(e.type || 'Error'), MAX_EXCEPTION_TYPE),
    message: cutCodePoints(String(e.message || ''), MAX_EXCEPTION_MESSAGE),
    line: Number.isInteger(e.line) && e.line > 0 ? e.line : null
  }
}

/**
 * The finished run (the fields of run.result), from what the worker said ({exitCode, exception})
 * or how it was stopped (`stopped`: 'timeout' | 'output_limit' | 'cancelled' | 'crashed').
 */
export function shapeResult ({ language, stdin = '', output, durationMs, exitCode = 0, exception = null, stopped = '', stdinCap = DEFAULT_STDIN_CAP, orderPieces = DEFAULT_ORDER_PIECES }) {
  const truncated = [...output.truncated]
  const input = cutCodePoints(String(stdin), stdinCap)
  if (input.length < String(stdin).length) truncated.unshift('stdin')
  const result = {
    language,
    stdin: input,
    stdout: output.stdout,
    stderr: output.stderr,
    exception: null,
    exit: null,
    duration_ms: Math.min(2 ** 31, Math.max(0, Math.round(durationMs))),
    timed_out: stopped === 'timeout',
    truncated,
    order: orderOf(output.chunks, orderPieces)
  }
  if (stopped === 'cancelled') result.exception = exceptionOf({ type: 'Stopped', message: 'Stopped by the person who ran it.' })
  else if (stopped === 'crashed') result.exception = exceptionOf({ type: 'RunnerError', message: (exception && exception.message) || 'The runtime failed.' })
  else if (!stopped) {
    result.exception = exceptionOf(exception)
    const code = Number.isInteger(exitCode) ? exitCode : 1
    result.exit = Math.min(255, Math.max(0, code === 0 && result.exception ? 1 : code))
  }
  return result
}

/** What happened, in a few words: 'ok', 'error', 'timeout', 'output_limit', 'stopped'. */
export function outcome (run) {
  if (run.timed_out) return 'timeout'
  if (run.exit === null || run.exit === undefined) {
    if (Array.isArray(run.truncated) && (run.truncated.includes('stdout') || run.truncated.includes('stderr'))) return 'output_limit'
    return 'stopped'
  }
  return run.exit === 0 ? 'ok' : 'error'
}

function formatSeconds (ms) {
  const s = ms / 1000
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`
}

/** One line for the runs panel: "exit 0 · 0.12 s", "stopped at the 10 s limit", ... */
export function summary (run, timeLimitMs = DEFAULT_TIME_LIMIT_MS) {
  const secs = `${((run.duration_ms || 0) / 1000).toFixed(2)} s`
  const line = run.exception && run.exception.line ? ` · line ${run.exception.line}` : ''
  switch (outcome(run)) {
    case 'ok': return `exit 0 · ${secs}`
    case 'error': return `exit ${run.exit}${line} · ${secs}`
    case 'timeout': return `stopped at the time limit (${formatSeconds(timeLimitMs)})`
    case 'output_limit': return `stopped: too much output · ${secs}`
    default:
      if (run.exception && run.exception.type === 'Stopped') return `stopped by the person who ran it · ${secs}`
      return `${run.exception ? `${run.exception.type}: ${run.exception.message}` : 'stopped'} · ${secs}`
  }
}

/**
 * The line of the user's code in a JavaScript error stack. The worker evaluates the code with
 * `//# sourceURL=<file>`, so its frames read "at f (main.js:3:9)" or "main.js:3:9".
 */
export function lineFromStack (stack, file = 'main.js') {
  if (typeof stack !== 'string') return 0
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const m = new RegExp(`${esc}:(\\d+)(?::\\d+)?`).exec(stack)
  return m ? Number(m[1]) : 0
}

/** The user's frames of a JavaScript stack, without the runner's own. */
export function userStack (stack, file = 'main.js') {
  if (typeof stack !== 'string') return ''
  const lines = stack.split('\n')
  const head = lines[0]
  const frames = lines.slice(1).filter((l) => l.includes(file))
  return [head, ...frames].join('\n')
}
