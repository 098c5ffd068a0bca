import { toMap } from '../src/codec.js'

// The language-neutral JSON form of messages used by protocol/vectors, and back.
// Byte fields travel as hex strings in the neutral form.
const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16))
const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

const BYTE_FIELDS = ['state_vector', 'update']

export function toNeutral (msg) {
  // collabd payloads in vectors are wire maps: null optional fields are absent.
  if (msg.type === 'collab') return { type: 'collab', payload: toMap(msg.payload) }
  const out = {}
  for (const [k, v] of Object.entries(msg)) out[k] = v instanceof Uint8Array ? bytesToHex(v) : v
  return out
}

export function fromNeutral (msg) {
  const out = {}
  for (const [k, v] of Object.entries(msg)) {
    out[k] = BYTE_FIELDS.includes(k) && typeof v === 'string' ? hexToBytes(v) : v
  }
  return out
}
