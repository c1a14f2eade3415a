// A checkout's bins (tools/bin/run-sources.js): an edit to a source is what the next start runs,
// with no build step to remember; an unchanged tree starts from the bundle already made; every
// module sees its own source file as import.meta.url; a source that does not build still runs
// (through tsx, which says what is wrong).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUN_SOURCES = fileURLToPath(new URL('../../bin/run-sources.js', import.meta.url));

let app: string;
let bin: string;
const manifest = () => join(app, 'node_modules/.cache/drover-bin/demo.json');

function run(env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

/** Writes a source file with an mtime clearly after the last one (coarse file system clocks). */
function writeSource(rel: string, text: string) {
  const file = join(app, rel);
  writeFileSync(file, text);
  const t = Date.now() / 1000 + 5 + Math.random();
  utimesSync(file, t, t);
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'drover-run-sources-'));
  mkdirSync(join(app, 'bin'));
  mkdirSync(join(app, 'src'));
  bin = join(app, 'bin/demo.js');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    bin,
    `import { runSources } from ${JSON.stringify(pathToFileURL(RUN_SOURCES).href)};\n` +
      `await runSources(import.meta.url, '../src/main.ts', 'demo');\n`,
  );
  writeSource('src/word.ts', `export const word: string = 'one';\n`);
  writeSource(
    'src/main.ts',
    `import { word } from './word.ts';\n` +
      `import { where } from './where.ts';\n` +
      `console.log(JSON.stringify({ word, main: import.meta.url, where }));\n`,
  );
  writeSource('src/where.ts', `export const where = import.meta.url;\n`);
});

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

describe('a checkout bin', () => {
  it('runs the sources, each module seeing its own file as import.meta.url', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      word: 'one',
      main: pathToFileURL(join(app, 'src/main.ts')).href,
      where: pathToFileURL(join(app, 'src/where.ts')).href,
    });
    // The bundle is made and kept beside the app.
    expect(statSync(manifest()).isFile()).toBe(true);
  });

  it('starts from the same bundle while no source changed', () => {
    const before = statSync(manifest()).mtimeMs;
    expect(JSON.parse(run().stdout).word).toBe('one');
    expect(statSync(manifest()).mtimeMs).toBe(before);
  });

  it('makes the bundle again when it was removed without its manifest', () => {
    rmSync(join(app, 'node_modules/.cache/drover-bin/demo.mjs'));
    expect(JSON.parse(run().stdout).word).toBe('one');
  });

  it('runs an edited module at the next start, imported ones included', () => {
    writeSource('src/word.ts', `export const word: string = 'two';\n`);
    expect(JSON.parse(run().stdout).word).toBe('two');
  });

  it('runs a module added since through the module that imports it', () => {
    writeSource('src/extra.ts', `export const extra = 'three';\n`);
    writeSource('src/word.ts', `export { extra as word } from './extra.ts';\n`);
    expect(JSON.parse(run().stdout).word).toBe('three');
  });

  it('runs through tsx with DROVER_BIN_TSX=1, and when the sources do not build', () => {
    expect(JSON.parse(run({ DROVER_BIN_TSX: '1' }).stdout).word).toBe('three');
    writeSource('src/extra.ts', `export const extra = ;\n`);
    const broken = run();
    expect(broken.code).not.toBe(0);
    // tsx's message names the file that does not parse.
    expect(broken.stderr).toContain('extra.ts');
    writeSource('src/extra.ts', `export const extra = 'four';\n`);
    expect(JSON.parse(run().stdout).word).toBe('four');
  });
});
