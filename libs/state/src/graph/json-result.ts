import { canonicalJsonObject, type CanonicalJsonError } from './canonical-json';
import type { JsonResult } from './graph-types';

/** A JsonResult's object is at most this many bytes once normalized (DESIGN.md §5). */
export const MAX_RESULT_BYTES = 262_144;

export type JsonResultOutcome =
  | { readonly ok: JsonResult }
  | { readonly error: CanonicalJsonError; readonly field: string; readonly message: string };

/**
 * Normalizes FinishAttempt's JsonResult: exactly one JSON object, canonical, ≤ MAX_RESULT_BYTES.
 * `expiresAtMs` null = never expires. An error is RESULT_MALFORMED material: the shell answers
 * INVALID_ARGUMENT naming `field` and applies the execution event `result-malformed`.
 */
export function normalizeJsonResult(
  object: string,
  expiresAtMs: number | null,
  field = 'data.object',
): JsonResultOutcome {
  const canonical = canonicalJsonObject(object, field, MAX_RESULT_BYTES);
  if ('error' in canonical) return canonical;
  return { ok: { object: canonical.ok.text, size: canonical.ok.bytes, expiresAtMs } };
}

/** A result satisfies a dependency asked at `nowMs` unless it has expired by then. */
export function resultSatisfies(result: JsonResult, nowMs: number): boolean {
  return result.expiresAtMs === null || nowMs < result.expiresAtMs;
}

/** Two results are the same FinishAttempt (a client retry): same object and expiration. */
export function sameResult(a: JsonResult, b: JsonResult): boolean {
  return a.object === b.object && a.expiresAtMs === b.expiresAtMs;
}

/** The wire view: `size` always, the object only when the caller may see it. */
export function withheldResult(result: JsonResult): JsonResult {
  return { ...result, object: '' };
}
