import { createHash } from 'node:crypto';
import type { Quest, QuestDesc } from './graph-types';

/** Quest ids are 43 characters: base64url of 32 bytes, no padding. */
export const QUEST_ID_LENGTH = 43;

const QUEST_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The exact text that is hashed: canonical JSON (sorted keys, no whitespace) of the normalized
 * desc with proto field names and every default filled, the two JSON fields embedded as objects:
 *
 * {"distributor_config_name":…,"distributor_parameters":{…},"meta":{"as_account":…,
 *  "retry":{"crashed":n,"expired":n,"failed":n,"timed_out":n},
 *  "timeouts":{"run":s,"start":s,"stop":s}},"parameters":{…}}
 *
 * It is itself canonical: canonicalJsonObject() returns it unchanged.
 */
export function canonicalQuestDesc(desc: QuestDesc): string {
  const { asAccount, retry, timeouts } = desc.meta;
  return (
    `{"distributor_config_name":${JSON.stringify(desc.distributorConfigName)}` +
    `,"distributor_parameters":${desc.distributorParameters}` +
    `,"meta":{"as_account":${JSON.stringify(asAccount)}` +
    `,"retry":{"crashed":${retry.crashed},"expired":${retry.expired},"failed":${retry.failed}` +
    `,"timed_out":${retry.timedOut}}` +
    `,"timeouts":{"run":${timeouts.runSecs},"start":${timeouts.startSecs},"stop":${timeouts.stopSecs}}}` +
    `,"parameters":${desc.parameters}}`
  );
}

/** base64url(SHA-256(canonicalQuestDesc(desc))) without padding: the same desc, the same id. */
export function questId(desc: QuestDesc): string {
  return createHash('sha256').update(canonicalQuestDesc(desc), 'utf8').digest('base64url');
}

export function isQuestId(id: string): boolean {
  return QUEST_ID.test(id);
}

/** A quest as first stored (EnsureGraphData): quests are immutable and dedupe by id. */
export function createQuest(desc: QuestDesc, nowMs: number): Quest {
  return { id: questId(desc), desc, createdAtMs: nowMs };
}
