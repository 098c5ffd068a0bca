// Cross-check collab_client.relpos against the real Yjs: reads {update, positions} as JSON on
// stdin, prints {text, fromPython, fromPythonRaw, fromYjs}. argv[2]: a folder whose
// node_modules has yjs.
//   fromPython     our positions read with Y.createRelativePositionFromJSON (forgiving)
//   fromPythonRaw  our positions used as they arrive in awareness, the way y-codemirror.next
//                  does (Y.createAbsolutePositionFromRelativePosition on the plain object):
//                  a missing `item` reads as present there, so it must be an explicit null
//   fromYjs        Yjs's own positions for every index, for the other direction
const { createRequire } = require('module')
const path = require('path')
const Y = createRequire(path.join(process.argv[2], 'package.json'))('yjs')

let input = ''
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', () => {
  const { update, positions } = JSON.parse(input)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Buffer.from(update, 'hex'))
  const ytext = doc.getText('code')
  const index = (abs) => (abs === null ? null : abs.index)
  const fromPython = positions.map((rel) =>
    index(Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(rel), doc)))
  const fromPythonRaw = positions.map((rel) => {
    try {
      return index(Y.createAbsolutePositionFromRelativePosition(rel, doc))
    } catch (e) {
      return `crash: ${e.message}`
    }
  })
  const fromYjs = []
  for (let i = 0; i <= ytext.length; i++) {
    fromYjs.push(Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(ytext, i)))
  }
  process.stdout.write(JSON.stringify({ text: ytext.toString(), fromPython, fromPythonRaw, fromYjs }))
})
