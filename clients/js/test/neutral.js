// The language-neutral JSON form of messages used by protocol/vectors, and back.
// Byte fields travel as hex strings; awareness updates as their decoded entries; collabd
// payloads as wire maps (null optional fields absent).
import { toMap, decodeAwareness, encodeAwareness } from '../src/index.js'

export const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16))
export const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

export function toNeutral (msg) {
  switch (msg.type) {
    case 'collab': return { type: 'collab', payload: toMap(msg.payload) }
    case 'awareness': return { type: 'awareness', entries: decodeAwareness(msg.update) }
    case 'sync_step1': return { type: msg.type, state_vector: bytesToHex(msg.state_vector) }
    case 'sync_step2':
    case 'sync_update': return { type: msg.type, update: bytesToHex(msg.update) }
    default: return { ...msg }
  }
}

export function fromNeutral (msg) {
  switch (msg.type) {
    case 'awareness': return { type: 'awareness', update: encodeAwareness(msg.entries) }
    case 'sync_step1': return { type: msg.type, state_vector: hexToBytes(msg.state_vector) }
    case 'sync_step2':
    case 'sync_update': return { type: msg.type, update: hexToBytes(msg.update) }
    default: return { ...msg }
  }
}
