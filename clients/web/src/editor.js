/**
 * The shared code editor: CodeMirror 6 bound to the room's `code` Y.Text by y-codemirror.next.
 * Remote cursors and selections come from awareness (the server stamps each `user` with the
 * pseudonym and colour). Undo is per user: a Y.UndoManager tracks only this client's edits.
 * The language (for highlighting) is shared through meta.language.
 */
import * as Y from 'yjs'
import { EditorView, keymap, lineNumbers, highlightActiveLineGutter, highlightSpecialChars, drawSelection, dropCursor, highlightActiveLine } from '@codemirror/view'
import { EditorState, Compartment } from '@codemirror/state'
import { indentOnInput, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentUnit } from '@codemirror/language'
import { defaultKeymap, indentWithTab } from '@codemirror/commands'
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search'
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete'
import { python } from '@codemirror/lang-python'
import { javascript } from '@codemirror/lang-javascript'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'

export const LANGUAGES = [
  { id: 'python', label: 'Python', extension: () => python() },
  { id: 'javascript', label: 'JavaScript', extension: () => javascript() },
  { id: 'typescript', label: 'TypeScript', extension: () => javascript({ typescript: true }) },
  { id: 'plaintext', label: 'Plain text', extension: () => [] }
]
export const DEFAULT_LANGUAGE = 'python'

export function languageById (id) {
  return LANGUAGES.find((l) => l.id === id) || LANGUAGES.find((l) => l.id === DEFAULT_LANGUAGE)
}

/**
 * @param {HTMLElement} parent
 * @param {{doc: Y.Doc, awareness: any}} opts
 */
export function createEditor (parent, { doc, awareness }) {
  const ytext = doc.getText('code')
  const ymeta = doc.getMap('meta')
  const undoManager = new Y.UndoManager(ytext)
  const language = new Compartment()
  const editable = new Compartment()
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
        EditorView.contentAttributes.of({ 'aria-label': 'Shared code editor' }),
        yCollab(ytext, awareness, { undoManager })
      ]
    })
  })

  const listeners = new Set()
  const applyLanguage = () => {
    const next = languageById(ymeta.get('language')).id
    if (next === current) return
    current = next
    view.dispatch({ effects: language.reconfigure(languageById(current).extension()) })
    for (const fn of listeners) fn(current)
  }
  ymeta.observe(applyLanguage)

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
    setReadOnly (readOnly) {
      view.dispatch({
        effects: editable.reconfigure(readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : [])
      })
    },
    destroy () {
      ymeta.unobserve(applyLanguage)
      view.destroy()
      undoManager.destroy()
    }
  }
}
