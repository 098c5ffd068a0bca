/**
 * The MessagePack subset of collabd payloads (SPEC 7), on lib0's encoder and decoder.
 *
 * Values: null, booleans, integers (|n| <= 2^53 - 1, written in their shortest form, never as
 * floats), other numbers (float64), strings, arrays and plain objects with string keys. No
 * binaries, no extension types. The reader enforces the section's limits and reports a
 * breach as `MsgpackError`; a binary is returned as a Uint8Array only where it is a field's
 * value (depth 1), so the schema check calls it a wrong type, as the Python codec does.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const MAX_DEPTH = 8 // maps and arrays nested inside one field
export const MAX_STR_BYTES = 1 << 20
export const MAX_ARRAY_LEN = 10000
export const MAX_MAP_LEN = 1000

export class MsgpackError extends Error {
  constructor (message) {
    super(message)
    this.name = 'MsgpackError'
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const utf8enc = new TextEncoder()

function writeUint16 (encoder, n) {
  encoding.writeUint8(encoder, n >>> 8)
  encoding.writeUint8(encoder, n & 0xff)
}

function writeInt (encoder, n) {
  if (n >= 0) {
    if (n < 0x80) encoding.writeUint8(encoder, n)
    else if (n < 0x100) { encoding.writeUint8(encoder, 0xcc); encoding.writeUint8(encoder, n) } else if (n < 0x10000) { encoding.writeUint8(encoder, 0xcd); writeUint16(encoder, n) } else if (n < 0x100000000) { encoding.writeUint8(encoder, 0xce); encoding.writeUint32BigEndian(encoder, n) } else {
      encoding.writeUint8(encoder, 0xcf)
      encoding.writeUint32BigEndian(encoder, Math.floor(n / 0x100000000))
      encoding.writeUint32BigEndian(encoder, n >>> 0)
    }
  } else if (n >= -32) {
    encoding.writeUint8(encoder, n & 0xff)
  } else if (n >= -0x80) {
    encoding.writeUint8(encoder, 0xd0); encoding.writeUint8(encoder, n & 0xff)
  } else if (n >= -0x8000) {
    encoding.writeUint8(encoder, 0xd1); writeUint16(encoder, n & 0xffff)
  } else if (n >= -0x80000000) {
    encoding.writeUint8(encoder, 0xd2); encoding.writeUint32BigEndian(encoder, n >>> 0)
  } else {
    encoding.writeUint8(encoder, 0xd3)
    encoding.writeBigInt64(encoder, BigInt(n))
  }
}

function writeHeader (encoder, n, fix, fixMax, op16) {
  if (n <= fixMax) encoding.writeUint8(encoder, fix | n)
  else if (n < 0x10000) { encoding.writeUint8(encoder, op16); writeUint16(encoder, n) } else { encoding.writeUint8(encoder, op16 + 1); encoding.writeUint32BigEndian(encoder, n) }
}

function writeStr (encoder, s) {
  const bytes = utf8enc.encode(s)
  const n = bytes.length
  if (n < 32) encoding.writeUint8(encoder, 0xa0 | n)
  else if (n < 0x100) { encoding.writeUint8(encoder, 0xd9); encoding.writeUint8(encoder, n) } else if (n < 0x10000) { encoding.writeUint8(encoder, 0xda); writeUint16(encoder, n) } else { encoding.writeUint8(encoder, 0xdb); encoding.writeUint32BigEndian(encoder, n) }
  encoding.writeUint8Array(encoder, bytes)
}

/** Write one value; throws TypeError for what SPEC 7 does not allow. */
export function writeValue (encoder, value, depth = 0) {
  if (value === null || value === undefined) {
    encoding.writeUint8(encoder, 0xc0)
  } else if (value === true || value === false) {
    encoding.writeUint8(encoder, value ? 0xc3 : 0xc2)
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) writeInt(encoder, value)
    else if (Number.isInteger(value)) throw new TypeError('integer beyond 2^53 - 1')
    else { encoding.writeUint8(encoder, 0xcb); encoding.writeFloat64(encoder, value) }
  } else if (typeof value === 'string') {
    writeStr(encoder, value)
  } else if (depth > MAX_DEPTH) {
    throw new TypeError(`maps and arrays nested deeper than ${MAX_DEPTH} levels`)
  } else if (Array.isArray(value)) {
    writeHeader(encoder, value.length, 0x90, 15, 0xdc)
    for (const item of value) writeValue(encoder, item, depth + 1)
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value)
    writeHeader(encoder, keys.length, 0x80, 15, 0xde)
    for (const key of keys) {
      writeStr(encoder, key)
      writeValue(encoder, value[key], depth + 1)
    }
  } else {
    throw new TypeError(`cannot write ${typeof value} in a collabd payload`)
  }
}

/** The MessagePack bytes of one value. */
export function encode (value) {
  const encoder = encoding.createEncoder()
  writeValue(encoder, value)
  return encoding.toUint8Array(encoder)
}

