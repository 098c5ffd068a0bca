/**
 * The Run button and the runs panel under the editor (SPEC 8.7).
 *
 * Run executes the current code in this browser (runner.js: Web Workers, Pyodide for Python),
 * shows the output live, then shares the result with `run.result`; the server stamps who ran it
 * and when and sends it back to both sides as `run.msg`, which is what the list shows, in id
 * order, for both participants ("Tidy Lynx ran the code"), including runs reported by the
 * terminal client. Nothing here ever executes code because of a message from the server.
 * A run's stdout and stderr are shown interleaved as they were printed, from its `order` (the
 * runner records it); a run reported without one shows the two streams apart.
 */
import { h, dot, replaceChildren } from './dom.js'
import { Runner } from './runner.js'
import { canRun, summary, outcome, printedOutput, DEFAULT_TIME_LIMIT_MS } from './run-result.js'
import { formatClock } from './format.js'
import { languageById, LANGUAGES } from './editor.js'


/** The editor's label for a language id; another client's run may name any language. */
function languageLabel (id) {
  const known = LANGUAGES.find((l) => l.id === id)
  return known ? known.label : String(id)
}

// While a run is in progress its output so far is shared in awareness (`run`), at most every
// SHARE_EVERY_MS and the last SHARE_TAIL_CHARS characters (an awareness state is capped at 8 KiB).
const SHARE_EVERY_MS = 250
const SHARE_TAIL_CHARS = 2000

/** The last `max` characters of [{stream, text}] chunks, as [[stream, text], ...] in order. */
export function tailChunks (chunks, max = SHARE_TAIL_CHARS) {
  const out = []
  let left = max
  for (let i = chunks.length - 1; i >= 0 && left > 0; i--) {
    const text = chunks[i].text.length > left ? chunks[i].text.slice(-left) : chunks[i].text
    out.unshift([chunks[i].stream, text])
    left -= text.length
  }
  return out
}

/**
 * @param {object} o
 * @param {any} [o.awareness]  the room's awareness: our run in progress is shared there, and the
 *   other participant's is shown live ("X is running the code…", output in print order)
 */
