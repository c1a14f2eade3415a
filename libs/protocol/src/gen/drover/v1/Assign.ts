// Original file: proto/drover/v1/botapi.proto

import type { TaskManifest as _drover_v1_TaskManifest, TaskManifest__Output as _drover_v1_TaskManifest__Output } from '../../drover/v1/TaskManifest';

export interface Assign {
  'task_id'?: (string);
  'lease_id'?: (string);
  'manifest'?: (_drover_v1_TaskManifest | null);
}

export interface Assign__Output {
  'task_id': (string);
  'lease_id': (string);
  'manifest': (_drover_v1_TaskManifest__Output | null);
}
