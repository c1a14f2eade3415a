import * as protoLoader from '@grpc/proto-loader';
import { TASK_STATE_VALUES } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { PROTO_DIR } from '../src/index';

describe('TaskState on the wire', () => {
  it('carries exactly the Swarming values mirrored in libs/state', () => {
    const def = protoLoader.loadSync('drover/v1/common.proto', { includeDirs: [PROTO_DIR] });
    const enumDef = def['drover.v1.TaskState'] as unknown as {
      type: { value: Array<{ name: string; number: number }> };
    };
    const wire = Object.fromEntries(enumDef.type.value.map((v) => [v.name, v.number]));
    expect(wire).toEqual(TASK_STATE_VALUES);
    expect(wire).toMatchObject({
      RUNNING: 0x10,
      PENDING: 0x20,
      EXPIRED: 0x30,
      TIMED_OUT: 0x40,
      BOT_DIED: 0x50,
      CANCELED: 0x60,
      COMPLETED: 0x70,
      KILLED: 0x80,
      NO_RESOURCE: 0x100,
      CLIENT_ERROR: 0x200,
    });
  });
});