export function createRuns (parent, { state, send, code, language, awareness = null, selfId = null }) {
  const limits = () => state.limits || {}
  const runner = new Runner({ timeLimitMs: DEFAULT_TIME_LIMIT_MS })
  const runBtn = h('button', { type: 'button', class: 'primary run-btn', title: 'Run the code in your browser (Ctrl+Enter)' }, 'Run ▶')
  const stopBtn = h('button', { type: 'button', class: 'run-stop', hidden: true }, 'Stop')
  const why = h('span', { class: 'run-why muted' })
  const stdin = h('textarea', { class: 'run-stdin', rows: '2', 'aria-label': 'Standard input for the run', placeholder: 'Input for the program (stdin): input() in Python, readline() in JavaScript', spellcheck: 'false' })
  // scrollable regions are reachable by keyboard (tabindex 0) and named
  const list = h('ol', { class: 'runs-list', 'aria-live': 'polite', 'aria-label': 'Runs', tabindex: '0' })
  const root = h('section', { class: 'runs-panel', 'aria-labelledby': 'runs-title' },
    h('div', { class: 'runs-head' },
      h('h2', { class: 'panel-title', id: 'runs-title' }, 'Runs'),
      runBtn, stopBtn, why,
      h('span', { class: 'hint' }, `Runs in your browser · ${DEFAULT_TIME_LIMIT_MS / 1000} s limit · shared with the other participant`)),
    h('details', { class: 'run-input' }, h('summary', {}, 'Input (stdin)'), stdin),
    list)
  parent.append(root)

  /** The run in progress here: {language, chunks: [{stream, text}], phase: 'loading'|'running'} */
  let live = null
  /** The other participant's run in progress, from their awareness `run` field, or null. */
  function remoteRuns () {
    if (!awareness) return []
    const out = []
    for (const [clientId, st] of awareness.getStates()) {
      if (clientId === selfId || !st || !st.run || typeof st.run !== 'object') continue
      const r = st.run
      const chunks = Array.isArray(r.out)
        ? r.out.filter((c) => Array.isArray(c) && (c[0] === 'stdout' || c[0] === 'stderr') && typeof c[1] === 'string').map((c) => ({ stream: c[0], text: c[1] }))
        : []
      const user = st.user && typeof st.user.name === 'string' ? st.user : { name: 'The other participant', color: '' }
      out.push({ user, language: typeof r.language === 'string' ? r.language : '', loading: r.phase === 'loading', chunks })
    }
    return out
  }

  let shareTimer = 0
  function shareLive (now = false) {
    if (!awareness) return
    if (!live) {
      clearTimeout(shareTimer)
      shareTimer = 0
      awareness.setLocalStateField('run', null)
      return
    }
    if (shareTimer && !now) return
    clearTimeout(shareTimer)
    shareTimer = setTimeout(() => {
      shareTimer = 0
      if (live) awareness.setLocalStateField('run', { language: live.language, phase: live.phase, out: tailChunks(live.chunks) })
    }, now ? 0 : SHARE_EVERY_MS)
  }

  /** Our results the server refused or that could not be sent: shown only to us. */
  const localOnly = []

  function canShare () {
    return state.may('run')
  }

  function renderControls () {
    const lang = language()
    const runnable = canRun(lang)
    runBtn.disabled = !runnable || Boolean(live) || !canShare()
    stopBtn.hidden = !live
    why.textContent = !runnable
      ? `${languageById(lang).label} cannot run in the browser (Python, JavaScript and TypeScript can).`
      : !canShare() ? 'The interview has ended.' : ''
  }

  function nameOf (from) {
    if (state.isMine(from)) return 'You'
    return from && typeof from.name === 'string' && from.name ? from.name : 'Participant'
  }

  function outputBlock (run) {
    const out = []
    const chunks = printedOutput(run)
    if (chunks) out.push(...chunks.map(chunkBlock))
    else {
      if (run.stdout) out.push(chunkBlock({ stream: 'stdout', text: run.stdout }))
      if (run.stderr) out.push(chunkBlock({ stream: 'stderr', text: run.stderr }))
    }
    if (!run.stdout && !run.stderr) out.push(h('p', { class: 'run-out empty muted' }, '(no output)'))
    if (Array.isArray(run.truncated) && run.truncated.length) out.push(h('p', { class: 'run-note muted' }, `Cut at the limit: ${run.truncated.join(', ')}.`))
    return out
  }

  function chunkBlock (c) {
    return h('pre', { class: `run-out ${c.stream}`, tabindex: '0', 'aria-label': c.stream === 'stderr' ? 'Errors (stderr)' : 'Output' }, c.text)
  }

  /** The exception, unless the traceback on stderr or the status line already says it. */
  function exceptionLine (run) {
    const e = run.exception
    if (!e || e.type === 'Stopped' || (e.type === 'RunnerError' && outcome(run) === 'stopped')) return null
    if ((run.stderr || '').includes(`${e.type}: ${e.message}`)) return null
    // a message that names its line already ("invalid syntax (main.py, line 8)") gets no second one
    const line = e.line && !new RegExp(`\\bline ${e.line}\\b`).test(e.message) ? ` (line ${e.line})` : ''
    return h('p', { class: 'run-exception' }, `${e.type}: ${e.message}${line}`)
  }

  function runItem (run, { note = '', extraClass = '' } = {}) {
    const kind = outcome(run)
    const who = nameOf(run.from)
    return h('li', { class: `run-item run-${kind}${state.isMine(run.from) ? ' mine' : ''} ${extraClass}`.trim(), dataset: run.id ? { id: String(run.id) } : {} },
      h('div', { class: 'run-meta' },
        run.from ? dot(run.from.color) : null,
        h('strong', { class: 'run-who' }, `${who} ran the code`),
        h('span', { class: 'run-lang' }, ` · ${languageLabel(run.language)}`),
        typeof run.ts === 'number' ? h('time', { datetime: new Date(run.ts).toISOString() }, ` · ${formatClock(run.ts)}`) : null,
        h('span', { class: `run-status status-${kind}` }, summary(run, DEFAULT_TIME_LIMIT_MS))),
      run.stdin ? h('p', { class: 'run-stdin-shown muted' }, `Input: ${run.stdin.length > 80 ? `${run.stdin.slice(0, 80)}…` : run.stdin}`) : null,
      outputBlock(run),
      exceptionLine(run),
      note ? h('p', { class: 'run-note' }, note) : null)
  }

  function render () {
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60
    const items = state.runs.list.map((r) => runItem(r))
    for (const p of state.runs.pending) {
      items.push(runItem({ ...p.result, from: state.you }, { note: p.error ? `Not shared: ${p.error}` : 'Sharing…', extraClass: p.error ? 'failed' : 'pending' }))
    }
    for (const r of localOnly) items.push(runItem({ ...r.result, from: state.you }, { note: `Only you see this: ${r.reason}`, extraClass: 'failed' }))
    if (live) {
      items.push(h('li', { class: 'run-item run-live mine' },
        h('div', { class: 'run-meta' }, h('strong', { class: 'run-who' }, 'You are running the code'),
          h('span', { class: 'run-lang' }, ` · ${languageLabel(live.language)}`),
          h('span', { class: 'run-status' }, live.phase === 'loading' ? 'loading Python (first run only)…' : 'running…')),
        live.chunks.map(chunkBlock)))
    }
    for (const r of remoteRuns()) {
      items.push(h('li', { class: 'run-item run-live remote' },
        h('div', { class: 'run-meta' }, dot(r.user.color),
          h('strong', { class: 'run-who' }, `${r.user.name} is running the code`),
          r.language ? h('span', { class: 'run-lang' }, ` · ${languageLabel(r.language)}`) : null,
          h('span', { class: 'run-status' }, r.loading ? 'loading Python…' : 'running…')),
        r.chunks.map(chunkBlock)))
    }
    if (!items.length) items.push(h('li', { class: 'runs-empty muted' }, 'No runs yet. Press Run to run the code; both of you see the output.'))
    replaceChildren(list, items)
    if (nearBottom || live) list.scrollTop = list.scrollHeight
    renderControls()
  }

  async function run () {
    const lang = language()
    if (live || !canRun(lang) || !canShare()) return
    runner.outputCap = limits().run_output_chars || runner.outputCap
    runner.stdinCap = limits().run_stdin_chars || runner.stdinCap
    runner.orderPieces = limits().run_order_pieces ?? runner.orderPieces
    live = { language: lang, chunks: [], phase: 'running' }
    shareLive(true)
    render()
    let result
    try {
      result = await runner.run({ code: code(), language: lang, stdin: stdin.value }, (e) => {
        if (e.type === 'loading') live.phase = 'loading'
        else if (e.type === 'started') live.phase = 'running'
        else if (e.type === 'out') {
          const last = live.chunks[live.chunks.length - 1]
          if (last && last.stream === e.stream) last.text += e.text
          else live.chunks.push({ stream: e.stream, text: e.text })
        }
        renderLive()
        shareLive()
      })
    } finally {
      live = null
      shareLive()
    }
    if (!send(state.shareRun(result))) {
      const p = state.runs.pending.pop()
      localOnly.push({ result: p.result, reason: 'you were not connected, so it was not shared.' })
    }
    render()
  }

  // Streaming output re-renders at most once per animation frame.
  let frame = 0
  function renderLive () {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      render()
    })
  }

  runBtn.addEventListener('click', run)
  stopBtn.addEventListener('click', () => runner.cancel())
  state.on('runs', render)
  // the other side's live run: re-render when their `run` field changes (not on cursor moves)
  let lastRemote = ''
  if (awareness) {
    awareness.on('change', () => {
      const key = JSON.stringify(remoteRuns())
      if (key === lastRemote) return
      lastRemote = key
      renderLive()
    })
  }
  state.on('session', renderControls)
  state.on('you', render)

  return {
    root,
    run,
    render,
    renderControls,
    warm: () => runner.warm(language()),
    destroy: () => runner.destroy()
  }
}
