/**
 * Display preferences kept in this browser: light or dark theme (default: the system's
 * prefers-color-scheme) and the editor font size.
 */
const THEME_KEY = 'collabd-theme'
const FONT_KEY = 'collabd-editor-font'
export const FONT_SIZES = [12, 14, 16, 18, 20, 24]
export const DEFAULT_FONT = 14

function read (key) {
  try {
    return globalThis.localStorage ? localStorage.getItem(key) : null
  } catch {
    return null
  }
}

function write (key, value) {
  try {
    localStorage.setItem(key, value)
  } catch {}
}

export function systemDark () {
  return Boolean(globalThis.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches)
}

/** 'dark' | 'light': the saved choice, else the system's. */
export function currentTheme () {
  const saved = read(THEME_KEY)
  if (saved === 'dark' || saved === 'light') return saved
  return systemDark() ? 'dark' : 'light'
}

export function applyTheme (theme, save = false) {
  document.documentElement.dataset.theme = theme
  if (save) write(THEME_KEY, theme)
}

export function currentFontSize () {
  const n = Number(read(FONT_KEY))
  return FONT_SIZES.includes(n) ? n : DEFAULT_FONT
}

export function saveFontSize (n) {
  write(FONT_KEY, String(n))
}

/** Colours the views need in script (text on the panel background), per theme. */
export function panelBackground () {
  return document.documentElement.dataset.theme === 'dark' ? '#1b1f24' : '#ffffff'
}
