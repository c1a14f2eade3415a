import { Socket } from 'node:net';

/**
 * The variable naming a descriptor that the parent process (`npm start`'s launcher) holds the
 * other end of for as long as it lives. When the parent dies, even by SIGKILL, the kernel closes
 * its end and this end reads end-of-file: the child learns it at once, with no polling.
 */
export const PARENT_FD_ENV = 'DROVER_PARENT_FD';

export type ParentWatch =
  /** The variable is not set: nobody asked to be watched. */
  | { readonly kind: 'off' }
  | { readonly kind: 'watching'; readonly fd: number; readonly stop: () => void }
  /** The variable is set but names no pipe or socket this process has. */
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * When `env` names a parent descriptor (PARENT_FD_ENV), calls `onGone` once when it closes. The
 * descriptor does not keep the process alive (it is unref'd). The variable is removed from `env`
 * (pass `process.env`), so that no child of this process (a task payload, a probe) takes it for its
 * own parent's descriptor.
 */
export function watchParent(
  env: Record<string, string | undefined>,
  onGone: () => void,
): ParentWatch {
  const value = env[PARENT_FD_ENV];
  if (value === undefined || value === '') return { kind: 'off' };
  delete env[PARENT_FD_ENV];
  const fd = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(fd) || fd < 3) {
    return { kind: 'invalid', reason: `${PARENT_FD_ENV}: not a descriptor above 2: '${value}'` };
  }
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: false });
  } catch (err) {
    return {
      kind: 'invalid',
      reason: `${PARENT_FD_ENV}=${fd}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  let fired = false;
  const gone = () => {
    if (fired) return;
    fired = true;
    socket.destroy();
    onGone();
  };
  // The parent never writes: any data is dropped, the end (or an error) is what counts.
  socket.on('data', () => {});
  socket.once('end', gone);
  socket.once('close', gone);
  socket.once('error', gone);
  socket.unref();
  return {
    kind: 'watching',
    fd,
    stop: () => {
      fired = true;
      socket.destroy();
    },
  };
}
