/**
 * console.log formatting for the JavaScript runner, close to what node prints: strings as they
 * are at the top level, other values as readable literals ("[ 1, 2 ]", "{ a: 1 }"), cycles and
 * depth bounded. Pure: used in the worker and unit-tested under node.
 */
const MAX_DEPTH = 4
const MAX_ITEMS = 100

export function formatArgs (args) {
  return args.map((a) => (typeof a === 'string' ? a : formatValue(a, 0, new Set()))).join(' ')
}

export function formatValue (v, depth = 0, seen = new Set()) {
  switch (typeof v) {
    case 'string': return depth === 0 ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
    case 'number': return Object.is(v, -0) ? '-0' : String(v)
    case 'bigint': return `${v}n`
    case 'boolean':
    case 'undefined': return String(v)
    case 'symbol': return v.toString()
    case 'function': return `[${v.constructor && v.constructor.name === 'AsyncFunction' ? 'AsyncFunction' : 'Function'}: ${v.name || '(anonymous)'}]`
  }
  if (v === null) return 'null'
  if (v instanceof Error) return v.stack || `${v.name}: ${v.message}`
  if (seen.has(v)) return '[Circular]'
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()
  if (v instanceof RegExp) return String(v)
  if (depth >= MAX_DEPTH) return Array.isArray(v) ? '[Array]' : '[Object]'
  seen.add(v)
  try {
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const items = Array.from(v).slice(0, MAX_ITEMS).map((x) => formatValue(x, depth + 1, seen))
      if (v.length > MAX_ITEMS) items.push(`... ${v.length - MAX_ITEMS} more items`)
      const prefix = Array.isArray(v) ? '' : `${v.constructor.name}(${v.length}) `
      return items.length ? `${prefix}[ ${items.join(', ')} ]` : `${prefix}[]`
    }
    if (v instanceof Map) {
      const items = [...v].slice(0, MAX_ITEMS).map(([k, x]) => `${formatValue(k, depth + 1, seen)} => ${formatValue(x, depth + 1, seen)}`)
      return `Map(${v.size}) {${items.length ? ` ${items.join(', ')} ` : ''}}`
    }
    if (v instanceof Set) {
      const items = [...v].slice(0, MAX_ITEMS).map((x) => formatValue(x, depth + 1, seen))
      return `Set(${v.size}) {${items.length ? ` ${items.join(', ')} ` : ''}}`
    }
    const keys = Object.keys(v)
    const items = keys.slice(0, MAX_ITEMS).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : formatValue(k, 1, seen)}: ${formatValue(v[k], depth + 1, seen)}`)
    if (keys.length > MAX_ITEMS) items.push(`... ${keys.length - MAX_ITEMS} more items`)
    const name = v.constructor && v.constructor !== Object && typeof v.constructor.name === 'string' ? `${v.constructor.name} ` : ''
    return items.length ? `${name}{ ${items.join(', ')} }` : `${name}{}`
  } finally {
    seen.delete(v)
  }
}
