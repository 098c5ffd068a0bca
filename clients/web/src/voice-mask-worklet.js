/**
 * The voice mask (AudioWorklet processor, bundled on its own as voice-mask-worklet.js).
 *
 * Moves the speaker's fundamental frequency (F0) into one neutral band before the audio leaves
 * the device. The shift itself is SoundTouch's (@soundtouchjs/core: WSOLA time-stretch plus
 * resampling, so the formants move with the pitch and the vocal-tract length is hidden too),
 * set for speech with a short sequence so the added delay stays near 50 ms. The adaptive part is
 * ours: a YIN-style pitch estimate on the decimated input every 20 ms; the ratio is the target
 * over the running median of the voiced estimates, and it is frozen once `learnFrames` voiced
 * frames (about 3 s of voiced speech) are in. Until the first voiced frame has been measured the
 * output is silent, so the raw voice never goes out.
 *
 * Posts {type: 'estimate', f0, ratio, voiced, frozen} on `port` after each voiced frame while
 * learning (f0 is the running median of the raw voice). The added delay is measured by
 * bench/voice_mask.py, not assumed.
 */
import { SoundTouch } from '@soundtouchjs/core'

const DECIMATE = 4 // 48 kHz -> 12 kHz for the pitch estimate
const WINDOW = 480 // decimated samples per estimate (40 ms at 12 kHz)
const MIN_F0 = 60
const MAX_F0 = 420
const YIN_THRESHOLD = 0.2
const MIN_RMS = 0.01 // about -40 dBFS: quieter frames are not speech

class VoiceMaskProcessor extends AudioWorkletProcessor {
  constructor (options) {
    super()
    const o = (options && options.processorOptions) || {}
    this.targetHz = o.targetHz || 160
    this.learnFrames = o.learnFrames || 150
    this.minRatio = o.minRatio || 0.5
    this.maxRatio = o.maxRatio || 2
    this.pipe = new SoundTouch()
    // SoundTouch's settings for speech, shortened: sequence, seek window, overlap (ms)
    this.pipe.stretch.setParameters(sampleRate, o.sequenceMs || 25, o.seekMs || 10, o.overlapMs || 8)
    this.pipe.pitch = 1
    this.ratio = 0
    this.inBuf = new Float32Array(256)
    this.outBuf = new Float32Array(256)
    this.decimated = new Float32Array(WINDOW * 2)
    this.decFill = 0
    this.decAcc = 0
    this.decCount = 0
    this.hop = Math.max(1, Math.round(sampleRate * 0.02 / DECIMATE)) // decimated samples per 20 ms
    this.sinceEstimate = 0
    this.diff = new Float32Array(Math.ceil(sampleRate / DECIMATE / MIN_F0) + 2)
    this.voicedF0 = new Float32Array(this.learnFrames)
    this.voiced = 0
    this.scratch = new Float32Array(this.learnFrames)
    this.primed = false
    this.port.onmessage = (e) => {
      if (e.data && typeof e.data.targetHz === 'number') this.targetHz = e.data.targetHz
    }
  }

  // decimate by averaging DECIMATE samples (a crude low-pass is enough for F0 below 420 Hz)
  _feedEstimator (x) {
    for (let i = 0; i < x.length; i++) {
      this.decAcc += x[i]
      if (++this.decCount < DECIMATE) continue
      const v = this.decAcc / DECIMATE
      this.decAcc = 0
      this.decCount = 0
      if (this.decFill === this.decimated.length) {
        this.decimated.copyWithin(0, this.decimated.length - WINDOW)
        this.decFill = WINDOW
      }
      this.decimated[this.decFill++] = v
      if (++this.sinceEstimate >= this.hop && this.decFill >= WINDOW) {
        this.sinceEstimate = 0
        this._estimate()
      }
    }
  }

