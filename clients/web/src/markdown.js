/**
 * A small Markdown reader for the interview question, safe by construction: it never produces
 * HTML from the input. `parseMarkdown` turns the text into a tree of a fixed set of node types;
 * `renderMarkdown` (DOM) and `markdownToHTML` (a string, every text escaped) draw that tree.
 * Raw HTML in the input stays literal text, links keep only http:, https: and mailto: targets
 * (anything else — javascript:, data:, vbscript:, relative — becomes plain text), and images
 * are shown as their alt text (loading a stranger's image URL would leak the viewer's address).
 *
 * Supported: ATX headings, paragraphs, emphasis (* _), strong (** __), ~~strike~~, `code`,
 * fenced and indented code blocks, ordered/unordered (nested) lists, blockquotes, horizontal
 * rules, GFM tables, [links](url), <autolinks>, bare http(s) URLs, hard line breaks.
 *
 * Node types: blocks {type: 'heading', level, children} | {type: 'paragraph', children}
 *   | {type: 'code', lang, text} | {type: 'list', ordered, start, items: [[block]]}
 *   | {type: 'blockquote', children: [block]} | {type: 'hr'}
 *   | {type: 'table', align: [..], head: [[inline]], rows: [[[inline]]]}
 * inlines {type: 'text', text} | {type: 'code', text} | {type: 'em' | 'strong' | 'del', children}
 *   | {type: 'link', href, children} | {type: 'br'}
 */

const MAX_DEPTH = 12

/**
 * The reader's scanning work, for tests: every step of its loops over characters and lines, and
 * the characters a native search (indexOf, an anchored regex) looked at. Linear input must cost
 * linear work; the tests compare the count on n and 4n characters instead of timing it.
 */
export const work = { steps: 0 }
const SAFE_SCHEMES = /^(https?:|mailto:)/i

/** The href if it is a link we allow, else null. */
export function safeHref (url) {
  if (typeof url !== 'string') return null
  // browsers ignore control characters and whitespace inside schemes ("java\tscript:")
  const compact = url.trim().replace(/[\u0000-\u0020\u007f-\u009f]/g, '') // eslint-disable-line no-control-regex
  if (!SAFE_SCHEMES.test(compact)) return null
  try {
    const u = new URL(compact)
    if (!['http:', 'https:', 'mailto:'].includes(u.protocol)) return null
    return u.href
  } catch {
    return null
  }
}

// ------------------------------------------------------------------ blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)?.*$/
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/
const QUOTE = /^ {0,3}> ?(.*)$/
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+(.*))?$/
const TABLE_SEP = /^ {0,3}\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?\|?[ \t]*$|^ {0,3}\|?[ \t]*:?-+:?[ \t]*\|[ \t]*:?-+:?[ \t]*.*$/

function isBlank (line) {
  return /^\s*$/.test(line)
}

function startsBlock (line) {
  return FENCE.test(line) || HEADING.test(line) || HR.test(line) || QUOTE.test(line) || ITEM.test(line)
}

export function parseMarkdown (text, depth = 0) {
  const src = String(text ?? '').replace(/\r\n?/g, '\n').replace(/\t/g, '    ')
  return parseBlocks(src.split('\n'), depth)
}

