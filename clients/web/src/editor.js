/**
 * The shared code editor: CodeMirror 6 bound to the room's `code` Y.Text by y-codemirror.next.
 * Remote cursors and selections come from awareness (the server stamps each `user` with the
 * pseudonym and colour). Undo is per user: a Y.UndoManager tracks only this client's edits.
 * The language (for highlighting) is shared through meta.language.
 */
import * as Y from 'yjs'
import { EditorView, keymap, lineNumbers, highlightActiveLineGutter, highlightSpecialChars, drawSelection, dropCursor, highlightActiveLine } from '@codemirror/view'
import { EditorState, Compartment } from '@codemirror/state'
import { indentOnInput, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentUnit, HighlightStyle } from '@codemirror/language'
import { tags as t } from '@lezer/highlight'
import { defaultKeymap, indentWithTab } from '@codemirror/commands'
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search'
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete'
import { python } from '@codemirror/lang-python'
import { javascript } from '@codemirror/lang-javascript'
import { java } from '@codemirror/lang-java'
import { cpp } from '@codemirror/lang-cpp'
import { go } from '@codemirror/lang-go'
import { rust } from '@codemirror/lang-rust'
import { sql } from '@codemirror/lang-sql'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'

export const LANGUAGES = [
  { id: 'python', label: 'Python', extension: () => python() },
  { id: 'javascript', label: 'JavaScript', extension: () => javascript() },
  { id: 'typescript', label: 'TypeScript', extension: () => javascript({ typescript: true }) },
  { id: 'java', label: 'Java', extension: () => java() },
  { id: 'cpp', label: 'C++', extension: () => cpp() },
  { id: 'go', label: 'Go', extension: () => go() },
  { id: 'rust', label: 'Rust', extension: () => rust() },
  { id: 'sql', label: 'SQL', extension: () => sql() },
  { id: 'plaintext', label: 'Plain text', extension: () => [] }
]
export const DEFAULT_LANGUAGE = 'python'

// Dark theme: CodeMirror's default highlight colours are made for a light background.
const darkHighlight = HighlightStyle.define([
  { tag: t.keyword, color: '#c4a7ff' },
  { tag: [t.name, t.deleted, t.character, t.macroName], color: '#e6e9ef' },
  { tag: [t.function(t.variableName), t.labelName], color: '#8cc8ff' },
  { tag: [t.color, t.constant(t.name), t.standard(t.name)], color: '#ffb86b' },
  { tag: [t.definition(t.name), t.separator], color: '#e6e9ef' },
  { tag: [t.typeName, t.className, t.number, t.changed, t.annotation, t.modifier, t.self, t.namespace], color: '#ffcb6b' },
  { tag: [t.operator, t.operatorKeyword, t.url, t.escape, t.regexp, t.link, t.special(t.string)], color: '#89ddff' },
  { tag: [t.meta, t.comment], color: '#9aa5b1', fontStyle: 'italic' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: [t.atom, t.bool, t.special(t.variableName)], color: '#ff9e80' },
  { tag: [t.processingInstruction, t.string, t.inserted], color: '#a5e075' },
  { tag: t.invalid, color: '#ff6b6b' }
])
const darkTheme = [
  EditorView.theme({
    '&': { color: '#e6e9ef', backgroundColor: '#15191e' },
    '.cm-content': { caretColor: '#ffffff' },
    '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#ffffff' },
    '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: '#2f4466' },
    '.cm-gutters': { backgroundColor: '#15191e', color: '#9aa5b1', border: 'none' },
    '.cm-activeLine': { backgroundColor: '#1f252d' },
    '.cm-activeLineGutter': { backgroundColor: '#1f252d' },
    '.cm-selectionMatch': { backgroundColor: '#2b3a2b' }
  }, { dark: true }),
  syntaxHighlighting(darkHighlight)
]

export function languageById (id) {
  return LANGUAGES.find((l) => l.id === id) || LANGUAGES.find((l) => l.id === DEFAULT_LANGUAGE)
}

/**
 * @param {HTMLElement} parent
 * @param {{doc: Y.Doc, awareness: any, live?: () => boolean}} opts
 *   live: true once the document has synced; a language that arrives before (the state at load,
 *   or what changed while we were away) is applied but not announced as someone's change.
 */
export function createEditor (parent, { doc, awareness, live = () => true }) {
  const ytext = doc.getText('code')
  const ymeta = doc.getMap('meta')
  const undoManager = new Y.UndoManager(ytext)
  const language = new Compartment()
  const editable = new Compartment()
  const theme = new Compartment()
  let current = languageById(ymeta.get('language')).id

  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        drawSelection(),
        dropCursor(),
        indentOnInput(),
        indentUnit.of('    '),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        keymap.of([
          ...closeBracketsKeymap,
          ...yUndoManagerKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          indentWithTab
        ]),
        language.of(languageById(current).extension()),
        editable.of([]),
        theme.of([]),
        EditorView.contentAttributes.of({ 'aria-label': 'Shared code editor' }),
        yCollab(ytext, awareness, { undoManager })
      ]
    })
  })

  const listeners = new Set()
  const applyLanguage = (remote) => {
    const next = languageById(ymeta.get('language')).id
    if (next === current || destroyed) return
    current = next
    view.dispatch({ effects: language.reconfigure(languageById(current).extension()) })
    for (const fn of listeners) fn(current, { remote })
  }
  let destroyed = false
  const onMeta = (event) => {
    // remote: another participant chose it while we were here (the view announces that)
    const remote = Boolean(event && event.transaction && !event.transaction.local) && live()
    // After the transaction: y-codemirror puts the synced text into the view in its own observer
    // of the same transaction; reconfiguring before that makes the remote-cursor plugin map
    // positions of the new text into the still empty view (RangeError).
    queueMicrotask(() => applyLanguage(remote))
  }
  ymeta.observe(onMeta)

  return {
    view,
    undoManager,
    get language () {
      return current
    },
    /** Share a new language with everyone in the room. */
    setLanguage (id) {
      const lang = languageById(id)
      if (ymeta.get('language') !== lang.id) ymeta.set('language', lang.id)
    },
    onLanguageChange (fn) {
      listeners.add(fn)
    },
    /**
     * Write the default language into the shared meta if nobody has chosen one yet, so every
     * client (the terminal too) agrees on it. Call once the document has synced.
     */
    seedLanguage () {
      if (ymeta.get('language') === undefined) ymeta.set('language', current)
    },
    setDark (dark) {
      view.dispatch({ effects: theme.reconfigure(dark ? darkTheme : []) })
    },
    setReadOnly (readOnly) {
      view.dispatch({
        // read-only content stays reachable by keyboard, so its scrolling region can be scrolled
        effects: editable.reconfigure(readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ tabindex: '0' })] : [])
      })
    },
    destroy () {
      destroyed = true
      ymeta.unobserve(onMeta)
      view.destroy()
      undoManager.destroy()
    }
  }
}