  // YIN: cumulative-mean-normalised difference, first dip under the threshold
  _estimate () {
    const fs = sampleRate / DECIMATE
    const x = this.decimated
    const start = this.decFill - WINDOW
    let energy = 0
    for (let i = start; i < this.decFill; i++) energy += x[i] * x[i]
    if (Math.sqrt(energy / WINDOW) < MIN_RMS) return
    const tauMin = Math.floor(fs / MAX_F0)
    const tauMax = Math.min(Math.ceil(fs / MIN_F0), WINDOW / 2, this.diff.length - 1)
    const n = WINDOW - tauMax
    const d = this.diff
    let running = 0
    let found = -1
    for (let tau = 1; tau <= tauMax; tau++) {
      let s = 0
      for (let i = start; i < start + n; i++) {
        const v = x[i] - x[i + tau]
        s += v * v
      }
      running += s
      d[tau] = running > 0 ? s * tau / running : 1
      if (tau > tauMin + 1 && found < 0 && d[tau - 1] < YIN_THRESHOLD && d[tau - 1] <= d[tau] && d[tau - 1] <= d[tau - 2]) {
        found = tau - 1
        break
      }
    }
    if (found < 0) return
    // parabolic interpolation around the dip
    const a = d[found - 1]; const b = d[found]; const c = d[found + 1]
    const den = a - 2 * b + c
    const shift = den !== 0 ? 0.5 * (a - c) / den : 0
    const f0 = fs / (found + (Math.abs(shift) < 1 ? shift : 0))
    this._learn(f0)
  }

  _learn (f0) {
    const frozen = this.voiced >= this.learnFrames
    if (!frozen) {
      this.voicedF0[this.voiced++] = f0
      const k = this.voiced
      const s = this.scratch.subarray(0, k)
      s.set(this.voicedF0.subarray(0, k))
      s.sort()
      const median = k % 2 ? s[(k - 1) >> 1] : 0.5 * (s[k / 2 - 1] + s[k / 2])
      const ratio = Math.min(this.maxRatio, Math.max(this.minRatio, this.targetHz / median))
      if (!this.ratio || Math.abs(ratio / this.ratio - 1) > 0.005) {
        this.ratio = ratio
        this.pipe.pitch = ratio
      }
      this.port.postMessage({ type: 'estimate', f0: median, ratio: this.ratio, voiced: k, frozen: k >= this.learnFrames })
    }
  }

  process (inputs, outputs) {
    const input = inputs[0]
    const output = outputs[0]
    if (!output || !output[0]) return true
    const out = output[0]
    const frames = out.length
    const mic = input && input[0]
    if (mic && mic.length) {
      this._feedEstimator(mic)
      if (this.inBuf.length < mic.length * 2) this.inBuf = new Float32Array(mic.length * 2)
      const buf = this.inBuf
      for (let i = 0; i < mic.length; i++) { buf[2 * i] = mic[i]; buf[2 * i + 1] = mic[i] }
      if (this.ratio) {
        this.pipe.inputBuffer.putSamples(buf, 0, mic.length)
        this.pipe.process()
      }
    }
    const fifo = this.pipe.outputBuffer
    // start (and restart after a gap) only with a block in hand beyond one chunk: no clicks
    if (!this.primed && fifo.frameCount >= this.pipe.stretch.outputChunkSize + frames) this.primed = true
    let n = 0
    if (this.primed) {
      n = Math.min(fifo.frameCount, frames)
      if (this.outBuf.length < n * 2) this.outBuf = new Float32Array(n * 2)
      fifo.receiveSamples(this.outBuf, n)
      for (let i = 0; i < n; i++) {
        const v = this.outBuf[2 * i]
        out[i] = Number.isFinite(v) ? v : 0
      }
      if (n < frames) this.primed = false
    }
    for (let i = n; i < frames; i++) out[i] = 0
    for (let c = 1; c < output.length; c++) output[c].set(out)
    return true
  }
}

registerProcessor('voice-mask', VoiceMaskProcessor)
