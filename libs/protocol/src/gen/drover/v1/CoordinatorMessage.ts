// Original file: proto/drover/v1/botapi.proto

import type { Welcome as _drover_v1_Welcome, Welcome__Output as _drover_v1_Welcome__Output } from '../../drover/v1/Welcome';
import type { Assign as _drover_v1_Assign, Assign__Output as _drover_v1_Assign__Output } from '../../drover/v1/Assign';
import type { Kill as _drover_v1_Kill, Kill__Output as _drover_v1_Kill__Output } from '../../drover/v1/Kill';
import type { Terminate as _drover_v1_Terminate, Terminate__Output as _drover_v1_Terminate__Output } from '../../drover/v1/Terminate';
import type { Ack as _drover_v1_Ack, Ack__Output as _drover_v1_Ack__Output } from '../../drover/v1/Ack';
import type { Update as _drover_v1_Update, Update__Output as _drover_v1_Update__Output } from '../../drover/v1/Update';

export interface CoordinatorMessage {
  'welcome'?: (_drover_v1_Welcome | null);
  'assign'?: (_drover_v1_Assign | null);
  'kill'?: (_drover_v1_Kill | null);
  'terminate'?: (_drover_v1_Terminate | null);
  'ack'?: (_drover_v1_Ack | null);
  'update'?: (_drover_v1_Update | null);
  'msg'?: "welcome"|"assign"|"kill"|"terminate"|"ack"|"update";
}

export interface CoordinatorMessage__Output {
  'welcome'?: (_drover_v1_Welcome__Output | null);
  'assign'?: (_drover_v1_Assign__Output | null);
  'kill'?: (_drover_v1_Kill__Output | null);
  'terminate'?: (_drover_v1_Terminate__Output | null);
  'ack'?: (_drover_v1_Ack__Output | null);
  'update'?: (_drover_v1_Update__Output | null);
  'msg'?: "welcome"|"assign"|"kill"|"terminate"|"ack"|"update";
}
