// How a checkout's bins (apps/*/bin/*.js, `npm start`) run the TypeScript sources.
//
// Fast path: the sources bundled by esbuild into one ES module under the app's
// node_modules/.cache/drover-bin/ (dependencies stay outside, resolved from the app as before),
// reused for as long as no file that went into it changed: a manifest lists every input with its
// size and mtime, and this file's own. The first run after an edit rebuilds it (about half a
// second); a rebuild by several processes at once is harmless (each renames a finished file into
// place). Every module keeps its own `import.meta.url` (its source file's URL), so paths built
// from it — the proto dir, the CLI beside the bot, a child script — are the same as under tsx.
//
// Starting through tsx costs ~1.5 s of CPU per process (every module through its loader hooks);
// the bundle, ~0.3 s. `DROVER_BIN_TSX=1`, a missing esbuild or a failed build run the sources
// through tsx as before. `node --enable-source-maps <bin>` maps stack traces to the sources.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '../..');
const FORMAT = 1;

/**
 * Runs the module `entry` (relative to the bin `binUrl`), bundled as `name`.mjs when it can be.
 * @param {string} binUrl the bin's import.meta.url
 * @param {string} entry e.g. '../src/main.ts'
 * @param {string} name the bundle's file name, e.g. 'drover'
 */
export async function runSources(binUrl, entry, name) {
  const binDir = path.dirname(fileURLToPath(binUrl));
  const entryFile = path.resolve(binDir, entry);
  if (process.env.DROVER_BIN_TSX !== '1') {
    const cacheDir = path.join(path.dirname(binDir), 'node_modules', '.cache', 'drover-bin');
    const bundle = await bundled(entryFile, cacheDir, name);
    if (bundle !== undefined) {
      await import(pathToFileURL(bundle).href);
      return;
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entryFile).href);
}

/** The bundle's path, rebuilt first when stale; undefined when it cannot be built. */
async function bundled(entryFile, cacheDir, name) {
  const out = path.join(cacheDir, `${name}.mjs`);
  const manifestFile = path.join(cacheDir, `${name}.json`);
  if (isFresh(manifestFile) && fingerprint(out) !== 'gone') return out;
  try {
    return await build(entryFile, cacheDir, out, manifestFile);
  } catch (err) {
    if (process.env.DROVER_BIN_DEBUG === '1') console.error('drover-bin: build failed', err);
    return undefined;
  }
}

function fingerprint(file) {
  const st = statSync(file, { throwIfNoEntry: false });
  return st === undefined ? 'gone' : `${st.size}:${st.mtimeMs}`;
}

function isFresh(manifestFile) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.format !== FORMAT || manifest.node !== process.version) return false;
  if (manifest.self !== fingerprint(SELF)) return false;
  for (const [rel, print] of Object.entries(manifest.inputs)) {
    if (fingerprint(path.join(REPO, rel)) !== print) return false;
  }
  return true;
}

async function build(entryFile, cacheDir, out, manifestFile) {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: REPO,
      entryPoints: [entryFile],
      outfile: out + `.${process.pid}.tmp`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      keepNames: true,
      sourcemap: 'linked',
      metafile: true,
      write: false,
      logLevel: 'silent',
      // `import.meta.url` reads as the module's own file URL (declared at its top, renamed apart).
      define: { 'import.meta.url': '__droverSourceUrl' },
      plugins: [sourcesOnly],
    });
  } finally {
    // The build's service process would otherwise live as long as this one (~60 MiB beside a
    // coordinator or a bot started from a checkout).
    await esbuild.stop();
  }
  mkdirSync(cacheDir, { recursive: true });
  const inputs = {};
  for (const rel of Object.keys(result.metafile.inputs))
    inputs[rel] = fingerprint(path.join(REPO, rel));
  const tmp = `${out}.${process.pid}.tmp`;
  for (const file of result.outputFiles) {
    const final = file.path.endsWith('.map') ? `${out}.map` : out;
    const mine = `${final}.${process.pid}.${Date.now()}`;
    // The map is named after the temporary output: point the bundle at its final name.
    const text =
      final === out
        ? file.text.replace(path.basename(`${tmp}.map`), path.basename(`${out}.map`))
        : file.text;
    writeFileSync(mine, text);
    renameSync(mine, final);
  }
  const manifest = { format: FORMAT, node: process.version, self: fingerprint(SELF), inputs };
  const mine = `${manifestFile}.${process.pid}.${Date.now()}`;
  writeFileSync(mine, JSON.stringify(manifest));
  // After the bundle: a manifest that says fresh always has its bundle in place.
  renameSync(mine, manifestFile);
  return out;
}

/** The repository's own modules are bundled, each told its URL; packages stay outside. */
const sourcesOnly = {
  name: 'drover-sources-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@drover/')) return undefined;
      return { path: args.path, external: true };
    });
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
      return { contents: `var __droverSourceUrl = ${url};\n${text}`, loader };
    });
  },
};
