// quietTlsIpServernameWarning: Node's DEP0123 (a TLS server name that is an IP address, which
// grpc-js sets for every TLS channel dialled by address) goes unsaid; every other warning is
// emitted as before, in each of emitWarning's call forms.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quietTlsIpServernameWarning } from '../src/tls-ip-warning';

/** A stand-in process recording what reaches its emitWarning. */
function fakeProcess() {
  const emitted: unknown[][] = [];
  const proc = { emitWarning: (...args: unknown[]) => void emitted.push(args) };
  return { proc, emitted };
}

const MODULE = fileURLToPath(new URL('../src/tls-ip-warning.ts', import.meta.url));
const MESSAGE = 'Setting the TLS ServerName to an IP address is not permitted by RFC 6066.';

describe('quietTlsIpServernameWarning', () => {
  it('drops DEP0123 given as (message, type, code), as an options object, or as an Error', () => {
    const { proc, emitted } = fakeProcess();
    quietTlsIpServernameWarning(proc);
    proc.emitWarning(MESSAGE, 'DeprecationWarning', 'DEP0123');
    proc.emitWarning(MESSAGE, { type: 'DeprecationWarning', code: 'DEP0123' });
    proc.emitWarning(Object.assign(new Error(MESSAGE), { code: 'DEP0123' }));
    expect(emitted).toEqual([]);
  });

  it('passes every other warning on unchanged, once even when quieted twice', () => {
    const { proc, emitted } = fakeProcess();
    quietTlsIpServernameWarning(proc);
    quietTlsIpServernameWarning(proc);
    const error = Object.assign(new Error('other'), { code: 'DEP0005' });
    proc.emitWarning('plain');
    proc.emitWarning('typed', 'DeprecationWarning', 'DEP0005');
    proc.emitWarning('with options', { code: 'DEP0999' });
    proc.emitWarning(error);
    expect(emitted).toEqual([
      ['plain'],
      ['typed', 'DeprecationWarning', 'DEP0005'],
      ['with options', { code: 'DEP0999' }],
      [error],
    ]);
  });

  it("silences Node's own warning for a TLS connection to an IP address, and only it", () => {
    // A real Node process: tls.connect with an IP server name (what grpc-js does), then another
    // deprecation. Without the call Node prints both (the control); with it, the second alone.
    const run = (quiet: boolean) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `
          const { quietTlsIpServernameWarning } = require(${JSON.stringify(MODULE)});
          ${quiet ? 'quietTlsIpServernameWarning();' : ''}
          const socket = require('node:tls').connect({ host: '127.0.0.1', port: 9, servername: '127.0.0.1' });
          socket.on('error', () => {});
          socket.destroy();
          process.emitWarning('still said', 'DeprecationWarning', 'DEP0999');
          `,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
    const control = run(false);
    expect(control.status, control.stderr).toBe(0);
    expect(control.stderr).toContain('DEP0123');
    const quieted = run(true);
    expect(quieted.status, quieted.stderr).toBe(0);
    expect(quieted.stderr).not.toContain('DEP0123');
    expect(quieted.stderr).toContain('still said');
  });
});
