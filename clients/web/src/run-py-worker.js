/**
 * Web Worker (module) that runs Python through Pyodide for the Run button, in the browser of the
 * person who pressed it. The Pyodide runtime (pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm,
 * python_stdlib.zip, pyodide-lock.json) is served by collabd itself next to this file: no CDN.
 *
 * Same messages as run-js-worker.js, plus {type: 'loading'} while Python starts (not counted in
 * the time limit: the page starts its clock at 'started').
 *
 * The code runs as `__main__` from the file name main.py, so tracebacks and the reported line
 * refer to the user's lines; the harness's own frames are cut. input() reads the stdin field;
 * sys.exit(n) gives exit code n. An uncaught exception prints its traceback on stderr.
 */
const FLUSH_MS = 50
const HARNESS = `
import io, json, sys, traceback

def _collabd_run(src, stdin):
    sys.stdin = io.StringIO(stdin)
    ns = {"__name__": "__main__", "__builtins__": __builtins__}
    code, etype, message, line = 0, "", "", 0
    try:
        exec(compile(src, "main.py", "exec"), ns)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            sys.stderr.write(str(e.code) + "\\n")
            code = 1
    except BaseException as e:
        te = traceback.TracebackException.from_exception(e)
        te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename == "main.py"])
        sys.stderr.write("".join(te.format()))
        etype = type(e).__name__
        # a SyntaxError's str() repeats the file and line the report carries: "msg (main.py, line 8)"
        message = e.msg if isinstance(e, SyntaxError) and isinstance(e.msg, str) else str(e)
        lines = [f.lineno for f in te.stack]
        if isinstance(e, SyntaxError) and e.filename == "main.py":
            line = e.lineno or 0
        elif lines:
            line = lines[-1] or 0
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
    return json.dumps([code, etype, message, line])
`

let pyodide = null
let sent = 0
let cap = 64 * 1024
let pending = []
let lastFlush = 0
const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() }

function flush () {
  for (const chunk of pending) self.postMessage({ type: 'out', ...chunk })
  pending = []
  lastFlush = performance.now()
}

function writer (stream) {
  return {
    write (buffer) {
      if (sent <= cap) {
        const text = decoders[stream].decode(buffer, { stream: true })
        sent += text.length
        const last = pending[pending.length - 1]
        if (last && last.stream === stream) last.text += text
        else pending.push({ stream, text })
        if (sent > cap) {
          flush()
          self.postMessage({ type: 'capped' })
        } else if (performance.now() - lastFlush >= FLUSH_MS) {
          flush()
        }
      }
      return buffer.length
    }
  }
}

async function load () {
  if (pyodide) return pyodide
  self.postMessage({ type: 'loading' })
  const base = new URL('./', self.location.href).href
  const { loadPyodide } = await import(`${base}pyodide.mjs`)
  const py = await loadPyodide({ indexURL: base })
  py.setStdout(writer('stdout'))
  py.setStderr(writer('stderr'))
  py.runPython(HARNESS)
  pyodide = py
  return py
}

async function run ({ code, stdin = '', cap: limit }) {
  if (typeof limit === 'number') cap = limit
  let py
  try {
    py = await load()
  } catch (err) {
    self.postMessage({ type: 'done', crashed: true, exception: { type: 'RunnerError', message: `Python could not be loaded: ${err && err.message}` } })
    return
  }
  self.postMessage({ type: 'started' })
  const runner = py.globals.get('_collabd_run')
  let answer
  try {
    answer = JSON.parse(runner(String(code), String(stdin)))
  } catch (err) {
    answer = [1, 'RunnerError', String(err && err.message), 0]
  } finally {
    runner.destroy()
  }
  flush()
  const [exitCode, type, message, line] = answer
  self.postMessage({ type: 'done', exitCode, exception: type ? { type, message, line } : null })
}

self.onmessage = (e) => {
  if (e.data && e.data.type === 'run') run(e.data)
  else if (e.data && e.data.type === 'warm') load().catch(() => {})
}
