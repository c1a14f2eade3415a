import type { Timestamp, Timestamp__Output } from './gen/google/protobuf/Timestamp';

/** Milliseconds since the epoch → google.protobuf.Timestamp; null/undefined stays null. */
export function msToTimestamp(ms: number | null | undefined): Timestamp | null {
  if (ms === null || ms === undefined) return null;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** google.protobuf.Timestamp → milliseconds; null when unset. */
export function timestampToMs(ts: Timestamp__Output | null | undefined): number | null {
  if (ts === null || ts === undefined) return null;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

/** The proto3 JSON form of a Timestamp: RFC 3339 in UTC, or null. */
export function timestampToJson(ts: Timestamp__Output | null | undefined): string | null {
  const ms = timestampToMs(ts);
  return ms === null ? null : new Date(ms).toISOString();
}
