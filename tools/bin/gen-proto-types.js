#!/usr/bin/env node
// Regenerates the TypeScript types of proto/drover/v1 into libs/protocol/src/gen.
// With --check, generates into a temp dir and fails (exit 1) if the committed types differ.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const protoDir = join(root, 'proto');
const target = join(root, 'libs', 'protocol', 'src', 'gen');
const check = process.argv.includes('--check');

const protos = readdirSync(join(protoDir, 'drover', 'v1'))
  .filter((f) => f.endsWith('.proto'))
  .sort()
  .map((f) => `drover/v1/${f}`);

function generate(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  const bin = join(root, 'node_modules', '.bin', 'proto-loader-gen-types');
  execFileSync(
    bin,
    [
      '--keepCase',
      '--longs=Number',
      '--enums=String',
      '--defaults',
      '--oneofs',
      '--includeComments',
      '--grpcLib=@grpc/grpc-js',
      `--outDir=${outDir}`,
      ...protos,
      `--includeDirs=proto`,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p));
  }
  return out.sort();
}

if (!check) {
  generate(target);
  console.log(`generated ${listFiles(target).length} files into ${relative(root, target)}`);
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'drover-gen-'));
  try {
    generate(tmp);
    const want = listFiles(tmp);
    const have = listFiles(target);
    const stale = [];
    for (const f of new Set([...want, ...have])) {
      const a = want.includes(f) ? readFileSync(join(tmp, f), 'utf8') : null;
      const b = have.includes(f) ? readFileSync(join(target, f), 'utf8') : null;
      if (a !== b) stale.push(f);
    }
    if (stale.length > 0) {
      console.error(
        `generated proto types are stale (${stale.length} files differ), run: npm run gen`,
      );
      for (const f of stale.slice(0, 20)) console.error(`  ${f}`);
      process.exit(1);
    }
    console.log(`generated proto types are up to date (${want.length} files)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
