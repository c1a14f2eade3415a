// The fault tool itself, against a plain TCP echo server: what cut() and restore() do to open and
// new connections, so that the network tests fail for Drover's reasons, not the proxy's.
import { once } from 'node:events';
import {
  createConnection,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy';

let echo: Server;
let proxy: TcpProxy;
const clients: Socket[] = [];

beforeAll(async () => {
  echo = createServer((s) => {
    s.on('error', () => {}); // the proxy resets its side on cut()
    s.pipe(s);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  proxy = await TcpProxy.start(`127.0.0.1:${(echo.address() as AddressInfo).port}`);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

function dial(): Socket {
  const [host, port] = proxy.address.split(':');
  const socket = createConnection({ host: host!, port: Number(port) });
  socket.on('error', () => {}); // a reset is what some cases expect
  clients.push(socket);
  return socket;
}

async function connect(): Promise<Socket> {
  const socket = dial();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  return socket;
}

/** Resolves with the first `n` bytes the socket receives, or rejects after `deadlineMs`. */
function receive(socket: Socket, n: number, deadlineMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(
      () => reject(new Error(`got only ${JSON.stringify(got)}`)),
      deadlineMs,
    );
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length < n) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(got);
    };
    socket.on('data', onData);
  });
}

/** Resolves once the socket closed (a reset included). */
const closed = (socket: Socket): Promise<void> =>
  socket.destroyed
    ? Promise.resolve()
    : new Promise((resolve) => socket.once('close', () => resolve()));

describe('TcpProxy', () => {
  it('forwards both ways while passing', async () => {
    const s = await connect();
    s.write('ping');
    expect(await receive(s, 4)).toBe('ping');
  });

  it('cut() closes open connections at once and resets new ones until restore()', async () => {
    const open = await connect();
    proxy.cut();
    await closed(open);
    // Accepted by the kernel, then reset by the proxy.
    await closed(dial());
    proxy.restore();
    const again = await connect();
    again.write('back');
    expect(await receive(again, 4)).toBe('back');
  });

  it("'blackhole' holds new connections silently and delivers what they sent on restore()", async () => {
    proxy.cut({ mode: 'blackhole' });
    const held = await connect();
    held.write('late');
    await expect(receive(held, 4, 300)).rejects.toThrow(/got only ""/);
    proxy.restore();
    expect(await receive(held, 4)).toBe('late');
  });

  it("existing: 'stall' keeps open connections but moves no byte until restore()", async () => {
    const s = await connect();
    proxy.cut({ mode: 'blackhole', existing: 'stall' });
    s.write('wait');
    await expect(receive(s, 4, 300)).rejects.toThrow(/got only ""/);
    expect(s.destroyed).toBe(false);
    proxy.restore();
    expect(await receive(s, 4)).toBe('wait');
  });
});
