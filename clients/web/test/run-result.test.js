// Shaping a finished run into run.result's fields (SPEC 8.7), the output cap, stack lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OutputCollector, shapeResult, outcome, summary, lineFromStack, userStack, cutCodePoints, canRun, orderedOutput } from '../src/run-result.js'
import { formatArgs } from '../src/run-format.js'
import { toMap } from '../src/codec.js'

test('a clean run: exit 0, output in order, valid run.result', () => {
  const out = new OutputCollector(100)
  out.add('stdout', 'a\n')
  out.add('stderr', 'warn\n')
  out.add('stdout', 'b\n')
  assert.deepEqual(out.chunks, [{ stream: 'stdout', text: 'a\n' }, { stream: 'stderr', text: 'warn\n' }, { stream: 'stdout', text: 'b\n' }])
  const r = shapeResult({ language: 'python', stdin: '3\n', output: out, durationMs: 12.4 })
  assert.deepEqual(r, { language: 'python', stdin: '3\n', stdout: 'a\nb\n', stderr: 'warn\n', exception: null, exit: 0, duration_ms: 12, timed_out: false, truncated: [] })
  assert.equal(outcome(r), 'ok')
  assert.equal(summary(r), 'exit 0 · 0.01 s')
  toMap({ t: 'run.result', ...r }) // the codec accepts it
})

test('an exception: exit 1 with type, message and line', () => {
  const r = shapeResult({ language: 'python', output: new OutputCollector(), durationMs: 5, exitCode: 1, exception: { type: 'ZeroDivisionError', message: 'division by zero', line: 2 } })
  assert.equal(r.exit, 1)
  assert.deepEqual(r.exception, { type: 'ZeroDivisionError', message: 'division by zero', line: 2 })
  assert.equal(summary(r), 'exit 1 · line 2 · 0.01 s')
  const noLine = shapeResult({ language: 'javascript', output: new OutputCollector(), durationMs: 1, exitCode: 0, exception: { type: 'SyntaxError', message: 'x', line: 0 } })
  assert.equal(noLine.exit, 1, 'an exception never reports success')
  assert.equal(noLine.exception.line, null)
  const big = shapeResult({ language: 'python', output: new OutputCollector(), durationMs: 1, exitCode: 1, exception: { type: 'E'.repeat(500), message: '🌍'.repeat(5000), line: 1 } })
  assert.equal([...big.exception.type].length, 200)
  assert.equal([...big.exception.message].length, 4000)
  assert.equal(shapeResult({ language: 'python', output: new OutputCollector(), durationMs: 1, exitCode: 300 }).exit, 255)
})

test('stopped runs have no exit: time limit, output cap, cancel, runtime failure', () => {
  const timeout = shapeResult({ language: 'javascript', output: new OutputCollector(), durationMs: 10000, stopped: 'timeout' })
  assert.equal(timeout.exit, null)
  assert.equal(timeout.timed_out, true)
  assert.equal(outcome(timeout), 'timeout')
  assert.equal(summary(timeout, 10000), 'stopped at the time limit (10 s)')
  toMap({ t: 'run.result', ...timeout })

  const out = new OutputCollector(10)
  assert.equal(out.add('stdout', '12345'), true)
  assert.equal(out.add('stdout', '67890abc'), false)
  assert.equal(out.add('stdout', 'more'), false)
  assert.equal(out.add('stderr', 'e'), true, 'each stream has its own cap')
  assert.equal(out.stdout, '1234567890')
  const capped = shapeResult({ language: 'python', output: out, durationMs: 40, stopped: 'output_limit' })
  assert.deepEqual(capped.truncated, ['stdout'])
  assert.equal(capped.exit, null)
  assert.equal(outcome(capped), 'output_limit')

  assert.equal(shapeResult({ language: 'python', output: new OutputCollector(), durationMs: 1, stopped: 'cancelled' }).exception.type, 'Stopped')
  const crashed = shapeResult({ language: 'python', output: new OutputCollector(), durationMs: 0, stopped: 'crashed', exception: { message: 'no wasm' } })
  assert.deepEqual(crashed.exception, { type: 'RunnerError', message: 'no wasm', line: null })
})

test('stdin over its cap is cut and named in truncated', () => {
  const r = shapeResult({ language: 'python', stdin: 'é'.repeat(20), output: new OutputCollector(), durationMs: 1, stdinCap: 8 })
  assert.equal(r.stdin, 'é'.repeat(8))
  assert.deepEqual(r.truncated, ['stdin'])
  assert.equal(cutCodePoints('a🌍b', 2), 'a🌍')
})

test('line numbers from a JavaScript stack, without the runner frames', () => {
  const stack = "TypeError: Cannot read properties of null (reading 'x')\n    at f (main.js:2:8)\n    at eval (main.js:4:1)\n    at run (http://127.0.0.1/run-js-worker.js:1:999)"
  assert.equal(lineFromStack(stack), 2)
  assert.equal(userStack(stack), "TypeError: Cannot read properties of null (reading 'x')\n    at f (main.js:2:8)\n    at eval (main.js:4:1)")
  assert.equal(lineFromStack('Error: x\n    at nowhere'), 0)
  assert.equal(lineFromStack(undefined), 0)
})

test('console.log formatting follows node for common values', () => {
  assert.equal(formatArgs(['a', 1, [1, 'b'], { x: 1, 'y-z': [] }, null, undefined]), "a 1 [ 1, 'b' ] { x: 1, 'y-z': [] } null undefined")
  const cyc = { a: 1 }
  cyc.self = cyc
  assert.equal(formatArgs([cyc]), '{ a: 1, self: [Circular] }')
  assert.equal(formatArgs([new Map([[1, 'a']]), new Set([2])]), "Map(1) { 1 => 'a' } Set(1) { 2 }")
  assert.equal(formatArgs([function foo () {}, 10n, -0]), '[Function: foo] 10n -0')
})

test('which editor languages the browser can run', () => {
  assert.ok(canRun('python') && canRun('javascript') && canRun('typescript'))
  assert.ok(!canRun('java') && !canRun('cpp') && !canRun('__proto__'))
})

test('a stopped run says who stopped it once', async () => {
  const { summary } = await import('../src/run-result.js')
  const run = { exit: null, timed_out: false, truncated: [], duration_ms: 1200, exception: { type: 'Stopped', message: 'Stopped by the person who ran it.', line: null } }
  assert.equal(summary(run), 'stopped by the person who ran it · 1.20 s')
})

test('a run shows in print order only with the chunks that make up its output', () => {
  const out = new OutputCollector(1000)
  out.add('stdout', 'one\n')
  out.add('stderr', 'two\n')
  out.add('stdout', 'three\n')
  const run = shapeResult({ language: 'python', output: out, durationMs: 5 })
  assert.deepEqual(orderedOutput(run, out.chunks).map((c) => [c.stream, c.text]),
    [['stdout', 'one\n'], ['stderr', 'two\n'], ['stdout', 'three\n']])
  // another run's chunks, or text the server cleaned, are not taken for this run's order
  assert.equal(orderedOutput({ ...run, stdout: 'one\nthree\nfour\n' }, out.chunks), null)
  assert.equal(orderedOutput({ ...run, stderr: '' }, out.chunks), null)
  assert.equal(orderedOutput(run, []), null)
})
