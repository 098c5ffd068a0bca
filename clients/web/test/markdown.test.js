// The question's Markdown reader: what it renders, and that hostile input stays inert.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseMarkdown, markdownToHTML, safeHref, work } from '../src/markdown.js'

test('renders the usual question Markdown', () => {
  const md = [
    '# Two sum',
    '',
    'Given an **array** of *integers* and a `target`, return ~~all~~ the indices.',
    '',
    '- first',
    '- second with [docs](https://example.org/a?b=1&c=2)',
    '  - nested',
    '',
    '1. one',
    '2. two',
    '',
    '> note',
    '',
    '```python',
    'def f(x):',
    '    return x < 3',
    '```',
    '',
    '| n | out |',
    '|---|--:|',
    '| 1 | 2 |',
    '',
    '---'
  ].join('\n')
  assert.equal(markdownToHTML(md),
    '<h1>Two sum</h1>' +
    '<p>Given an <strong>array</strong> of <em>integers</em> and a <code>target</code>, return <del>all</del> the indices.</p>' +
    '<ul><li><p>first</p></li><li><p>second with <a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">docs</a></p><ul><li><p>nested</p></li></ul></li></ul>' +
    '<ol><li><p>one</p></li><li><p>two</p></li></ol>' +
    '<blockquote><p>note</p></blockquote>' +
    '<pre><code>def f(x):\n    return x &lt; 3</code></pre>' +
    '<table><thead><tr><th>n</th><th style="text-align:right">out</th></tr></thead><tbody><tr><td>1</td><td style="text-align:right">2</td></tr></tbody></table>' +
    '<hr>')
})

test('raw HTML, scripts and event attributes stay literal text', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">x</a>',
    '<iframe srcdoc="<script>alert(4)</script>"></iframe>',
    '<svg onload=alert(5)>',
    '**<b onmouseover=alert(6)>bold</b>**'
  ].join('\n\n')
  const html = markdownToHTML(hostile)
  // no tag other than the fixed set; every < of the input escaped
  const tags = [...html.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1])
  assert.deepEqual([...new Set(tags)].sort(), ['p', 'strong'])
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  assert.match(html, /&lt;img src=x onerror=&quot;alert\(2\)&quot;&gt;/)
  assert.doesNotMatch(html, /<(script|img|iframe|svg|a|b)\b/)
})

test('links keep only http, https and mailto targets', () => {
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '/relative', '//evil.example/x', 'file:///etc/passwd']) {
    assert.equal(safeHref(bad), null, bad)
    const html = markdownToHTML(`[click](${bad})`)
    assert.doesNotMatch(html, /<a /, bad)
  }
  assert.equal(markdownToHTML('<javascript:alert(1)>'), '<p>&lt;javascript:alert(1)&gt;</p>')
  assert.equal(markdownToHTML('[mail](mailto:a@b.org)'), '<p><a href="mailto:a@b.org" rel="noopener noreferrer nofollow" target="_blank">mail</a></p>')
  assert.equal(markdownToHTML('see https://example.org/x.'), '<p>see <a href="https://example.org/x" rel="noopener noreferrer nofollow" target="_blank">https://example.org/x</a>.</p>')
})

test('images are shown as their alt text only (no request to a stranger\'s URL)', () => {
  assert.equal(markdownToHTML('![a cat](https://tracker.example/p.png)'), '<p>a cat</p>')
  assert.equal(markdownToHTML('![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'), '<p>x</p>')
})

test('deep nesting is bounded (no stack overflow on hostile input)', () => {
  const deep = '>'.repeat(5000) + ' x'
  assert.ok(markdownToHTML(deep).length > 0)
  const stars = '*'.repeat(10000) + 'x' + '*'.repeat(10000)
  assert.ok(markdownToHTML(stars).length > 0)
  const brackets = '['.repeat(3000) + 'x' + ']'.repeat(3000) + '(https://a.example)'
  assert.ok(markdownToHTML(brackets).length > 0)
})

test('the tree has only the documented node types', () => {
  const allowed = new Set(['heading', 'paragraph', 'code', 'list', 'blockquote', 'hr', 'table', 'text', 'em', 'strong', 'del', 'link', 'br'])
  const walk = (n) => {
    if (Array.isArray(n)) return n.forEach(walk)
    if (!n || typeof n !== 'object') return
    if (n.type) assert.ok(allowed.has(n.type), n.type)
    for (const v of Object.values(n)) if (typeof v === 'object') walk(v)
  }
  walk(parseMarkdown('# h\n\n*a* **b** `c` [d](https://e.org) <f> ![g](h)\n\n- i\n\n> j\n\n    k\n\n---\n\n|a|b|\n|-|-|\n|c|d|'))
})

test('a link whose target is not allowed shows its text, not a stray parenthesis', () => {
  assert.equal(markdownToHTML('[evil](javascript:alert(1))'), '<p>evil</p>')
  assert.equal(markdownToHTML('[evil](javascript:alert(document.cookie)) after'), '<p>evil after</p>')
  assert.equal(markdownToHTML('![alt](x(1)) after'), '<p>alt after</p>')
  assert.equal(markdownToHTML('[wiki](https://en.wikipedia.org/wiki/Set_(mathematics))'),
    '<p><a href="https://en.wikipedia.org/wiki/Set_(mathematics)" rel="noopener noreferrer nofollow" target="_blank">wiki</a></p>')
})

// Hostile questions of the size the server accepts: each must cost work proportional to its
// length (the old reader scanned to the end once per opener: 100 to 300 times slower on these).
// Work is the reader's own count of scanning steps (`work`), not wall time: 4 times the text
// must be about 4 times the work (a quadratic reader does 16 times), and a few steps a character.
test('hostile questions render in work proportional to their length', () => {
  const cost = (text) => {
    work.steps = 0
    markdownToHTML(text)
    return work.steps
  }
  const n = 5000
  const sized = (unit, size) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
  const units = {
    plain: 'lorem ipsum dolor sit ',
    underscores: '_a!',
    stars: '*a ',
    strong: '**a ',
    strike: '~~a ',
    under2: '__a!',
    brackets: '[',
    links: '[a](',
    images: '![a](',
    ticks: '``a`',
    urls: '(http://[',
    mixed: '*_[`(',
    autolinks: '<a:b ',
    nested: '> - a\n',
    lines: '*a\n',
    table: '|a|\n|-|\n'
  }
  for (const [name, unit] of Object.entries(units)) {
    const small = cost(sized(unit, n))
    const large = cost(sized(unit, 4 * n))
    assert.ok(small > 0, `${name}: the reader counted no work`)
    assert.ok(large <= 5 * small, `${name}: ${large} steps for ${4 * n} characters, ${small} for ${n}`)
    assert.ok(large <= 20 * 4 * n, `${name}: ${large} steps for ${4 * n} characters`)
  }
})
