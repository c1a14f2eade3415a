import type { Store } from '@drover/state';
import { can, mayUseBotId, poolsWith, type Principal } from '../auth/principal';

/** Reference rows read per access check: a blob in more pools than this is checked on these. */
const MAX_POOLS_READ = 1000;
/** Running tasks read per bot check. */
const MAX_RUNNERS_READ = 10_000;

/** How an uploader is recorded (cas_uploads.uploader): the token's kind and principal name. */
export function uploaderId(p: Principal): string {
  return `${p.kind}:${p.name}`;
}

/** Whether `p` may upload blobs and ask which are missing: a client with `submit` somewhere. */
export function mayUpload(p: Principal): boolean {
  if (p.kind !== 'client') return false;
  const pools = poolsWith(p, 'submit');
  return pools === 'all' || pools.length > 0;
}

/**
 * Whether `p` may read the blob (Cas.Download, cas.proto): its uploader; a client with `view` in
 * the pools of a task referencing it (input tree, input file, output); a bot token whose group
 * may use the id of the bot running such a task. The caller answers NOT_FOUND otherwise, as for
 * a blob nobody stored.
 */
export async function mayDownload(store: Store, p: Principal, hash: string): Promise<boolean> {
  if (p.kind === 'bot') {
    const runners = await store.casRunningReferrers(hash, MAX_RUNNERS_READ);
    return runners.some((r) => mayUseBotId(p, r.botId));
  }
  if (await store.isCasUploader(hash, uploaderId(p))) return true;
  const pools = await store.casReferencePools(hash, MAX_POOLS_READ);
  // A task's pool as stored: its pools joined with `|` ('' = none, which needs view on `*`).
  return pools.some((pool) => can(p, 'view', pool === '' ? [] : pool.split('|')));
}
