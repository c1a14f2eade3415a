import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseTree,
  symlinkLanding,
  treeBlob,
  treeProblems,
  treeText,
  type Tree,
} from '../src/cas-tree';

const H = (s: string) => createHash('sha256').update(s).digest('hex');

const tree: Tree = {
  files: [
    { path: 'bin/run.sh', hash: H('run'), size: 3, executable: true },
    { path: 'a.txt', hash: H('a'), size: 1, executable: false },
  ],
  symlinks: [{ path: 'bin/a', target: '../a.txt' }],
  dirs: ['empty'],
};

describe('input trees (docs/cas.md)', () => {
  it('writes one canonical listing whatever the order given, and hashes its bytes', () => {
    const text = treeText(tree);
    expect(text).toBe(
      `{"dirs":["empty"],"files":[{"executable":false,"hash":"${H('a')}","path":"a.txt","size":1},` +
        `{"executable":true,"hash":"${H('run')}","path":"bin/run.sh","size":3}],` +
        `"symlinks":[{"path":"bin/a","target":"../a.txt"}]}`,
    );
    const reversed = { ...tree, files: [...tree.files].reverse() };
    expect(treeBlob(reversed)).toEqual({ text, hash: H(text), size: Buffer.byteLength(text) });
    expect(parseTree(Buffer.from(text))).toEqual({ tree: JSON.parse(text) });
  });

  it('sorts by UTF-8 bytes, not UTF-16 code units', () => {
    const t: Tree = {
      files: [
        { path: '\u{1F600}', hash: H('x'), size: 1, executable: false },
        { path: '\uFF01', hash: H('y'), size: 1, executable: false },
      ],
      symlinks: [],
      dirs: [],
    };
    // U+FF01 is EF BC 81 in UTF-8, U+1F600 F0 9F 98 80: U+FF01 first (UTF-16 would put it last).
    expect(JSON.parse(treeText(t)).files.map((f: { path: string }) => f.path)).toEqual([
      '\uFF01',
      '\u{1F600}',
    ]);
  });

  it('refuses escapes, bad paths, duplicates and entries below a file, naming them', () => {
    const bad = (t: Partial<Tree>) =>
      treeProblems({ files: [], symlinks: [], dirs: [], ...t }).join('\n');
    expect(bad({ symlinks: [{ path: 'l', target: '../outside' }] })).toMatch(/"l": its target/);
    expect(bad({ symlinks: [{ path: 'l', target: '/etc/passwd' }] })).toMatch(/leaves the tree/);
    expect(bad({ dirs: ['a/../b'] })).toMatch(/"a\/..\/b": has an empty, \. or \.\. segment/);
    expect(bad({ dirs: ['/abs'] })).toMatch(/absolute/);
    expect(bad({ dirs: ['x', 'x'] })).toMatch(/"x": listed twice/);
    expect(
      bad({
        files: [
          { path: 'f', hash: H('f'), size: 1, executable: false },
          { path: 'f/g', hash: H('g'), size: 1, executable: false },
        ],
      }),
    ).toMatch(/"f\/g": below file "f"/);
    expect(bad({ files: [{ path: 'f', hash: 'nothex', size: 1, executable: false }] })).toMatch(
      /bad hash/,
    );
    expect(symlinkLanding('a/b/l', '../../c')).toBe('c');
    expect(symlinkLanding('a/l', '../../c')).toBeUndefined();
  });

  it('reads only the canonical text', () => {
    const text = treeText(tree);
    expect(parseTree(Buffer.from(text.replace('{"dirs"', '{ "dirs"')))).toEqual({
      error: 'not in canonical form (docs/cas.md)',
    });
    expect(parseTree(Buffer.from('[]'))).toHaveProperty('error');
    expect(parseTree(Buffer.from('{"dirs":[1],"files":[],"symlinks":[]}'))).toHaveProperty('error');
    expect(parseTree(Buffer.from('nope'))).toHaveProperty('error');
  });
});
