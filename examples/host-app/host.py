"""An embedder's site in a few dozen lines (stdlib only): it creates an interview session with
the API key and serves pages that frame each participant's room and react to its events.

    collabd serve --frame-ancestor http://127.0.0.1:8000      # the room may be framed here
    python examples/host-app/host.py --api-key "$(collabd api-key)"

Open http://127.0.0.1:8000/ (the interviewer's page; it links to the candidate's).
"""

import argparse
import html
import json
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Acme Hiring: {role}</title>
<style>body {{ font-family: sans-serif; margin: 1em }} iframe {{ width: 100%; height: 75vh;
border: 1px solid #ccc }} #log li {{ font-family: monospace }}</style></head><body>
<h1>Acme Hiring: the {role}'s page</h1>
<p>{other} <button id="dark">Dark</button> <button id="light">Light</button>
<button id="leave">Leave</button> <strong id="status">Joining…</strong></p>
<iframe id="room" src="{src}" allow="microphone; clipboard-write"></iframe>
<ol id="log"></ol>
<script>
const ROOM = {origin}, frame = document.getElementById('room')
const send = (msg) => frame.contentWindow.postMessage({{ collabd: 1, ...msg }}, ROOM)
document.getElementById('dark').onclick = () => send({{ command: 'theme', theme: 'dark' }})
document.getElementById('light').onclick = () => send({{ command: 'theme', theme: 'light' }})
document.getElementById('leave').onclick = () => send({{ command: 'leave' }})
window.addEventListener('message', (e) => {{
  if (e.origin !== ROOM || e.source !== frame.contentWindow || e.data?.collabd !== 1) return
  const ev = e.data, li = document.createElement('li')
  li.dataset.type = ev.type
  li.textContent = JSON.stringify(ev)
  document.getElementById('log').append(li)
  const status = {{ joined: `Joined as ${{ev.name}}`, phase: `Phase: ${{ev.phase}}`,
    reveal: 'Feedback revealed', closed: `Interview over (${{ev.reason}})`, left: 'You left' }}
  if (status[ev.type]) document.getElementById('status').textContent = status[ev.type]
}})
</script></body></html>"""


def create_session(server: str, api_key: str) -> dict:
    body = json.dumps({"interviewer": {"name": "Ada Example", "email": "ada@acme.example"},
                       "interviewee": {"name": "Bo Example", "email": "bo@mail.example"}})
    req = urllib.request.Request(f"{server}/api/sessions", data=body.encode(), method="POST",
                                 headers={"Authorization": f"Bearer {api_key}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default="http://127.0.0.1:8080", help="the collabd server")
    ap.add_argument("--api-key", required=True, help="collabd's API key (collabd api-key)")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args()
    session = create_session(args.server, args.api_key)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(session["interviewer"]["join_url"]))

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            role = {"/": "interviewer", "/candidate": "interviewee"}.get(self.path)
            if role is None:
                return self.send_error(404)
            other = ('<a href="/candidate">The candidate\'s page</a>' if role == "interviewer"
                     else "")
            body = PAGE.format(role=role, other=other, origin=json.dumps(origin),
                               src=html.escape(session[role]["join_url"])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

    print(f"session {session['session_id']}: open http://127.0.0.1:{args.port}/", flush=True)
    ThreadingHTTPServer(("127.0.0.1", args.port), Pages).serve_forever()


if __name__ == "__main__":
    main()
