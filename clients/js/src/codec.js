/**
 * The collabd wire codec: frames <-> plain message objects.
 *
 * A frame is a sequence of messages, each starting with a lib0 varUint message type:
 *   0 sync (step1 / step2 / update), 1 awareness, 2 auth, 3 query-awareness  — y-protocols;
 *   100 collabd: a varUint8Array holding a msgpack map whose "t" key names the kind.
 *
 * collabd messages are plain objects using the wire field names (`from`, not `from_`):
 *   { t: 'chat.msg', id: 4, ts: 1700000000000, from: {...}, text: 'hi', nonce: '' }
 * The schema (schema.generated.js, generated from protocol/collab_protocol/messages.py) gives
 * field order (the encoder writes "t" first, then the fields in this order, leaving out null
 * ones), required fields, defaults and types. The decoder checks types and refuses unknown
 * fields just as the Python decoder does.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { encode as mpEncode, decode as mpDecode, MsgpackError } from './msgpack.js'
import { KINDS, CLOSE_CODES, CloseCode } from './schema.generated.js'

export const PROTOCOL_VERSION = 1

export const MSG_SYNC = 0
export const MSG_AWARENESS = 1
export const MSG_AUTH = 2
export const MSG_QUERY_AWARENESS = 3
export const MSG_COLLAB = 100

export const SYNC_STEP1 = 0
export const SYNC_STEP2 = 1
export const SYNC_UPDATE = 2

/**
 * Codec errors, mirroring protocol/collab_protocol/errors.py:
 *   ProtocolError     base: the bytes or the message break the spec
 *     DecodeError     not a well-formed frame (bad varUint, truncated, unknown type)
 *       BadPayload    a collabd payload that is not exactly one msgpack value
 *     InvalidMessage  well-formed, but a collabd message has missing or mistyped fields
 *     UnknownKind     a collabd kind this version does not know
 * `kind` is the class name, `code` the server's error code, `inPayload` true when the fault lies
 * inside a type-100 payload (the frame's framing was intact).
 */
export class ProtocolError extends Error {
  constructor (message, kind = 'DecodeError') {
    super(message)
    this.name = 'ProtocolError'
    this.kind = kind
    this.code = kind === 'UnknownKind' ? 'unknown_kind' : 'bad_message'
    this.inPayload = kind !== 'DecodeError'
  }
}

const decodeError = (message) => new ProtocolError(message, 'DecodeError')
const badPayload = (message) => new ProtocolError(message, 'BadPayload')
const invalid = (message) => new ProtocolError(message, 'InvalidMessage')
const unknownKind = (message) => new ProtocolError(message, 'UnknownKind')

/** y-websocket peers send one message per frame; a few may be batched. */
export const MAX_MESSAGES_PER_FRAME = 100
export const MAX_AWARENESS_ENTRIES = 1000

/**
 * Every collabd message kind and its fields in wire order ({name, type: 'int' | 'bool' | 'str' |
 * 'dict' | 'list', required, nullable, default}), and every close code with its reconnect flag:
 * generated from the Python schema (protocol/gen_schema.py), never edited by hand.
 */
export { KINDS, CLOSE_CODES, CloseCode }

const MAX_SAFE = 2 ** 53

function isDict (v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
}

function matches (value, field) {
  if (value === null) return field.nullable
  switch (field.type) {
    case 'int': return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < MAX_SAFE
    case 'bool': return typeof value === 'boolean'
    case 'str': return typeof value === 'string'
    case 'dict': return isDict(value)
    case 'list': return Array.isArray(value)
    default: throw new Error(`bad schema type ${field.type}`)
  }
}

/**
 * The msgpack map of a collabd message, keys in wire order, null fields left out.
 * Missing optional fields take their default; a missing required field or a wrong type throws.
 */
