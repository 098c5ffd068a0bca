// A site whose page talks to collabd itself with @collabd/client and its own editor binding
// (page.js): it creates a session with the API key and serves a page per participant.
//
//   collabd serve --allow-origin http://127.0.0.1:8001      # the page connects from there
//   cd examples/editor-page && npm install && node server.mjs http://127.0.0.1:8080 "$(collabd api-key)"
//
// Open http://127.0.0.1:8001/ (the interviewer) and http://127.0.0.1:8001/candidate.
import http from 'node:http'
import { build } from 'esbuild'
import { SessionsApi } from '@collabd/client'

const [server = 'http://127.0.0.1:8080', apiKey = process.env.COLLABD_API_KEY, port = '8001'] = process.argv.slice(2)
const bundle = await build({ entryPoints: [new URL('page.js', import.meta.url).pathname], bundle: true, format: 'esm', write: false, logLevel: 'warning' })
const session = await new SessionsApi({ server, apiKey }).createSession({
  interviewer: { name: 'Ada Example', email: 'ada@acme.example' },
  interviewee: { name: 'Bo Example', email: 'bo@mail.example' }
})
const page = (role) => `<!doctype html><meta charset="utf-8"><title>Editor: ${role}</title>
<p id="status">Joining…</p>
<textarea id="code" rows="20" cols="80" disabled spellcheck="false"></textarea>
<script>window.COLLABD = ${JSON.stringify({ server, token: session[role].token })}</script>
<script type="module" src="/page.js"></script>`

http.createServer((req, res) => {
  const role = { '/': 'interviewer', '/candidate': 'interviewee' }[req.url]
  if (req.url === '/page.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle.outputFiles[0].text)
  } else if (role) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page(role))
  } else {
    res.writeHead(404).end()
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`session ${session.session_id}: open http://127.0.0.1:${port}/`))
