import protobuf from 'protobufjs';
import { droverProtobufRoot } from './proto-json';
import {
  DEFAULT_FIELD_LIMITS,
  fieldPath,
  limitField,
  limitTree,
  type LimitNode,
  type LimitViolation,
} from './request-limits';

/**
 * Counts the elements of every repeated field of an encoded request, without decoding it, and
 * stops at the first one past its limit. Decoding is what costs: a 1 MiB message of
 * empty sub-messages (2 bytes each) decodes into half a million objects and blocks the event loop
 * for a second, before any limit on the decoded message could be checked — and before the caller
 * is authenticated. The scan reads only tags and lengths, and reads at most a field's limit (+1)
 * of its elements, so refusing such a message costs microseconds.
 *
 * The same pass reads every 64-bit integer field exactly (int64, uint64, sint64, fixed64,
 * sfixed64, found by the request type, not by a list of names): proto-loader decodes them with
 * `longs: Number`, which rounds past 2^53-1, so a value beyond it is refused (`out-of-range`)
 * instead of reaching a handler as a different number. (Rounding never brings a value back
 * within 2^53-1, so checking the decoded number would refuse the same requests; reading the bytes
 * also names the exact value that was sent.)
 *
 * Bytes that are not protobuf are left to the decoder (undefined here): it says what is wrong.
 */
export function scanRequest(rpc: string, bytes: Uint8Array): LimitViolation | undefined {
  const type = requestType(rpc);
  if (type === undefined) return undefined;
  try {
    return scan(type, protobuf.Reader.create(bytes), bytes.length, limitTree(rpc), []);
  } catch {
    return undefined;
  }
}

const types = new Map<string, protobuf.Type | undefined>();

/** The request type of `Service.Method` in drover.v1. */
function requestType(rpc: string): protobuf.Type | undefined {
  if (!types.has(rpc)) {
    const root = droverProtobufRoot();
    const [service, method] = rpc.split('.');
    const svc = root.lookup(`drover.v1.${service}`);
    const m = svc instanceof protobuf.Service ? svc.methods[method ?? ''] : undefined;
    m?.resolve();
    types.set(rpc, m?.resolvedRequestType ?? undefined);
  }
  return types.get(rpc);
}

/** Why a 64-bit integer past ±(2^53-1) is refused (docs/limits.md). */
export const BEYOND_SAFE_INTEGER = `beyond 2^53-1 (${Number.MAX_SAFE_INTEGER}), the largest integer held exactly`;

/** The 64-bit integer types, each with the wire type of one unpacked value (0 varint, 1 fixed). */
const INT64_WIRE_TYPES: Readonly<Record<string, number>> = {
  int64: 0,
  uint64: 0,
  sint64: 0,
  fixed64: 1,
  sfixed64: 1,
};

type Int64Type = 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64';

/**
 * Reads one value of a 64-bit integer field and refuses it beyond ±(2^53-1). The reader answers
 * a Long when protobufjs has one (it does in Node) and a number otherwise, rounded the same way
 * proto-loader rounds, so the test holds for both.
 */
function readInt64(
  reader: protobuf.Reader,
  type: string,
  trail: readonly (string | number)[],
): LimitViolation | undefined {
  const v: protobuf.Long | number = reader[type as Int64Type]();
  const value =
    typeof v === 'number'
      ? BigInt(v)
      : v.unsigned
        ? (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0)
        : BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (value <= max && value >= -max) return undefined;
  return {
    field: fieldPath(trail),
    problem: `${BEYOND_SAFE_INTEGER}, got ${value}`,
    kind: 'out-of-range',
  };
}

const PACKABLE_FIXED: Readonly<Record<string, number>> = {
  double: 8,
  fixed64: 8,
  sfixed64: 8,
  float: 4,
  fixed32: 4,
  sfixed32: 4,
};

/**
 * Scans one message of `type` up to `end`; `node` holds its fields' limits, `trail` the path
 * walked to it (pushed and popped as the scan goes; spelled only for a violation).
 */