export function toMap (msg) {
  const fields = KINDS[msg.t]
  if (!fields) throw unknownKind(`unknown message kind ${String(msg.t).slice(0, 40)}`)
  const out = { t: msg.t }
  for (const field of fields) {
    let value = msg[field.name]
    if (value === undefined) {
      if (field.required) throw invalid(`${msg.t}.${field.name} is missing`)
      value = field.default
    }
    if (!matches(value, field)) throw invalid(`${msg.t}.${field.name} has the wrong type`)
    if (value !== null) out[field.name] = value
  }
  return out
}

/** Check a decoded msgpack value against the schema and fill in defaults. */
export function fromMap (data) {
  if (!isDict(data)) throw invalid('collabd payload must be a map')
  const kind = data.t
  if (typeof kind !== 'string') throw invalid("collabd payload needs a string 't'")
  if (!Object.prototype.hasOwnProperty.call(KINDS, kind)) {
    throw unknownKind(`unknown message kind ${kind.slice(0, 40)}`)
  }
  const fields = KINDS[kind]
  for (const key of Object.keys(data)) {
    if (key !== 't' && !fields.some((field) => field.name === key)) {
      throw invalid(`${kind} has no field ${JSON.stringify(key.slice(0, 40))}`)
    }
  }
  const msg = { t: kind }
  for (const field of fields) {
    if (Object.prototype.hasOwnProperty.call(data, field.name)) {
      const value = data[field.name]
      if (!matches(value, field)) throw invalid(`${kind}.${field.name} has the wrong type`)
      msg[field.name] = value
    } else if (field.required) {
      throw invalid(`${kind}.${field.name} is missing`)
    } else {
      msg[field.name] = field.default
    }
  }
  return msg
}

/** The msgpack bytes of a collabd message (the payload inside a type-100 message). */
export function packPayload (msg) {
  const map = toMap(msg)
  try {
    return mpEncode(map)
  } catch (err) {
    throw invalid(`${msg.t}: ${err.message}`)
  }
}

/** A collabd message from its msgpack bytes (checked against the schema). */
export function unpackPayload (bytes) {
  let data
  try {
    data = mpDecode(bytes)
  } catch (err) {
    if (!(err instanceof MsgpackError)) throw err
    throw badPayload(`bad msgpack payload: ${err.message}`)
  }
  return fromMap(data)
}

/** Write one collabd message (type 100) into a lib0 encoder. */
export function writeCollab (encoder, msg) {
  encoding.writeVarUint(encoder, MSG_COLLAB)
  encoding.writeVarUint8Array(encoder, packPayload(msg))
}

/** One frame holding one collabd message: what the client sends on the websocket. */
export function encodeCollab (msg) {
  const encoder = encoding.createEncoder()
  writeCollab(encoder, msg)
  return encoding.toUint8Array(encoder)
}

/** Read the payload of a type-100 message whose type varUint has already been read. */
export function readCollab (decoder) {
  return unpackPayload(readBytes(decoder))
}

/**
 * Encode any message. Yjs messages are
 *   {type: 'sync_step1', state_vector}, {type: 'sync_step2', update}, {type: 'sync_update', update},
 *   {type: 'awareness', update}, {type: 'auth_denied', reason}, {type: 'query_awareness'}
 * with Uint8Array payloads; collabd messages are {type: 'collab', payload: {t, ...}}.
 */
export function encodeMessage (message) {
  const encoder = encoding.createEncoder()
  switch (message.type) {
    case 'sync_step1':
      encoding.writeVarUint(encoder, MSG_SYNC)
      encoding.writeVarUint(encoder, SYNC_STEP1)
      encoding.writeVarUint8Array(encoder, message.state_vector)
      break
    case 'sync_step2':
    case 'sync_update':
      encoding.writeVarUint(encoder, MSG_SYNC)
      encoding.writeVarUint(encoder, message.type === 'sync_step2' ? SYNC_STEP2 : SYNC_UPDATE)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'awareness':
      encoding.writeVarUint(encoder, MSG_AWARENESS)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'auth_denied':
      encoding.writeVarUint(encoder, MSG_AUTH)
      encoding.writeVarUint(encoder, 0)
      encoding.writeVarString(encoder, message.reason)
      break
    case 'query_awareness':
      encoding.writeVarUint(encoder, MSG_QUERY_AWARENESS)
      break
    case 'collab':
      writeCollab(encoder, message.payload)
      break
    default:
      throw new TypeError(`not a protocol message: ${message.type}`)
  }
  return encoding.toUint8Array(encoder)
}