function need (decoder, n) {
  if (decoder.pos + n > decoder.arr.length) throw new MsgpackError('truncated msgpack value')
}

function u8 (decoder) {
  need(decoder, 1)
  return decoder.arr[decoder.pos++]
}

function u16 (decoder) {
  need(decoder, 2)
  const a = decoder.arr
  const n = (a[decoder.pos] << 8) | a[decoder.pos + 1]
  decoder.pos += 2
  return n
}

function u32 (decoder) {
  need(decoder, 4)
  return decoding.readUint32BigEndian(decoder)
}

function bytes (decoder, n) {
  need(decoder, n)
  return decoding.readUint8Array(decoder, n)
}

function str (decoder, n) {
  if (n > MAX_STR_BYTES) throw new MsgpackError('string over 1 MiB')
  try {
    return utf8.decode(bytes(decoder, n))
  } catch (err) {
    if (err instanceof MsgpackError) throw err
    throw new MsgpackError('string is not valid UTF-8')
  }
}

function array (decoder, n, depth) {
  if (n > MAX_ARRAY_LEN) throw new MsgpackError(`array over ${MAX_ARRAY_LEN} items`)
  if (depth > MAX_DEPTH) throw new MsgpackError(`nested deeper than ${MAX_DEPTH} levels`)
  const out = []
  for (let i = 0; i < n; i++) out.push(readValue(decoder, depth + 1))
  return out
}

function map (decoder, n, depth) {
  if (n > MAX_MAP_LEN) throw new MsgpackError(`map over ${MAX_MAP_LEN} entries`)
  if (depth > MAX_DEPTH) throw new MsgpackError(`nested deeper than ${MAX_DEPTH} levels`)
  const out = {}
  for (let i = 0; i < n; i++) {
    const key = readValue(decoder, depth + 1, true)
    if (typeof key !== 'string') throw new MsgpackError('map key is not a string')
    const value = readValue(decoder, depth + 1)
    // a "__proto__" key from the wire is just a key, never the object's prototype
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
    else out[key] = value
  }
  return out
}

function int64 (decoder, signed) {
  need(decoder, 8)
  const n = signed ? decoding.readBigInt64(decoder) : decoding.readBigUint64(decoder)
  // beyond 2^53 the number is inexact: the schema's integer check refuses it
  return Number(n)
}

/**
 * Read one value. `depth` is how many maps and arrays enclose it (0: the payload itself, 1: a
 * field's value); a binary is refused inside a field, and so is a binary map key.
 */
export function readValue (decoder, depth = 0, isKey = false) {
  const b = u8(decoder)
  if (b < 0x80) return b
  if (b >= 0xe0) return b - 0x100
  if (b >= 0xa0 && b < 0xc0) return str(decoder, b & 0x1f)
  if (b >= 0x90 && b < 0xa0) return array(decoder, b & 0x0f, depth)
  if (b >= 0x80 && b < 0x90) return map(decoder, b & 0x0f, depth)
  switch (b) {
    case 0xc0: return null
    case 0xc2: return false
    case 0xc3: return true
    case 0xc4: case 0xc5: case 0xc6: {
      const n = b === 0xc4 ? u8(decoder) : b === 0xc5 ? u16(decoder) : u32(decoder)
      if (depth > 1 || isKey) throw new MsgpackError('binary inside a field')
      return bytes(decoder, n)
    }
    case 0xca: need(decoder, 4); return decoding.readFloat32(decoder)
    case 0xcb: need(decoder, 8); return decoding.readFloat64(decoder)
    case 0xcc: return u8(decoder)
    case 0xcd: return u16(decoder)
    case 0xce: return u32(decoder)
    case 0xcf: return int64(decoder, false)
    case 0xd0: { const n = u8(decoder); return n >= 0x80 ? n - 0x100 : n }
    case 0xd1: { const n = u16(decoder); return n >= 0x8000 ? n - 0x10000 : n }
    case 0xd2: { const n = u32(decoder); return n >= 0x80000000 ? n - 0x100000000 : n }
    case 0xd3: return int64(decoder, true)
    case 0xd9: return str(decoder, u8(decoder))
    case 0xda: return str(decoder, u16(decoder))
    case 0xdb: return str(decoder, u32(decoder))
    case 0xdc: return array(decoder, u16(decoder), depth)
    case 0xdd: return array(decoder, u32(decoder), depth)
    case 0xde: return map(decoder, u16(decoder), depth)
    case 0xdf: return map(decoder, u32(decoder), depth)
    default: // 0xc1 (never used) and the extension types 0xc7-0xc9, 0xd4-0xd8
      throw new MsgpackError(`msgpack type 0x${b.toString(16)} is not allowed`)
  }
}

/** Exactly one value in `data` (trailing bytes are an error). */
export function decode (data) {
  const decoder = decoding.createDecoder(data)
  const value = readValue(decoder)
  if (decoder.pos !== data.length) throw new MsgpackError('trailing bytes after the msgpack value')
  return value
}
