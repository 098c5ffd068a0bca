/**
 * Runs code in Web Workers, in this browser, for the Run button (no server-side sandbox).
 *
 * - JavaScript / TypeScript: a fresh worker per run (run-js-worker.js), so nothing one run
 *   defines leaks into the next.
 * - Python: one worker holding Pyodide (run-py-worker.js), kept between runs because loading it
 *   takes a second or more; each run gets a fresh `__main__` namespace.
 *
 * The time limit starts when the worker says the code started (loading Python does not count).
 * At the limit, or when the output passes the cap, the worker is terminated (the page never waits
 * on user code) and a new one is made for the next run.
 */
import { OutputCollector, shapeResult, DEFAULT_TIME_LIMIT_MS, DEFAULT_OUTPUT_CAP, DEFAULT_STDIN_CAP, DEFAULT_ORDER_PIECES, LOAD_TIMEOUT_MS, RUNNABLE } from './run-result.js'

const WORKERS = {
  javascript: { url: '/run-js-worker.js', options: {}, keep: false },
  python: { url: '/run-py-worker.js', options: { type: 'module' }, keep: true }
}

export class Runner {
  constructor ({ timeLimitMs = DEFAULT_TIME_LIMIT_MS, outputCap = DEFAULT_OUTPUT_CAP, stdinCap = DEFAULT_STDIN_CAP, orderPieces = DEFAULT_ORDER_PIECES, now = () => performance.now() } = {}) {
    this.timeLimitMs = timeLimitMs
    this.outputCap = outputCap
    this.stdinCap = stdinCap
    this.orderPieces = orderPieces
    this.now = now
    this._workers = {}
    this._current = null
  }

  get running () {
    return this._current !== null
  }

  /** Start loading Python in the background (e.g. when the editor language is Python). */
  warm (language) {
    if (RUNNABLE[language] === 'python') this._worker('python').postMessage({ type: 'warm' })
  }

  _worker (kind) {
    if (!this._workers[kind]) {
      const spec = WORKERS[kind]
      this._workers[kind] = new Worker(spec.url, spec.options)
    }
    return this._workers[kind]
  }

  _drop (kind) {
    const w = this._workers[kind]
    if (w) w.terminate()
    delete this._workers[kind]
  }

  /**
   * Run `code`; resolves with the shaped result (run-result.js). `onEvent` gets
   * {type: 'loading' | 'started'} and {type: 'out', stream, text} as they happen.
   */
  run ({ code, language, stdin = '' }, onEvent = () => {}) {
    const lang = RUNNABLE[language]
    if (!lang) return Promise.reject(new Error(`${language} cannot be run in the browser`))
    if (this._current) return Promise.reject(new Error('a run is already in progress'))
    const kind = lang === 'python' ? 'python' : 'javascript'
    const output = new OutputCollector(this.outputCap)
    return new Promise((resolve) => {
      const worker = this._worker(kind)
      let startedAt = null
      let timer = setTimeout(() => finish({ stopped: 'crashed', exception: { message: 'The runtime took too long to load.' } }), LOAD_TIMEOUT_MS)
      const finish = (outcome) => {
        if (!this._current) return
        clearTimeout(timer)
        worker.onmessage = null
        worker.onerror = null
        this._current = null
        const durationMs = startedAt === null ? 0 : this.now() - startedAt
        if (outcome.stopped || !WORKERS[kind].keep) this._drop(kind)
        resolve(shapeResult({ language, stdin, output, durationMs, stdinCap: this.stdinCap, orderPieces: this.orderPieces, ...outcome }))
      }
      this._current = { cancel: () => finish({ stopped: 'cancelled' }) }
      worker.onmessage = (e) => {
        const m = e.data || {}
        if (m.type === 'loading') {
          onEvent({ type: 'loading' })
        } else if (m.type === 'started') {
          startedAt = this.now()
          clearTimeout(timer)
          timer = setTimeout(() => finish({ stopped: 'timeout' }), this.timeLimitMs)
          onEvent({ type: 'started' })
        } else if (m.type === 'out') {
          const name = m.stream === 'stderr' ? 'stderr' : 'stdout'
          const before = output[name].length
          const more = output.add(name, m.text)
          if (output[name].length > before) onEvent({ type: 'out', stream: name, text: output[name].slice(before) })
          if (!more) finish({ stopped: 'output_limit' })
        } else if (m.type === 'capped') {
          // the worker stopped sending: a stream passed the cap (the collector knows which,
          // or it is the stream that sent the most)
          if (!output.truncated.length) output.truncated.push(output.stderr.length > output.stdout.length ? 'stderr' : 'stdout')
          finish({ stopped: 'output_limit' })
        } else if (m.type === 'done') {
          if (m.crashed) finish({ stopped: 'crashed', exception: m.exception })
          else finish({ exitCode: m.exitCode, exception: m.exception })
        }
      }
      worker.onerror = (e) => {
        e.preventDefault()
        finish({ stopped: 'crashed', exception: { message: `The runner failed: ${e.message || 'worker error'}` } })
      }
      worker.postMessage({ type: 'run', code, language: lang, stdin, cap: this.outputCap })
    })
  }

  /** Stop the current run now (the Stop button). */
  cancel () {
    if (this._current) this._current.cancel()
  }

  destroy () {
    this.cancel()
    for (const kind of Object.keys(this._workers)) this._drop(kind)
  }
}