// lib0's decoder reads past the end silently or throws plain Errors; guard every read.
function readVarUint (decoder) {
  let value = 0
  let mult = 1
  for (let i = 0; i < 8; i++) {
    if (decoder.pos >= decoder.arr.length) throw decodeError('unexpected end of data')
    const b = decoder.arr[decoder.pos++]
    value += (b & 0x7f) * mult
    if (b < 0x80) {
      if (value > Number.MAX_SAFE_INTEGER) throw decodeError('varUint above 2^53-1')
      return value
    }
    mult *= 128
  }
  throw decodeError('varUint too long')
}

function readBytes (decoder) {
  const len = readVarUint(decoder)
  if (decoder.pos + len > decoder.arr.length) throw decodeError('length exceeds data')
  const out = decoder.arr.slice(decoder.pos, decoder.pos + len)
  decoder.pos += len
  return out
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function readMessage (decoder) {
  const type = readVarUint(decoder)
  switch (type) {
    case MSG_SYNC: {
      const sub = readVarUint(decoder)
      const data = readBytes(decoder)
      if (sub === SYNC_STEP1) return { type: 'sync_step1', state_vector: data }
      if (sub === SYNC_STEP2) return { type: 'sync_step2', update: data }
      if (sub === SYNC_UPDATE) return { type: 'sync_update', update: data }
      throw decodeError(`unknown sync message type ${sub}`)
    }
    case MSG_AWARENESS:
      return { type: 'awareness', update: readBytes(decoder) }
    case MSG_AUTH: {
      const sub = readVarUint(decoder)
      if (sub !== 0) throw decodeError(`unknown auth message type ${sub}`)
      return { type: 'auth_denied', reason: readString(decoder) }
    }
    case MSG_QUERY_AWARENESS:
      return { type: 'query_awareness' }
    case MSG_COLLAB:
      return { type: 'collab', payload: readCollab(decoder) }
    default:
      throw decodeError(`unknown message type ${type}`)
  }
}

/** Every message in a frame (a frame may hold several back to back). */
export function decodeFrame (frame) {
  if (!(frame instanceof Uint8Array) || frame.length === 0) throw decodeError('empty frame')
  const decoder = decoding.createDecoder(frame)
  const out = []
  while (decoder.pos < frame.length) {
    if (out.length === MAX_MESSAGES_PER_FRAME) throw decodeError('too many messages in one frame')
    out.push(readMessage(decoder))
  }
  return out
}

function readString (decoder) {
  const bytes = readBytes(decoder)
  try {
    return utf8.decode(bytes)
  } catch {
    throw decodeError('string is not valid UTF-8')
  }
}

/**
 * The entries of an awareness update (the bytes inside a type-1 message):
 *   varUint(n) { varUint(clientID) varUint(clock) varString(stateJSON) }*n
 * Each entry is {client_id, clock, state}; state null means the client left.
 */
export function decodeAwareness (update) {
  const decoder = decoding.createDecoder(update)
  const n = readVarUint(decoder)
  if (n > MAX_AWARENESS_ENTRIES) throw decodeError('too many awareness entries')
  const entries = []
  for (let i = 0; i < n; i++) {
    const clientId = readVarUint(decoder)
    const clock = readVarUint(decoder)
    const json = readString(decoder)
    let state
    try {
      state = JSON.parse(json)
    } catch {
      throw decodeError('awareness state is not JSON')
    }
    entries.push({ client_id: clientId, clock, state })
  }
  if (decoder.pos < update.length) throw decodeError('trailing bytes after awareness update')
  return entries
}

export function encodeAwareness (entries) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.client_id)
    encoding.writeVarUint(encoder, e.clock)
    encoding.writeVarString(encoder, JSON.stringify(e.state))
  }
  return encoding.toUint8Array(encoder)
}
