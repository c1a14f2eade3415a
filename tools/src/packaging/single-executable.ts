import { execFile } from 'node:child_process';
import { chmod, copyFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

/** The fuse Node's single-executable support looks for in its own binary. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface SingleExecutableOptions {
  /** The CommonJS main script, every dependency bundled in. */
  readonly main: string;
  /** The executable to write. */
  readonly output: string;
  /** Where the preparation blob and its config go. */
  readonly work: string;
  /** Files carried inside, by name (node:sea's getAsset). */
  readonly assets?: Readonly<Record<string, string>>;
}

/**
 * Node's single executable applications (Node 20): the script goes into a preparation blob (with
 * V8's code cache, so that the first run compiles nothing it already compiled here), and the blob
 * is injected with postject into a copy of this node binary. The result runs where no Node.js is
 * installed (it needs the C library and libstdc++ a node binary needs).
 */
export async function makeSingleExecutable(o: SingleExecutableOptions): Promise<void> {
  const name = path.basename(o.output);
  const blob = path.join(o.work, `${name}.blob`);
  const config = path.join(o.work, `${name}.sea.json`);
  await writeFile(
    config,
    JSON.stringify({
      main: o.main,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      ...(o.assets === undefined ? {} : { assets: o.assets }),
    }),
  );
  await promisify(execFile)(process.execPath, ['--experimental-sea-config', config], {
    maxBuffer: 1 << 20,
  });
  await copyFile(process.execPath, o.output);
  await chmod(o.output, 0o755);
  // postject's CLI in a child process: its ELF code prints a harmless warning per note section
  // it does not know, shown here only if the injection fails.
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  try {
    await promisify(execFile)(
      process.execPath,
      [postject, o.output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
      { maxBuffer: 16 << 20 },
    );
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `postject failed on ${o.output}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}