function parseBlocks (lines, depth) {
  const blocks = []
  let i = 0
  while (i < lines.length) {
    work.steps++
    const line = lines[i]
    if (isBlank(line)) { i++; continue }
    let m
    if ((m = FENCE.exec(line))) {
      const fence = m[1]
      const body = []
      i++
      while (i < lines.length && !new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[i])) { work.steps++; body.push(lines[i++]) }
      i++ // the closing fence (or the end)
      blocks.push({ type: 'code', lang: (m[2] || '').slice(0, 30), text: body.join('\n') })
      continue
    }
    if (/^ {4}/.test(line)) {
      const body = []
      while (i < lines.length && (/^ {4}/.test(lines[i]) || isBlank(lines[i]))) { work.steps++; body.push(lines[i++].slice(4)) }
      while (body.length && isBlank(body[body.length - 1])) body.pop()
      blocks.push({ type: 'code', lang: '', text: body.join('\n') })
      continue
    }
    if ((m = HEADING.exec(line))) {
      blocks.push({ type: 'heading', level: m[1].length, children: parseInline(m[2] || '', depth) })
      i++
      continue
    }
    if (HR.test(line)) {
      blocks.push({ type: 'hr' })
      i++
      continue
    }
    if (QUOTE.test(line)) {
      const body = []
      while (i < lines.length && !isBlank(lines[i])) {
        work.steps++
        const q = QUOTE.exec(lines[i])
        body.push(q ? q[1] : lines[i])
        i++
      }
      blocks.push(depth >= MAX_DEPTH
        ? { type: 'paragraph', children: [{ type: 'text', text: body.join('\n') }] }
        : { type: 'blockquote', children: parseBlocks(body, depth + 1) })
      continue
    }
    if (ITEM.test(line)) {
      const [list, next] = parseList(lines, i, depth)
      blocks.push(list)
      i = next
      continue
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1])) {
      const [table, next] = parseTable(lines, i, depth)
      blocks.push(table)
      i = next
      continue
    }
    const para = []
    while (i < lines.length && !isBlank(lines[i]) && !(para.length && startsBlock(lines[i]))) { work.steps++; para.push(lines[i++]) }
    blocks.push({ type: 'paragraph', children: parseInline(para.map((l) => l.replace(/^ {1,3}/, '')).join('\n'), depth) })
  }
  return blocks
}

function parseList (lines, start, depth) {
  const first = ITEM.exec(lines[start])
  const ordered = /\d/.test(first[2])
  const list = { type: 'list', ordered, start: ordered ? Math.min(parseInt(first[2], 10), 1e9) : 1, items: [] }
  let i = start
  while (i < lines.length) {
    work.steps++
    const m = ITEM.exec(lines[i])
    if (!m || /\d/.test(m[2]) !== ordered) break
    const indent = m[1].length + m[2].length + 1
    const body = [m[4] || '']
    i++
    let blankBefore = false
    while (i < lines.length) {
      work.steps++
      const l = lines[i]
      if (isBlank(l)) { blankBefore = true; body.push(''); i++; continue }
      const lead = l.length - l.trimStart().length
      if (lead >= Math.min(indent, 4) && lead >= 2) { body.push(l.slice(Math.min(lead, indent))); blankBefore = false; i++; continue }
      if (!blankBefore && !startsBlock(l)) { body.push(l); i++; continue } // lazy continuation
      break
    }
    while (body.length && isBlank(body[body.length - 1])) body.pop()
    list.items.push(depth >= MAX_DEPTH ? [{ type: 'paragraph', children: [{ type: 'text', text: body.join('\n') }] }] : parseBlocks(body, depth + 1))
    // a blank line followed by something that is not the next item ends the list
    if (i < lines.length && blankBefore && !ITEM.test(lines[i])) break
  }
  return [list, i]
}

function splitRow (line) {
  let s = line.trim()
  if (s.startsWith('|')) s = s.slice(1)
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1)
  const cells = []
  let cur = ''
  work.steps += s.length
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\\' && s[k + 1] === '|') { cur += '|'; k++; continue }
    if (s[k] === '|') { cells.push(cur.trim()); cur = ''; continue }
    cur += s[k]
  }
  cells.push(cur.trim())
  return cells
}

function parseTable (lines, start, depth) {
  const head = splitRow(lines[start])
  const align = splitRow(lines[start + 1]).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : ''))
  const rows = []
  let i = start + 2
  while (i < lines.length && !isBlank(lines[i]) && lines[i].includes('|')) {
    work.steps++
    const cells = splitRow(lines[i++])
    rows.push(head.map((_, k) => parseInline(cells[k] || '', depth)))
  }
  return [{ type: 'table', align: head.map((_, k) => align[k] || ''), head: head.map((c) => parseInline(c, depth)), rows }, i]
}

