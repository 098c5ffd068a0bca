"""The delay the voice mask adds (docs/voice.md), measured in Debian's Chromium.

The mask's AudioWorklet (collabd/web/voice-mask-worklet.js, built by `npm run build` in
clients/web) renders in an OfflineAudioContext: a harmonic "voice" at a low and at a high F0
speaks for 1.5 s (the mask learns its pitch), pauses, then speaks again. The delay is the time
from the second onset in the input to the same onset in the output (first sample above 10% of
the output's peak), plus the F0 that came out, for each voice. Sample-exact and repeatable (no
clock involved): it is the algorithmic delay, on top of which the browser adds its own capture
and playout buffers whether or not the voice is masked.

    python bench/voice_mask.py [--json-out PATH]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import socketserver
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "collabd" / "web"
CHROMIUM = "/usr/bin/chromium"
RATE = 48000
ONSET_S = 2.5  # the second utterance starts here

RENDER = """
async ({ rate, f0, onset, opts }) => {
  const seconds = onset + 1
  const ctx = new OfflineAudioContext(1, rate * seconds, rate)
  await ctx.audioWorklet.addModule('/voice-mask-worklet.js')
  const input = ctx.createBuffer(1, rate * seconds, rate)
  const x = input.getChannelData(0)
  const speak = (from, to) => {
    for (let i = Math.floor(from * rate); i < Math.floor(to * rate); i++) {
      let v = 0
      for (let k = 1; k <= 12; k++) v += Math.sin(2 * Math.PI * f0 * k * i / rate) / k
      x[i] = 0.2 * v
    }
  }
  speak(0, 1.5)
  speak(onset, seconds)
  const src = ctx.createBufferSource()
  src.buffer = input
  const node = new AudioWorkletNode(ctx, 'voice-mask', {
    numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
    channelCount: 1, channelCountMode: 'explicit', processorOptions: { targetHz: 160, ...opts }
  })
  src.connect(node).connect(ctx.destination)
  src.start()
  const out = (await ctx.startRendering()).getChannelData(0)
  let peak = 0
  for (const v of out) peak = Math.max(peak, Math.abs(v))
  const from = Math.floor((onset - 0.2) * rate)
  let first = -1
  for (let i = from; i < out.length; i++) if (Math.abs(out[i]) > 0.1 * peak) { first = i; break }
  // F0 of the output's last 0.5 s by autocorrelation (the learnt ratio applied)
  const seg = out.subarray(out.length - rate / 2)
  let best = 0; let bestLag = 0
  for (let lag = Math.floor(rate / 500); lag < rate / 60; lag++) {
    let s = 0
    for (let i = 0; i + lag < seg.length; i++) s += seg[i] * seg[i + lag]
    if (s > best) { best = s; bestLag = lag }
  }
  return { delayFrames: first - Math.floor(onset * rate), outF0: rate / bestLag }
}
"""


def serve(directory: Path) -> tuple[socketserver.TCPServer, int]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    httpd = socketserver.TCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json-out", type=Path)
    ap.add_argument("--sequence-ms", type=float, help="override the worklet's WSOLA sequence")
    ap.add_argument("--seek-ms", type=float, help="override the worklet's WSOLA seek window")
    args = ap.parse_args()
    if not (WEB / "voice-mask-worklet.js").exists():
        print("build the web client first: cd clients/web && npm run build", file=sys.stderr)
        return 2
    httpd, port = serve(WEB)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/index.html")
            for f0 in (85.0, 100.0, 220.0, 300.0):
                opts = {k: v for k, v in (("sequenceMs", args.sequence_ms),
                                          ("seekMs", args.seek_ms)) if v}
                r = page.evaluate(RENDER, {"rate": RATE, "f0": f0, "onset": ONSET_S,
                                           "opts": opts})
                rows.append({"input_f0_hz": f0, "output_f0_hz": round(r["outF0"], 1),
                             "delay_ms": round(1000 * r["delayFrames"] / RATE, 1)})
            browser.close()
    finally:
        httpd.shutdown()
    for row in rows:
        print(f"F0 {row['input_f0_hz']:.0f} Hz -> {row['output_f0_hz']:.0f} Hz, "
              f"added delay {row['delay_ms']:.1f} ms")
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
