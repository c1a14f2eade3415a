// `--version` of the three bins, run as a user runs them: one line naming the bin, the release
// version and the git commit, and exit 0.
import { buildInfo } from '@drover/protocol';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BOT, CLI, COORDINATOR } from './support/real-bins';

function run(
  bin: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('--version', () => {
  // Other work in the same tree may make it dirty (or clean) between two reads: the hash is what
  // must agree.
  const { version, commit } = buildInfo();
  const hash = commit.replace(/-dirty$/, '');
  const line = (name: string) =>
    new RegExp(`^${name} ${version.replace(/\./g, '\\.')} \\(commit ${hash}(-dirty)?\\)\\n$`);

  const bins = [
    { name: 'drover', bin: CLI },
    { name: 'drover-bot', bin: BOT },
    { name: 'drover-coordinator', bin: COORDINATOR },
  ];

  it.each(bins)('$name --version prints its version line and exits 0', async ({ name, bin }) => {
    const got = await run(bin, ['--version']);
    expect(got).toMatchObject({ code: 0, stderr: '' });
    expect(got.stdout).toMatch(line(name));
  });

  it.each(bins)('$name --help lists --version and -V', async ({ bin }) => {
    const got = await run(bin, ['--help']);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/-V, --version|--version, -V/);
  });
});
