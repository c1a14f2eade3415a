// Original file: proto/drover/v1/botapi.proto

import type { Hello as _drover_v1_Hello, Hello__Output as _drover_v1_Hello__Output } from '../../drover/v1/Hello';
import type { TaskStarted as _drover_v1_TaskStarted, TaskStarted__Output as _drover_v1_TaskStarted__Output } from '../../drover/v1/TaskStarted';
import type { Output as _drover_v1_Output, Output__Output as _drover_v1_Output__Output } from '../../drover/v1/Output';
import type { TaskFinished as _drover_v1_TaskFinished, TaskFinished__Output as _drover_v1_TaskFinished__Output } from '../../drover/v1/TaskFinished';
import type { Heartbeat as _drover_v1_Heartbeat, Heartbeat__Output as _drover_v1_Heartbeat__Output } from '../../drover/v1/Heartbeat';

export interface BotMessage {
  'hello'?: (_drover_v1_Hello | null);
  'task_started'?: (_drover_v1_TaskStarted | null);
  'output'?: (_drover_v1_Output | null);
  'task_finished'?: (_drover_v1_TaskFinished | null);
  'heartbeat'?: (_drover_v1_Heartbeat | null);
  'msg'?: "hello"|"task_started"|"output"|"task_finished"|"heartbeat";
}

export interface BotMessage__Output {
  'hello'?: (_drover_v1_Hello__Output | null);
  'task_started'?: (_drover_v1_TaskStarted__Output | null);
  'output'?: (_drover_v1_Output__Output | null);
  'task_finished'?: (_drover_v1_TaskFinished__Output | null);
  'heartbeat'?: (_drover_v1_Heartbeat__Output | null);
  'msg'?: "hello"|"task_started"|"output"|"task_finished"|"heartbeat";
}
