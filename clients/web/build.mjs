// Bundles the client into collabd/web/ (git-ignored), which `collabd serve` serves at `/`:
//   index.html, app.js (+ .map), app.css
// Usage: node build.mjs [--outdir DIR] [--dev]
import * as esbuild from 'esbuild'
import { mkdirSync, copyFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const outIndex = args.indexOf('--outdir')
const outdir = outIndex >= 0 ? resolve(args[outIndex + 1]) : resolve(here, '..', '..', 'collabd', 'web')
const dev = args.includes('--dev')

mkdirSync(outdir, { recursive: true })
await esbuild.build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: !dev,
  sourcemap: true,
  legalComments: 'linked',
  outfile: join(outdir, 'app.js'),
  logLevel: 'warning'
})
copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'))
copyFileSync(join(here, 'style.css'), join(outdir, 'app.css'))
console.log(`built collabd web client into ${outdir}`)
