import {
  MAX_ARGV_ENV_BYTES,
  TASK_LIMITS,
  loadDroverProto,
  requestMaxBytes,
} from '@drover/protocol';

/**
 * The largest NewTask the limits allow: name and user at their longest, 8 slices each
 * with 64 dimensions over 32 keys (one an 8-way OR) and relative_cwd at its longest, then the
 * rest of the request's bytes (REQUEST_MAX_BYTES) filled with tags at their longest and command
 * arguments within each slice's argv+env budget. `notify` is left out by default: whether a coordinator accepts one at
 * all is its webhook allow-list's business. `salt` makes requests differ.
 */
export function largestNewTask(
  opts: { notify?: boolean; salt?: string } = {},
): Record<string, unknown> {
  const salt = opts.salt ?? '';
  const times = <T>(n: number, f: (i: number) => T): T[] =>
    Array.from({ length: n }, (_, i) => f(i));
  const pad = (s: string, n: number, c: string) => s.padEnd(n, c);
  const slice = (i: number) => ({
    expiration_secs: 60,
    properties: {
      command: ['true', `${i}${salt}`],
      env: [{ key: pad('E_', TASK_LIMITS.maxEnvKeyLength, 'K'), value: 'v'.repeat(1024) }],
      relative_cwd: 'd'.repeat(1024),
      dimensions: [
        { key: 'pool', value: 'default' },
        { key: pad('or', 64, 'x'), value: times(8, (j) => pad(`alt${j}`, 31, 'z')).join('|') },
        // 30 more keys (32 in all), 62 values among them (64 pairs in all).
        ...times(62, (n) => ({ key: pad(`k${n % 30}_`, 64, 'x'), value: pad(`v${n}_`, 256, 'y') })),
      ],
      caches: times(4, (c) => ({ name: pad(`c${c}_`, 128, 'n'), path: pad(`p${c}/`, 1024, 'q') })),
      execution_timeout_secs: 60,
    },
  });
  const req = {
    name: 'n'.repeat(1024),
    user: 'u'.repeat(TASK_LIMITS.maxUserLength),
    tags: [] as string[],
    task_slices: times(TASK_LIMITS.maxSlices, slice),
    ...(opts.notify === true
      ? {
          notify: {
            url: `https://ci.example.com/${'h'.repeat(TASK_LIMITS.maxNotifyUrlLength - 23)}`,
            userdata: 'u'.repeat(TASK_LIMITS.maxNotifyUserdataLength),
          },
        }
      : {}),
  };
  // Fill to the request's limit with tags at their longest (each with 3 bytes of framing), then
  // with command arguments (each its bytes and up to 4 of framing).
  const encode = loadDroverProto().drover.v1.Tasks.service.NewTask.requestSerialize;
  let left = requestMaxBytes('Tasks.NewTask') - encode(req).length;
  while (left > 16 * TASK_LIMITS.maxTagLength && req.tags.length < TASK_LIMITS.maxTags) {
    req.tags.push(pad(`k${req.tags.length}:`, TASK_LIMITS.maxTagLength, 't'));
    left -= TASK_LIMITS.maxTagLength + 3;
  }
  for (const s of req.task_slices) {
    const p = s.properties;
    let budget =
      MAX_ARGV_ENV_BYTES -
      p.command.reduce((n, a) => n + a.length + 1, 0) -
      p.env.reduce((n, e) => n + e.key.length + e.value.length + 2, 0);
    while (left > 8 && budget > 2) {
      const n = Math.min(TASK_LIMITS.maxArgBytes, budget - 1, left - 4);
      p.command.push('b'.repeat(n));
      budget -= n + 1;
      left -= n + (n < 128 ? 2 : n < 16_384 ? 3 : 4);
    }
  }
  return req;
}
