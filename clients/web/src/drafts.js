/**
 * Half-filled feedback forms survive a reload: kept in localStorage under the room and the
 * participant until the server acknowledges the submission. Only this browser profile can read
 * them; nothing is sent anywhere.
 */
const PREFIX = 'collabd-feedback-draft:'

function storageOr (storage) {
  if (storage) return storage
  try {
    return globalThis.localStorage || null
  } catch {
    return null // storage disabled (e.g. some private modes): drafts just are not kept
  }
}

export function draftKey (room, who) {
  return `${PREFIX}${room}:${who}`
}

export function loadDraft (room, who, storage) {
  const s = storageOr(storage)
  if (!s) return {}
  try {
    const value = JSON.parse(s.getItem(draftKey(room, who)) || '{}')
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {}
    const out = {}
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v
    return out
  } catch {
    return {}
  }
}

export function saveDraft (room, who, draft, storage) {
  const s = storageOr(storage)
  if (!s) return
  try {
    s.setItem(draftKey(room, who), JSON.stringify(draft))
  } catch {}
}

export function clearDraft (room, who, storage) {
  const s = storageOr(storage)
  if (!s) return
  try {
    s.removeItem(draftKey(room, who))
  } catch {}
}
