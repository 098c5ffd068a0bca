// Shaping a finished run into run.result's fields (SPEC 8.7), the output cap, stack lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OutputCollector, shapeResult, outcome, summary, lineFromStack, userStack, cutCodePoints, canRun, orderOf, printedOutput, firstLine } from '../src/run-result.js'
import { formatArgs } from '../src/run-format.js'
import { toMap } from '@collabd/client'

test('a clean run: exit 0, output in order, valid run.result', () => {
  const out = new OutputCollector(100)
  out.add('stdout', 'a\n')
  out.add('stderr', 'warn\n')
  out.add('stdout', 'b\n')
  assert.deepEqual(out.chunks, [{ stream: 'stdout', text: 'a\n' }, { stream: 'stderr', text: 'warn\n' }, { stream: 'stdout', text: 'b\n' }])
  const r = shapeResult({ language: 'python', stdin: '3\n', output: out, durationMs: 12.4 })
  assert.deepEqual(r, { language: 'python', stdin: '3\n', stdout: 'a\nb\n', stderr: 'warn\n', exception: null, exit: 0, duration_ms: 12, timed_out: false, truncated: [], order: [['stdout', 2], ['stderr', 5], ['stdout', 2]] })
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

test('a finished run carries its print order, in code points, and shows in that order', () => {
  const out = new OutputCollector(1000)
  out.add('stdout', 'one\n')
  out.add('stderr', 'tw🌍\n')
  out.add('stdout', 'three\n')
  out.add('stdout', '')
  const run = shapeResult({ language: 'python', output: out, durationMs: 5 })
  assert.deepEqual(run.order, [['stdout', 4], ['stderr', 4], ['stdout', 6]]) // 🌍 counts one
  assert.deepEqual(printedOutput(run).map((c) => [c.stream, c.text]),
    [['stdout', 'one\n'], ['stderr', 'tw🌍\n'], ['stdout', 'three\n']])
  // a run without an order (an older client's), or one that does not add up: shown apart
  assert.equal(printedOutput({ ...run, order: undefined }), null)
  assert.equal(printedOutput({ ...run, order: [['stdout', 11], ['stderr', 4]] }), null)
  assert.equal(printedOutput({ ...run, order: [['stdout', 4], ['stderr', 4]] }), null)
  assert.equal(printedOutput({ ...run, order: [['stdout', 4], ['stderr', 5], ['stdout', 5]] }), null)
  assert.equal(printedOutput({ ...run, order: [['stdout', 0], ['stdout', 10], ['stderr', 4]] }), null)
})

test('past the piece limit the rest of each stream is one piece', () => {
  const chunks = []
  for (let i = 0; i < 10; i++) chunks.push({ stream: i % 2 ? 'stderr' : 'stdout', text: `${i}é` })
  assert.equal(orderOf(chunks).length, 10)
  const order = orderOf(chunks, 4)
  assert.deepEqual(order, [['stdout', 2], ['stderr', 2], ['stdout', 8], ['stderr', 8]])
  const run = { stdout: chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''), stderr: chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join(''), order }
  assert.equal(printedOutput(run).map((c) => c.text).join(''), '0é1é' + '2é4é6é8é' + '3é5é7é9é')
  assert.deepEqual(orderOf(chunks, 3), [['stdout', 10], ['stderr', 10]])
  assert.equal(orderOf(chunks, 1), null)
})

test('the replay names the first line printed', () => {
  const run = { stdout: '\nresult 42\n', stderr: 'warning: slow\n', order: [['stdout', 1], ['stderr', 14], ['stdout', 10]] }
  assert.equal(firstLine(run), 'warning: slow')
  assert.equal(firstLine({ ...run, order: undefined }), 'result 42') // no order: stdout first
  assert.equal(firstLine({ stdout: '', stderr: '' }), '')
})
