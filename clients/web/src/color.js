/**
 * Readable pseudonym colours. A pseudonym's colour is chosen for its hue, not for contrast; when
 * it is used as text it is darkened (light theme) or lightened (dark theme) just enough to reach
 * WCAG AA contrast (4.5:1) against the background. Pure, unit-tested under node.
 */

function channels (hex) {
  let s = String(hex).replace('#', '')
  if (s.length === 3) s = s.split('').map((c) => c + c).join('')
  return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16))
}

function toHex (rgb) {
  return '#' + rgb.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')
}

/** WCAG relative luminance of a #rgb / #rrggbb colour. */
export function luminance (hex) {
  const [r, g, b] = channels(hex).map((v) => {
    const c = v / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** WCAG contrast ratio between two colours (1 to 21). */
export function contrast (a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

/**
 * `color` mixed towards black (or white, on a dark background) in small steps until it reaches
 * `ratio` against `background`; the colour itself when it already does.
 */
export function readableOn (color, background, ratio = 4.5) {
  if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(String(color))) color = '#6b7280'
  if (contrast(color, background) >= ratio) return toHex(channels(color))
  const target = luminance(background) > 0.18 ? [0, 0, 0] : [255, 255, 255]
  const base = channels(color)
  for (let t = 0.05; t <= 1.0001; t += 0.05) {
    const mixed = toHex(base.map((v, i) => v + (target[i] - v) * t))
    if (contrast(mixed, background) >= ratio) return mixed
  }
  return toHex(target)
}
