import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import {
  INSTALL_FLAGS,
  describeInstall,
  flagErrorMessage,
  isUserName,
  refuseExisting,
  shellWord,
  stateDirectoryOf,
  systemdWord,
  writeInstallFiles,
  writeProblem,
  type InstallFile,
} from '../src/index';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drover-install-lib-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (): InstallFile[] => [
  { path: path.join(dir, 'etc', 'a.yaml'), mode: 0o640, content: 'a: 1\n' },
  { path: path.join(dir, 'units', 'a.service'), mode: 0o644, content: '[Service]\n' },
];

describe('writeInstallFiles', () => {
  it('writes each file with its mode, making its directory', async () => {
    expect(await writeInstallFiles(files(), false)).toEqual({ kind: 'written' });
    for (const f of files()) {
      expect(readFileSync(f.path, 'utf8')).toBe(f.content);
      expect(statSync(f.path).mode & 0o777).toBe(f.mode);
    }
  });

  it('refuses, writing nothing, when one exists and there is no force; force overwrites', async () => {
    const [first, second] = files();
    await writeInstallFiles([second!], false);
    writeFileSync(second!.path, 'by hand\n');
    const outcome = await writeInstallFiles(files(), false);
    expect(outcome).toEqual({ kind: 'exists', paths: [second!.path] });
    expect(writeProblem(outcome)).toBe(`${second!.path} already exists; add --force to overwrite`);
    expect(await refuseExisting(files(), false)).toBe(writeProblem(outcome));
    expect(() => statSync(first!.path)).toThrow();
    expect(await refuseExisting(files(), true)).toBeUndefined();
    expect(await writeInstallFiles(files(), true)).toEqual({ kind: 'written' });
    expect(readFileSync(second!.path, 'utf8')).toBe(second!.content);
  });

  it('names the file and the error code when it cannot write', async () => {
    mkdirSync(files()[0]!.path, { recursive: true });
    const outcome = await writeInstallFiles(files(), true);
    expect(writeProblem(outcome)).toBe(`cannot write ${files()[0]!.path} (EISDIR)`);
  });
});

describe('words', () => {
  it.each<[string, string]>([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/etc/my drover%/x', '"/etc/my drover%%/x"'],
    ['/a$b', '/a$$b'],
    ['a"b', '"a\\"b"'],
  ])('systemdWord(%j) is %j', (word, expected) => expect(systemdWord(word)).toBe(expected));

  it.each<[string, string]>([
    ['/var/lib/drover', '/var/lib/drover'],
    ["it's here", `'it'\\''s here'`],
  ])('shellWord(%j) is %j', (word, expected) => expect(shellWord(word)).toBe(expected));

  it.each<[string, string | undefined]>([
    ['/var/lib/drover', 'drover'],
    ['/var/lib/drover/', 'drover'],
    ['/var/lib/a/b', 'a/b'],
    ['/srv/drover', undefined],
    ['/var/lib', undefined],
  ])('stateDirectoryOf(%j) is %j', (dir, expected) => expect(stateDirectoryOf(dir)).toBe(expected));
});

describe('describeInstall', () => {
  it('prints each file with its mode, then the commands', () => {
    const rendered = { files: files(), commands: ['systemctl daemon-reload'] };
    const text = describeInstall(rendered, true);
    expect(text).toContain(`==> would write ${files()[0]!.path} (mode 0640)\na: 1\n`);
    expect(
      text.endsWith(
        'nothing was written)\nAfter installing, run as root:\n  systemctl daemon-reload\n',
      ),
    ).toBe(true);
    const wrote = describeInstall(rendered, false);
    expect(wrote.startsWith('==> wrote ')).toBe(true);
    expect(wrote.endsWith('\nNext, run as root:\n  systemctl daemon-reload\n')).toBe(true);
  });
});

describe('install flags', () => {
  it('parses the flags every installer takes, and words a bad one as one short sentence', () => {
    const argv = ['--config-dir', '/x', '--force', '--dry-run', '-h'];
    expect(parseArgs({ args: argv, options: INSTALL_FLAGS, strict: true }).values).toEqual({
      'config-dir': '/x',
      force: true,
      'dry-run': true,
      help: true,
    });
    let err: unknown;
    try {
      parseArgs({ args: ['--bogus'], options: INSTALL_FLAGS, strict: true });
    } catch (e) {
      err = e;
    }
    expect(flagErrorMessage(err)).toBe("Unknown option '--bogus'");
  });

  it.each<[string, boolean]>([
    ['drover', true],
    ['_svc-1.a', true],
    ['machine$', true],
    ['a b', false],
    ['1drover', false],
    ['', false],
  ])('isUserName(%j) is %j', (name, ok) => expect(isUserName(name)).toBe(ok));
});