// ------------------------------------------------------------------ inlines

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|~<>"']/
const BARE_URL = /^https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]/

function pushText (out, text) {
  if (!text) return
  const last = out[out.length - 1]
  if (last && last.type === 'text') last.text += text
  else out.push({ type: 'text', text })
}

/**
 * What one parseInline call looks up more than once, computed once so that hostile input
 * ("_a!" or "[" thousands of times) costs linear time, not a scan to the end per opener:
 * matching brackets and parentheses (one stack pass), the next occurrence of a backtick run
 * (cached per run), and for each delimiter the position after which no closer exists.
 */
class Scan {
  constructor (s) {
    this.s = s
    this.pairs = null // position of '[' or '(' -> its matching ']' or ')'
    this.runs = new Map() // backtick run -> [from, index of the next one at or after from]
    this.noCloseFrom = new Map() // delim -> a `from` whose search found no closer
  }

  match (open) {
    if (this.pairs === null) {
      const s = this.s
      const pairs = new Map()
      const stacks = { '[': [], '(': [] }
      work.steps += s.length
      for (let k = 0; k < s.length; k++) {
        const ch = s[k]
        if (ch === '\\') { k++; continue }
        if (ch === '[' || ch === '(') stacks[ch].push(k)
        else if (ch === ']' && stacks['['].length) pairs.set(stacks['['].pop(), k)
        else if (ch === ')' && stacks['('].length) pairs.set(stacks['('].pop(), k)
      }
      this.pairs = pairs
    }
    return this.pairs.get(open) ?? -1
  }

  /** s.indexOf(run, from), remembering the answer: later searches start where it left off. */
  next (run, from) {
    const seen = this.runs.get(run)
    if (seen && seen[0] <= from && (seen[1] < 0 || seen[1] >= from)) return seen[1]
    const at = this.s.indexOf(run, from)
    work.steps += (at < 0 ? this.s.length : at) - from
    this.runs.set(run, [from, at])
    return at
  }

  /** Find the closing `delim` for an opener at `from`, not inside a code span. */
  close (from, delim) {
    const s = this.s
    const none = this.noCloseFrom.get(delim)
    if (none !== undefined && from >= none) return -1 // a scan from earlier reached the end
    let k = from
    while (k < s.length) {
      work.steps++
      if (s[k] === '\\') { k += 2; continue }
      if (s[k] === '`') {
        let n = k
        while (s[n] === '`') n++
        const run = s.slice(k, n)
        const end = this.next(run, n)
        k = end < 0 ? n : end + run.length
        continue
      }
      if (s.startsWith(delim, k) && k > from && !/\s/.test(s[k - 1])) {
        // '*' must not be the start of '**' when looking for a single '*'
        if (delim.length === 1 && s[k + 1] === delim && s.startsWith(delim + delim, k)) { k += 2; continue }
        if (delim[0] === '_' && /\w/.test(s[k + delim.length] || '')) { k++; continue }
        return k
      }
      k++
    }
    this.noCloseFrom.set(delim, Math.min(from, none ?? from))
    return -1
  }
}

/** A link's or image's target: the parenthesised part after `]` at `close`, or null. */
function target (scan, close) {
  if (scan.s[close + 1] !== '(') return null
  const end = scan.match(close + 1) // balanced: `(javascript:alert(1))` is one target
  return end < 0 ? null : { text: scan.s.slice(close + 2, end), end }
}

