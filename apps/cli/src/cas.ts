// `drover cas upload DIR` and `drover cas download DIGEST DIR`: input trees to and from the
// coordinator's content-addressed storage (docs/cas.md).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DroverClient } from '@drover/client';
import { createCasClient, type CasApi } from './cas-client';
import {
  BlobMismatchError,
  downloadTree,
  formatBytes,
  uploadDir,
  uploadSummaryJson,
  uploadSummaryLine,
} from './cas-transfer';
import { TreeWalkError, digestText, parseDigestText } from './cas-walk';
import {
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT } from './exit-codes';
import { optionParser } from './args';

/**
 * withClient with a Cas client beside the DroverClient; a directory that cannot be a tree (or a
 * DIR not empty) is a usage error, a blob that is not what its digest says or a file system
 * error exit 1, each with its message.
 */
export async function withCas(
  rt: Runtime,
  opts: GlobalOptions,
  fn: (client: DroverClient, cas: CasApi) => Promise<number>,
): Promise<number> {
  return withClient(rt, opts, async (client, conn) => {
    const cas = createCasClient(conn);
    try {
      return await fn(client, cas);
    } catch (err) {
      if (err instanceof TreeWalkError) {
        await printError(rt, err.message);
        return EXIT.USAGE;
      }
      if (err instanceof BlobMismatchError) {
        await printError(rt, err.message);
        return EXIT.RPC_ERROR;
      }
      if (
        err instanceof Error &&
        typeof (err as NodeJS.ErrnoException).code === 'string' &&
        'syscall' in err
      ) {
        await printError(rt, err.message);
        return EXIT.RPC_ERROR;
      }
      throw err;
    } finally {
      cas.close();
    }
  });
}

export function registerCas(program: Command, host: CommandHost): void {
  const cas = program
    .command('cas')
    .description("Input trees in the coordinator's content-addressed storage (docs/cas.md).");
  cas
    .command('upload')
    .description(
      'Upload a directory as an input tree (only the blobs the coordinator lacks); ' +
        'prints its digest <hash>/<size> for --input-digest.',
    )
    .argument('<dir>')
    .option(
      '--json',
      'print {digest, input_digest, files, blobs, bytes, uploaded_blobs, uploaded_bytes}',
    )
    .action(async (dir: string, opts: { json?: boolean }, cmd: Command) => {
      const { rt } = host;
      const code = await withCas(rt, cmd.optsWithGlobals<GlobalOptions>(), async (_client, c) => {
        const summary = await uploadDir(c, resolve(rt.cwd, dir), rt.stderr);
        if (opts.json === true) {
          await writeJson(rt.stdout, uploadSummaryJson(summary));
        } else {
          await writeLine(rt.stderr, uploadSummaryLine(summary));
          await writeLine(rt.stdout, digestText(summary.digest));
        }
        return EXIT.OK;
      });
      host.exitWith(code);
    });
  cas
    .command('download')
    .description(
      'Fetch an input tree into DIR (made if missing, refused unless empty), every blob verified.',
    )
    .argument(
      '<digest>',
      '<hash>/<size>, as drover cas upload prints it',
      optionParser(parseDigestText),
    )
    .argument('<dir>')
    .action(
      async (digest: { hash: string; size: number }, dir: string, _opts: unknown, cmd: Command) => {
        const { rt } = host;
        const code = await withCas(rt, cmd.optsWithGlobals<GlobalOptions>(), async (_client, c) => {
          const got = await downloadTree(c, digest, resolve(rt.cwd, dir), rt.stderr);
          const { files, symlinks, dirs } = got.tree;
          await writeLine(
            rt.stderr,
            `${digestText(digest)}: ${files.length} files (${formatBytes(got.bytes)} in ` +
              `${got.blobs} blobs), ${symlinks.length} symlinks, ${dirs.length} empty dirs in ${dir}`,
          );
          return EXIT.OK;
        });
        host.exitWith(code);
      },
    );
}