function scan(
  type: protobuf.Type,
  reader: protobuf.Reader,
  end: number,
  node: LimitNode,
  trail: (string | number)[],
): LimitViolation | undefined {
  /** Elements seen of each repeated field, by field id (made at the first one). */
  let counts: Map<number, number> | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    const f = type.fieldsById[tag >>> 3];
    if (f === undefined || f.map) {
      reader.skipType(wireType);
      continue;
    }
    f.resolve();
    trail.push(f.name);
    const expected = wireTypeOf(f);
    if (wireType !== expected && !(wireType === 2 && f.repeated && isPackable(f))) {
      // The decoder would read it as its type anyway (a message field sent as a varint is
      // decoded as a message of that length): the scan must not pass over what gets decoded.
      return {
        field: fieldPath(trail),
        problem: `not a valid protobuf message (wire type ${wireType} for a field of type ${f.type}, encoded with wire type ${expected})`,
      };
    }
    const child = limitField(node, f.name);
    const violation = scanField(f, wireType, reader, end, child, trail, (counts ??= new Map()));
    trail.pop();
    if (violation !== undefined) return violation;
  }
  return undefined;
}

/**
 * The wire type a single value of `f` is encoded with (a packed repeated field also takes 2):
 * fixed 8 bytes 1, fixed 4 bytes 5 (PACKABLE_FIXED's widths), varints 0.
 */
function wireTypeOf(f: protobuf.Field): number {
  if (f.resolvedType instanceof protobuf.Type || f.type === 'string' || f.type === 'bytes')
    return 2;
  const width = PACKABLE_FIXED[f.type];
  return width === 8 ? 1 : width === 4 ? 5 : 0; // varints: the integer types, bool, enums
}

/** A repeated field of this type may come packed (wire type 2): scalars and enums. */
function isPackable(f: protobuf.Field): boolean {
  return wireTypeOf(f) !== 2;
}

/** One occurrence of field `f` (its tag read); `trail` ends with its name. */
function scanField(
  f: protobuf.Field,
  wireType: number,
  reader: protobuf.Reader,
  end: number,
  child: LimitNode,
  trail: (string | number)[],
  counts: Map<number, number>,
): LimitViolation | undefined {
  const max = child.limit?.maxItems ?? DEFAULT_FIELD_LIMITS.maxItems;
  let n = counts.get(f.id) ?? 0;
  if (wireType === 2 && f.repeated && isPackable(f)) {
    // Packed scalars: count them without keeping them.
    const length = reader.uint32(); // before reader.pos: it moves it
    const stop = reader.pos + length;
    const width = PACKABLE_FIXED[f.type];
    const int64 = INT64_WIRE_TYPES[f.type] !== undefined;
    while (reader.pos < stop) {
      if (int64) {
        trail.push(n);
        const beyond = readInt64(reader, f.type, trail);
        trail.pop();
        if (beyond !== undefined) return beyond;
      } else if (width === undefined) reader.skipType(0);
      else reader.skip(width);
      if (++n > max) return tooMany(trail, max);
    }
    counts.set(f.id, n);
    return undefined;
  }
  if (f.repeated) {
    if (++n > max) return tooMany(trail, max);
    counts.set(f.id, n);
    trail.push(n - 1);
  }
  try {
    if (INT64_WIRE_TYPES[f.type] === wireType) return readInt64(reader, f.type, trail);
    if (wireType === 2 && f.resolvedType instanceof protobuf.Type) {
      const length = reader.uint32(); // before reader.pos: it moves it
      const stop = reader.pos + length;
      if (stop > end) throw new Truncated(); // the decoder says what is wrong
      const inner = scan(f.resolvedType, reader, stop, f.repeated ? child.items : child, trail);
      if (inner !== undefined) return inner;
      reader.pos = stop;
      return undefined;
    }
    reader.skipType(wireType);
    return undefined;
  } finally {
    if (f.repeated) trail.pop();
  }
}

function tooMany(trail: readonly (string | number)[], max: number): LimitViolation {
  return { field: fieldPath(trail), problem: `at most ${max} items` };
}

/** A length past its message's end: left to the decoder (scanRequest answers undefined). */
class Truncated extends Error {}
