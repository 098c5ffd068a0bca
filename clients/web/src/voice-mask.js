/**
 * Voice masking on the sender's side: the microphone goes through the voice-mask AudioWorklet
 * (voice-mask-worklet.js: SoundTouch's pitch shift, steered by our F0 estimate) and only its
 * output is sent, so the raw voice never leaves the device.
 *
 * The session's policy (`ice.servers.voice_mask`, SPEC 14.3) decides the starting choice:
 * `optional` (off until the participant turns it on), `default` (on until they turn it off),
 * `required` (on, cannot be turned off). A participant's own choice is kept per browser.
 */

export const WORKLET_URL = '/voice-mask-worklet.js'
/** The neutral band's centre: between typical low (~110 Hz) and high (~220 Hz) voices. */
export const TARGET_HZ = 160
const CHOICE_KEY = 'collabd.voiceMask'

/** Whether this participant's voice starts masked under `policy`. */
export function initialMasked (policy, storage = globalThis.localStorage) {
  if (policy === 'required') return true
  let saved = null
  try { saved = storage ? storage.getItem(CHOICE_KEY) : null } catch { saved = null }
  if (saved === 'on') return true
  if (saved === 'off') return false
  return policy === 'default'
}

export function rememberMasked (on, storage = globalThis.localStorage) {
  try { if (storage) storage.setItem(CHOICE_KEY, on ? 'on' : 'off') } catch { /* private mode */ }
}

/**
 * Masks `raw` (a MediaStream from getUserMedia). Returns {stream, close, estimate}: `stream`
 * carries only the masked audio; `estimate` is the latest {f0, ratio, voiced, frozen} or null;
 * `onEstimate` is told each new one. With `preview`, the masked audio also plays locally.
 */
export async function maskStream (raw, { preview = false, onEstimate = () => {}, AudioContextImpl = globalThis.AudioContext, targetHz = TARGET_HZ } = {}) {
  if (!AudioContextImpl) throw new Error('This browser cannot mask the voice (no Web Audio).')
  const ctx = new AudioContextImpl({ latencyHint: 'interactive' })
  try {
    await ctx.audioWorklet.addModule(WORKLET_URL)
    const source = ctx.createMediaStreamSource(raw)
    const node = new AudioWorkletNode(ctx, 'voice-mask', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { targetHz }
    })
    const out = ctx.createMediaStreamDestination()
    source.connect(node)
    node.connect(out)
    if (preview) node.connect(ctx.destination)
    if (ctx.state === 'suspended') await ctx.resume()
    const handle = {
      stream: out.stream,
      estimate: null,
      close () {
        node.port.onmessage = null
        source.disconnect()
        node.disconnect()
        for (const t of out.stream.getTracks()) t.stop()
        ctx.close().catch(() => {})
      }
    }
    node.port.onmessage = (e) => {
      if (!e.data || e.data.type !== 'estimate') return
      handle.estimate = e.data
      onEstimate(e.data)
    }
    return handle
  } catch (err) {
    ctx.close().catch(() => {})
    throw err
  }
}
