// Bundles the client into collabd/web/ (git-ignored), which `collabd serve` serves at `/`:
//   index.html, app.js (+ .map), app.css,
//   run-js-worker.js, run-py-worker.js (the Run button's workers, + .map),
//   voice-mask-worklet.js (the voice mask's AudioWorklet processor, + .map),
//   the Pyodide runtime copied from the npm package (served by collabd itself: no CDN):
//   pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json
// Usage: node build.mjs [--outdir DIR] [--dev]
import * as esbuild from 'esbuild'
import { mkdirSync, copyFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
// What loadPyodide({indexURL}) fetches in a module worker (pyodide.mjs.map only for devtools).
const PYODIDE_FILES = ['pyodide.mjs', 'pyodide.mjs.map', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const outIndex = args.indexOf('--outdir')
const outdir = outIndex >= 0 ? resolve(args[outIndex + 1]) : resolve(here, '..', '..', 'collabd', 'web')
const dev = args.includes('--dev')

// The client package is bundled from its sources (clients/js/src), so an edit there is in the
// next build without reinstalling; its own imports (yjs, lib0, y-protocols) resolve from here,
// so the bundle holds one copy of each (two copies of yjs break its constructor checks).
const pkgSrc = resolve(here, '..', 'js', 'src')
const clientPackageSource = {
  name: 'collabd-client-source',
  setup (build) {
    build.onResolve({ filter: /^@collabd\/client$/ }, () => ({ path: join(pkgSrc, 'index.js') }))
    build.onResolve({ filter: /^[^./]/ }, (args) => args.importer.startsWith(pkgSrc + '/')
      ? build.resolve(args.path, { kind: args.kind, resolveDir: here })
      : undefined)
  }
}

mkdirSync(outdir, { recursive: true })
await esbuild.build({
  entryPoints: [join(here, 'src', 'main.js')],
  plugins: [clientPackageSource],
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: !dev,
  sourcemap: true,
  legalComments: 'linked',
  outfile: join(outdir, 'app.js'),
  logLevel: 'warning'
})
// The Run button's workers: JavaScript/TypeScript (classic, sucrase bundled in) and Python
// (module worker: it imports pyodide.mjs, which imports pyodide.asm.mjs).
// The voice mask's AudioWorklet (addModule loads it as a module; SoundTouch bundled in).
for (const [name, format] of [['run-js-worker', 'iife'], ['run-py-worker', 'esm'], ['voice-mask-worklet', 'esm']]) {
  await esbuild.build({
    entryPoints: [join(here, 'src', `${name}.js`)],
    bundle: true,
    format,
    target: ['es2020', 'chrome100', 'firefox114', 'safari15'],
    minify: !dev,
    sourcemap: true,
    legalComments: 'linked',
    outfile: join(outdir, `${name}.js`),
    logLevel: 'warning'
  })
}
const pyodideDir = dirname(require.resolve('pyodide/package.json'))
for (const name of PYODIDE_FILES) copyFileSync(join(pyodideDir, name), join(outdir, name))
copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'))
copyFileSync(join(here, 'style.css'), join(outdir, 'app.css'))
console.log(`built collabd web client into ${outdir}`)