export function parseInline (s, depth = 0) {
  const out = []
  if (depth > MAX_DEPTH) {
    pushText(out, s)
    return out
  }
  const scan = new Scan(s)
  let i = 0
  while (i < s.length) {
    work.steps++
    const c = s[i]
    if (c === '\\' && i + 1 < s.length) {
      if (s[i + 1] === '\n') { out.push({ type: 'br' }); i += 2; continue }
      if (ESCAPABLE.test(s[i + 1])) { pushText(out, s[i + 1]); i += 2; continue }
    }
    if (c === '\n') {
      // two trailing spaces make a hard break
      const last = out[out.length - 1]
      if (last && last.type === 'text' && / {2,}$/.test(last.text)) {
        last.text = last.text.replace(/ +$/, '')
        out.push({ type: 'br' })
      } else {
        pushText(out, '\n')
      }
      i++
      continue
    }
    if (c === '`') {
      let n = i
      while (s[n] === '`') n++
      const run = s.slice(i, n)
      const end = scan.next(run, n)
      if (end > 0) {
        let code = s.slice(n, end).replace(/\n/g, ' ')
        if (/^ .* $/.test(code)) code = code.slice(1, -1)
        out.push({ type: 'code', text: code })
        i = end + run.length
        continue
      }
      pushText(out, run)
      i = n
      continue
    }
    if ((c === '*' || c === '_' || c === '~') && (s[i + 1] === c)) {
      const delim = c + c
      const wordBefore = c === '_' && i > 0 && /\w/.test(s[i - 1])
      const end = wordBefore || /\s/.test(s[i + 2] || ' ') ? -1 : scan.close(i + 2, delim)
      if (end > 0) {
        out.push({ type: c === '~' ? 'del' : 'strong', children: parseInline(s.slice(i + 2, end), depth + 1) })
        i = end + 2
        continue
      }
    } else if (c === '*' || c === '_') {
      const wordBefore = c === '_' && i > 0 && /\w/.test(s[i - 1])
      const end = wordBefore || /\s/.test(s[i + 1] || ' ') ? -1 : scan.close(i + 1, c)
      if (end > 0) {
        out.push({ type: 'em', children: parseInline(s.slice(i + 1, end), depth + 1) })
        i = end + 1
        continue
      }
    }
    if (c === '!' && s[i + 1] === '[') {
      // an image: its alt text only
      const close = scan.match(i + 1)
      const t = close > 0 ? target(scan, close) : null
      if (t) {
        pushText(out, s.slice(i + 2, close))
        i = t.end + 1
        continue
      }
    }
    if (c === '[') {
      const close = scan.match(i)
      const t = close > 0 ? target(scan, close) : null
      if (t) {
        const dest = t.text.trim().replace(/^<(.*)>$/, '$1').replace(/\s+("[^"]*"|'[^']*')$/, '')
        const children = parseInline(s.slice(i + 1, close), depth + 1)
        const href = safeHref(dest)
        if (href) out.push({ type: 'link', href, children })
        else for (const ch of children) ch.type === 'text' ? pushText(out, ch.text) : out.push(ch)
        i = t.end + 1
        continue
      }
    }
    if (c === '<') {
      const m = /^<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/.exec(s.slice(i))
      work.steps += m ? m[0].length : 1
      if (m) {
        const href = safeHref(m[1])
        if (href) out.push({ type: 'link', href, children: [{ type: 'text', text: m[1] }] })
        else pushText(out, m[0])
        i += m[0].length
        continue
      }
    }
    if ((c === 'h' || c === 'H') && (i === 0 || /[\s(]/.test(s[i - 1]))) {
      const m = BARE_URL.exec(s.slice(i))
      work.steps += m ? m[0].length : 1
      if (m) {
        const href = safeHref(m[0])
        // not a URL we link: its text as it is, in one piece (trying again inside it would
        // scan the rest of it once per "(http")
        if (href) out.push({ type: 'link', href, children: [{ type: 'text', text: m[0] }] })
        else pushText(out, m[0])
        i += m[0].length
        continue
      }
    }
    pushText(out, c)
    i++
  }
  return out
}

// ------------------------------------------------------------------ output

const escapeHTML = (s) => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]))

