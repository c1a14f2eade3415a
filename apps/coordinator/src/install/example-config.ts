import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export type ExampleConfigOutcome =
  | { readonly kind: 'found'; readonly path: string; readonly text: string }
  | { readonly kind: 'missing'; readonly looked: readonly string[] };

/**
 * Where drover.example.yaml is: in a release, beside the bundle this module is part of; in a
 * checkout, in apps/coordinator/ (two up from this module). The release's first: two up from a
 * release directory is somewhere else.
 */
export const EXAMPLE_CONFIG_CANDIDATES: readonly URL[] = [
  new URL('./drover.example.yaml', import.meta.url),
  new URL('../../drover.example.yaml', import.meta.url),
];

/** Reads the first of `candidates` that can be read; `looked` says why each other could not. */
export async function readExampleConfig(
  candidates: readonly URL[] = EXAMPLE_CONFIG_CANDIDATES,
): Promise<ExampleConfigOutcome> {
  const looked: string[] = [];
  for (const url of candidates) {
    const file = fileURLToPath(url);
    try {
      return { kind: 'found', path: file, text: await readFile(file, 'utf8') };
    } catch (err) {
      looked.push(`${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return { kind: 'missing', looked };
}
