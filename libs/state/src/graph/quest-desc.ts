import { canonicalJsonObject, type CanonicalJsonError } from './canonical-json';
import type { QuestDesc, RetryPolicy } from './graph-types';

/** parameters + distributor_parameters, normalized, together at most this (DESIGN.md §5). */
export const MAX_QUEST_PARAMS_BYTES = 256 * 1024;

/** meta.timeouts bounds and defaults (seconds); 0 in the proto means "default". */
export const QUEST_TIMEOUT_LIMITS = {
  /** Mirrors a task slice's expiration_secs. */
  start: { min: 1, max: 604_800, default: 21_600 },
  /** Mirrors execution_timeout_secs. */
  run: { min: 1, max: 604_800, default: 3_600 },
  /** Mirrors grace_period_secs. */
  stop: { min: 1, max: 3_600, default: 30 },
} as const;

const MAX_UINT32 = 0xffff_ffff;

/** Quest.Desc.name: at most this many characters (code points). */
export const MAX_QUEST_NAME_CHARS = 128;

/** A Quest.Desc as it comes off the wire (proto3: absent = empty / zero). */
export interface QuestDescInput {
  /** The display name ('' or absent = none); not part of the quest's id. */
  readonly name?: string;
  readonly distributorConfigName: string;
  readonly parameters: string;
  readonly distributorParameters: string;
  readonly meta?: {
    readonly asAccount?: string;
    readonly retry?: Partial<RetryPolicy>;
    readonly timeouts?: {
      readonly start?: number;
      readonly run?: number;
      readonly stop?: number;
    };
  };
}

export type QuestDescError = CanonicalJsonError | 'invalid-value';

export type QuestDescOutcome =
  | { readonly ok: QuestDesc }
  | { readonly error: QuestDescError; readonly field: string; readonly message: string };

/**
 * Validates a quest description and fills its defaults, so that equal descriptions are equal
 * data (and hash to the same quest id). Fields are named as in the proto, relative to the desc:
 * the shell prefixes them (`quests[2].parameters`). An empty JSON field means `{}` (the proto3
 * default); anything else must be one JSON object.
 */
export function normalizeQuestDesc(input: QuestDescInput): QuestDescOutcome {
  if (input.distributorConfigName === '') {
    return invalid('distributor_config_name', 'required');
  }
  const name = input.name ?? '';
  if ([...name].length > MAX_QUEST_NAME_CHARS) {
    return invalid('name', `longer than ${MAX_QUEST_NAME_CHARS} characters`);
  }
  const parameters = canonicalJsonObject(input.parameters || '{}', 'parameters');
  if ('error' in parameters) return parameters;
  const distributorParameters = canonicalJsonObject(
    input.distributorParameters || '{}',
    'distributor_parameters',
  );
  if ('error' in distributorParameters) return distributorParameters;
  const total = parameters.ok.bytes + distributorParameters.ok.bytes;
  if (total > MAX_QUEST_PARAMS_BYTES) {
    return {
      error: 'too-large',
      field: 'parameters',
      message:
        `parameters and distributor_parameters: ${total} bytes together once normalized, ` +
        `more than the limit of ${MAX_QUEST_PARAMS_BYTES}`,
    };
  }

  const retryIn = input.meta?.retry ?? {};
  const retry: Record<keyof RetryPolicy, number> = {
    failed: 0,
    crashed: 0,
    expired: 0,
    timedOut: 0,
  };
  for (const key of ['failed', 'crashed', 'expired', 'timedOut'] as const) {
    const n = retryIn[key] ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > MAX_UINT32) {
      return invalid(`meta.retry.${key === 'timedOut' ? 'timed_out' : key}`, `bad count ${n}`);
    }
    retry[key] = n;
  }

  const timeoutsIn = input.meta?.timeouts ?? {};
  const timeouts: Record<'start' | 'run' | 'stop', number> = { start: 0, run: 0, stop: 0 };
  for (const key of ['start', 'run', 'stop'] as const) {
    const limits = QUEST_TIMEOUT_LIMITS[key];
    const given = timeoutsIn[key] ?? 0;
    const secs = given === 0 ? limits.default : given;
    if (!Number.isInteger(secs) || secs < limits.min || secs > limits.max) {
      return invalid(
        `meta.timeouts.${key}`,
        `must be between ${limits.min} and ${limits.max} seconds (0 = ${limits.default}), got ${given}`,
      );
    }
    timeouts[key] = secs;
  }

  return {
    ok: {
      name,
      distributorConfigName: input.distributorConfigName,
      parameters: parameters.ok.text,
      distributorParameters: distributorParameters.ok.text,
      meta: {
        asAccount: input.meta?.asAccount ?? '',
        retry,
        timeouts: { startSecs: timeouts.start, runSecs: timeouts.run, stopSecs: timeouts.stop },
      },
    },
  };
}

function invalid(field: string, message: string): QuestDescOutcome {
  return { error: 'invalid-value', field, message: `${field}: ${message}` };
}
