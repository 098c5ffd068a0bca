/**
 * The replay tab, after the reveal (SPEC 8.10, 18): the code and the whiteboard over time with a
 * scrubber, play/pause and speed; chat, runs, question changes, phases and calls on the same
 * timeline (click one to jump there). People appear by pseudonym; real names only when the
 * session was unmasked (the server puts `identity` in the info only then).
 *
 * The timeline is fetched page by page with `timeline.get` when the tab is first opened, then
 * the recorded call (SPEC 14.4) with `recording.get`: each participant's recorder runs become
 * one <audio> each, placed on the timeline at their first chunk's `ts`; seeking and play/pause
 * follow the replay clock (the audio is muted above 4× speed).
 */
import { Awareness } from 'y-protocols/awareness'
import { h, dot, replaceChildren } from './dom.js'
import { Timeline, Replayer } from './timeline.js'
import { createEditor, languageById } from './editor.js'
import { createWhiteboard } from './whiteboard.js'
import { phaseLabel } from './format.js'
import { firstLine } from './run-result.js'

const SPEEDS = [1, 2, 5, 10, 30, 60]

function clock (ms) {
  const s = Math.max(0, Math.floor(ms / 1000))
  const hh = Math.floor(s / 3600)
  const mm = Math.floor(s / 60) % 60
  const ss = String(s % 60).padStart(2, '0')
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`
}

export function createReplay (parent, { state, send }) {
  const status = h('p', { class: 'replay-status', role: 'status' }, 'The replay opens after the feedback was revealed.')
  const playBtn = h('button', { type: 'button', class: 'replay-play', 'aria-pressed': 'false', disabled: true }, 'Play')
  const speedSel = h('select', { class: 'replay-speed', 'aria-label': 'Replay speed' }, SPEEDS.map((s) => h('option', { value: String(s) }, `${s}×`)))
  speedSel.value = '10'
  const scrubber = h('input', { type: 'range', class: 'replay-scrubber', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'Replay position', disabled: true })
  const timeLabel = h('span', { class: 'replay-time', 'aria-live': 'off' }, '0:00 / 0:00')
  const phaseEl = h('span', { class: 'replay-phase muted' })
  const ticks = h('div', { class: 'replay-ticks', 'aria-hidden': 'true' })
  const codeHost = h('div', { class: 'replay-code editor-host' })
  const boardHost = h('div', { class: 'replay-board' })
  const events = h('ol', { class: 'replay-events', 'aria-label': 'What happened', tabindex: '0' })
  const audioHost = h('div', { class: 'replay-audio', 'aria-label': 'Recorded call' })
  const root = h('section', { class: 'replay-pane', 'aria-labelledby': 'replay-title' },
    h('div', { class: 'replay-head' },
      h('h2', { id: 'replay-title' }, 'Replay'),
      playBtn, h('label', {}, 'Speed ', speedSel), timeLabel, phaseEl),
    h('div', { class: 'replay-track' }, scrubber, ticks),
    status,
    audioHost,
    h('div', { class: 'replay-body' },
      h('div', { class: 'replay-views' },
        h('h3', { class: 'sr-only' }, 'Code at this time'), codeHost,
        h('h3', { class: 'sr-only' }, 'Whiteboard at this time'), boardHost),
      events))
  parent.append(root)

  let timeline = null
  let replayer = null
  let views = null // {doc, editor, whiteboard}
  let t = 0
  let playing = false
  let raf = 0
  let requested = false
  let nonce = ''
  let pages = []
  let openedAt = 0

  function names () {
    const byId = new Map()
    for (const p of (timeline && timeline.info.participants) || []) {
      if (p && p.id) byId.set(p.id, p)
    }
    return byId
  }

  function who (from) {
    if (!from) return 'Someone'
    const p = names().get(from.id)
    const name = (from.name || (p && p.name) || 'Participant')
    const identity = p && p.identity && typeof p.identity.name === 'string' ? ` (${p.identity.name})` : ''
    return state.isMine(from) ? `You${identity ? '' : ` (${name})`}` : `${name}${identity}`
  }

  /** The Pseudonym an event names (a board mark's `by` is only a name: no dot for it). */
  function personOf (e) {
    return [e.from, e.by, e.who].find((x) => x && typeof x === 'object') || null
  }

  function describe (e) {
    switch (e.k) {
      case 'chat': return `${who(e.from)}: ${e.text}`
      case 'run': {
        const out = firstLine(e) || '(no output)'
        const res = e.timed_out ? 'stopped at the time limit' : e.exit === 0 ? out : `exit ${e.exit ?? '—'}${e.exception ? ` · ${e.exception.type}` : ''}`
        return `${who(e.from)} ran the code (${e.language}): ${res}`
      }
      case 'question': return `${e.from ? who(e.from) : 'The platform'} ${e.text ? 'set the question' : 'cleared the question'}`
      case 'phase': return `Phase: ${phaseLabel(e.phase)}`
      case 'call':
        if (e.what === 'start') return `${who(e.by)} started a call`
        return e.answered === false ? `${who(e.by)} hung up before the call was answered` : `${who(e.by)} ended the call`
      case 'presence':
        if (e.status === 'left') return `${who(e.who)} left`
        if (e.status === 'reconnecting') return `${who(e.who)} lost the connection`
        return `${who(e.who)} came back`
      case 'language': return `The editor language became ${languageById(e.language).label}`
      case 'board': return `${e.by || 'Someone'} ${e.what === 'cleared' ? 'cleared' : 'restored'} the whiteboard`
      default: return e.k
    }
  }

  /** Bind the code and whiteboard views to the replayer's doc (new after a restart). */
  function bind (doc) {
    if (views && views.doc === doc) return
    if (views) {
      views.editor.destroy()
      views.whiteboard.destroy()
      replaceChildren(codeHost)
      replaceChildren(boardHost)
    }
    const awareness = new Awareness(doc)
    awareness.setLocalState(null)
    const editor = createEditor(codeHost, { doc, awareness })
    editor.setReadOnly(true)
    editor.setDark(dark)
    const whiteboard = createWhiteboard(boardHost, { doc, awareness })
    whiteboard.setReadOnly(true)
    views = { doc, editor, whiteboard }
  }

  function seek (to) {
    if (!timeline) return
    t = Math.max(timeline.start, Math.min(timeline.end, to))
    bind(replayer.seek(t))
    scrubber.value = String(t - timeline.start)
    timeLabel.textContent = `${clock(t - timeline.start)} / ${clock(timeline.end - timeline.start)}`
    const phase = timeline.phaseAt(t)
    phaseEl.textContent = phase ? phaseLabel(phase) : ''
    for (const li of events.children) li.classList.toggle('future', Number(li.dataset.ts) > t)
    root.dataset.t = String(t)
    placeAudio()
  }

  // ---------------------------------------------------------------- the recorded call
  let tracks = [] // {el, start, end}
  let recNonce = ''
  let recChunks = []

  /** Every track at the replay clock: positioned (re-positioned when it drifts), playing only
   *  while the replay plays inside it at a speed a voice survives. */
  function placeAudio () {
    const speed = Number(speedSel.value)
    for (const tr of tracks) {
      const offset = Math.max(0, (t - tr.start) / 1000)
      const inside = t >= tr.start && t < tr.end
      if (!playing || Math.abs(tr.el.currentTime - offset) > 0.35) {
        try {
          tr.el.currentTime = offset
        } catch {}
      }
      tr.el.dataset.offset = String(offset)
      const audible = playing && inside && speed <= 4
      tr.el.playbackRate = Math.min(4, speed)
      if (audible && tr.el.paused) tr.el.play().catch(() => {})
      else if (!audible && !tr.el.paused) tr.el.pause()
    }
  }

  function buildTracks (chunks) {
    const runs = new Map()
    for (const c of chunks) {
      const key = `${c.by}/${c.run}`
      if (!runs.has(key)) runs.set(key, [])
      runs.get(key).push(c)
    }
    const people = names()
    for (const list of runs.values()) {
      list.sort((a, b) => a.seq - b.seq)
      const parts = list.map((c) => Uint8Array.from(atob(c.data), (ch) => ch.charCodeAt(0)))
      const first = list[0]
      const last = list[list.length - 1]
      const el = h('audio', {
        class: 'replay-voice',
        preload: 'auto',
        src: URL.createObjectURL(new Blob(parts, { type: 'audio/webm' })),
        dataset: { by: first.by, run: String(first.run), start: String(first.ts) },
        'aria-label': `${(people.get(first.by) || {}).name || 'Participant'}'s voice`
      })
      tracks.push({ el, start: first.ts, end: last.ts + Math.max(last.ms, 1000) })
      audioHost.append(el)
    }
    root.dataset.audioTracks = String(tracks.length)
    placeAudio()
  }

  function requestRecording (after) {
    recNonce = state.nextNonce('rg')
    send({ t: 'recording.get', after, nonce: recNonce })
  }

  state.on('recordingChunks', (msg) => {
    if (msg.error) {
      if (msg.error.ref === recNonce) root.dataset.audioTracks = '0'
      return
    }
    if (msg.nonce !== recNonce) return
    recChunks.push(...msg.chunks)
    if (typeof msg.next === 'number') requestRecording(msg.next)
    else {
      const all = recChunks
      recChunks = []
      buildTracks(all)
    }
  })

  function renderTimeline () {
    const span = Math.max(1, timeline.end - timeline.start)
    scrubber.max = String(timeline.end - timeline.start)
    scrubber.disabled = false
    playBtn.disabled = false
    replaceChildren(ticks, timeline.marks.filter((e) => e.k !== 'phase' || e.phase !== 'lobby').map((e) => h('span', {
      class: `tick tick-${e.k}`,
      style: { left: `${((e.ts - timeline.start) / span) * 100}%` }
    })))
    replaceChildren(events, timeline.marks.length
      ? timeline.marks.map((e) => h('li', { class: `replay-event ev-${e.k}`, dataset: { ts: String(e.ts), k: e.k } },
        h('button', { type: 'button', class: 'link', onclick: () => { pause(); seek(e.ts) } }, clock(e.ts - timeline.start)),
        personOf(e) ? dot(personOf(e).color) : null,
        h('span', { class: 'ev-text' }, describe(e))))
      : h('li', { class: 'muted' }, 'Nothing but the code and the whiteboard happened.'))
  }

  function open (info, allEvents) {
    timeline = new Timeline(info, allEvents)
    replayer = new Replayer(timeline)
    renderTimeline()
    seek(timeline.end)
    views.whiteboard.refresh()
    views.whiteboard.fit()
    // the marks only the document holds come a moment later: the replay is usable meanwhile
    const opened = timeline
    setTimeout(() => {
      if (timeline !== opened || !opened.addDocumentMarks()) return
      renderTimeline()
      seek(t)
    }, 0)
    requestRecording(0)
    const ms = Math.round(performance.now() - openedAt)
    root.dataset.openMs = String(ms)
    root.dataset.ready = 'true'
    const pseudo = info.participants && info.participants.some((p) => p.identity) ? '' : ' People are shown by pseudonym.'
    status.textContent = `${timeline.updates.length} edits, ${timeline.marks.length} events.${pseudo}${info.complete === false ? ' The earliest part of the history was folded into a snapshot.' : ''}`
  }

  function request (after) {
    nonce = state.nextNonce('t')
    if (!send({ t: 'timeline.get', after, nonce })) {
      status.textContent = 'Not connected: the replay loads when you reconnect.'
      requested = false
    }
  }

  state.on('timeline', (msg) => {
    if (msg.error) {
      if (msg.error.ref !== nonce) return
      requested = false
      status.textContent = msg.error.code === 'wrong_phase'
        ? 'The replay opens once both feedback forms were revealed.'
        : `The replay could not be loaded: ${msg.error.message || msg.error.code}`
      return
    }
    if (msg.nonce !== nonce) return
    pages.push(...msg.events)
    if (typeof msg.next === 'number' && msg.next > 0) {
      status.textContent = `Loading the replay… (${pages.length} events)`
      request(msg.next)
    } else {
      const all = pages
      pages = []
      open(msg.info, all)
    }
  })

  function load () {
    if (requested || timeline) return
    requested = true
    pages = []
    openedAt = performance.now()
    status.textContent = 'Loading the replay…'
    request(0)
  }

  function frame (prev) {
    raf = requestAnimationFrame((now) => {
      if (!playing) return
      const dt = (now - prev) * Number(speedSel.value)
      seek(t + dt)
      if (t >= timeline.end) pause()
      else frame(now)
    })
  }

  function play () {
    if (!timeline) return
    if (t >= timeline.end) seek(timeline.start)
    playing = true
    playBtn.textContent = 'Pause'
    playBtn.setAttribute('aria-pressed', 'true')
    placeAudio()
    frame(performance.now())
  }

  function pause () {
    playing = false
    cancelAnimationFrame(raf)
    playBtn.textContent = 'Play'
    playBtn.setAttribute('aria-pressed', 'false')
    placeAudio()
  }

  playBtn.addEventListener('click', () => (playing ? pause() : play()))
  scrubber.addEventListener('input', () => {
    pause()
    seek(timeline.start + Number(scrubber.value))
  })

  let dark = false
  /** The replay's editor follows the page's theme (its syntax colours are made for one). */
  function setDark (value) {
    dark = value
    if (views) views.editor.setDark(value)
  }

  return {
    root,
    load,
    setDark,
    seek,
    // the board pane shows all that was drawn, wherever it was drawn
    refresh: () => {
      if (!views) return
      views.whiteboard.refresh()
      views.whiteboard.fit()
    },
    get timeline () { return timeline },
    get doc () { return views ? views.doc : null },
    destroy () {
      pause()
      for (const tr of tracks) URL.revokeObjectURL(tr.el.src)
      tracks = []
      if (views) {
        views.editor.destroy()
        views.whiteboard.destroy()
      }
      if (replayer) replayer.destroy()
    }
  }
}
