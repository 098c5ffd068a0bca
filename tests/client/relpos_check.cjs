// Cross-check collab_client.relpos against the real Yjs: reads {update, positions} as JSON on
// stdin, prints {text, fromPython, fromYjs}. argv[2]: a folder whose node_modules has yjs.
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
  const fromPython = positions.map((rel) => {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(rel), doc)
    return abs === null ? null : abs.index
  })
  const fromYjs = []
  for (let i = 0; i <= ytext.length; i++) {
    fromYjs.push(Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(ytext, i)))
  }
  process.stdout.write(JSON.stringify({ text: ytext.toString(), fromPython, fromYjs }))
})