function inlineHTML (nodes) {
  return nodes.map((n) => {
    switch (n.type) {
      case 'text': return escapeHTML(n.text)
      case 'code': return `<code>${escapeHTML(n.text)}</code>`
      case 'br': return '<br>'
      case 'link': return `<a href="${escapeHTML(n.href)}" rel="noopener noreferrer nofollow" target="_blank">${inlineHTML(n.children)}</a>`
      default: return `<${n.type}>${inlineHTML(n.children)}</${n.type}>`
    }
  }).join('')
}

function blockHTML (b) {
  switch (b.type) {
    case 'heading': return `<h${b.level}>${inlineHTML(b.children)}</h${b.level}>`
    case 'paragraph': return `<p>${inlineHTML(b.children)}</p>`
    case 'code': return `<pre><code>${escapeHTML(b.text)}</code></pre>`
    case 'hr': return '<hr>'
    case 'blockquote': return `<blockquote>${b.children.map(blockHTML).join('')}</blockquote>`
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul'
      const start = b.ordered && b.start !== 1 ? ` start="${b.start}"` : ''
      return `<${tag}${start}>${b.items.map((item) => `<li>${item.map(blockHTML).join('')}</li>`).join('')}</${tag}>`
    }
    case 'table': {
      const cell = (tag, c, k) => `<${tag}${b.align[k] ? ` style="text-align:${b.align[k]}"` : ''}>${inlineHTML(c)}</${tag}>`
      return `<table><thead><tr>${b.head.map((c, k) => cell('th', c, k)).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c, k) => cell('td', c, k)).join('')}</tr>`).join('')}</tbody></table>`
    }
    default: return ''
  }
}

/** The tree as an HTML string, every piece of input text escaped (tests, copy as HTML). */
export function markdownToHTML (text) {
  return parseMarkdown(text).map(blockHTML).join('')
}

/**
 * The tree as DOM nodes, built with createElement and text nodes only (never innerHTML).
 * `doc` is the document to build in (the page's by default).
 */
export function renderMarkdown (text, doc = globalThis.document) {
  const frag = doc.createDocumentFragment()
  const el = (tag, children = []) => {
    const e = doc.createElement(tag)
    for (const c of children) e.append(c)
    return e
  }
  const inline = (nodes) => nodes.map((n) => {
    switch (n.type) {
      case 'text': return doc.createTextNode(n.text)
      case 'code': return el('code', [doc.createTextNode(n.text)])
      case 'br': return el('br')
      case 'link': {
        const a = el('a', inline(n.children))
        a.href = n.href
        a.rel = 'noopener noreferrer nofollow'
        a.target = '_blank'
        return a
      }
      default: return el(n.type, inline(n.children))
    }
  })
  const block = (b) => {
    switch (b.type) {
      case 'heading': return el(`h${b.level}`, inline(b.children))
      case 'paragraph': return el('p', inline(b.children))
      case 'code': {
        const code = el('code', [doc.createTextNode(b.text)])
        if (/^[a-z0-9+#-]+$/i.test(b.lang)) code.dataset.lang = b.lang
        return el('pre', [code])
      }
      case 'hr': return el('hr')
      case 'blockquote': return el('blockquote', b.children.map(block))
      case 'list': {
        const list = el(b.ordered ? 'ol' : 'ul', b.items.map((item) => el('li', item.map(block))))
        if (b.ordered && b.start !== 1) list.start = b.start
        return list
      }
      case 'table': {
        const cell = (tag, c, k) => {
          const td = el(tag, inline(c))
          if (b.align[k]) td.style.textAlign = b.align[k]
          return td
        }
        return el('table', [
          el('thead', [el('tr', b.head.map((c, k) => cell('th', c, k)))]),
          el('tbody', b.rows.map((r) => el('tr', r.map((c, k) => cell('td', c, k)))))
        ])
      }
      default: return doc.createTextNode('')
    }
  }
  for (const b of parseMarkdown(text)) frag.append(block(b))
  return frag
}
