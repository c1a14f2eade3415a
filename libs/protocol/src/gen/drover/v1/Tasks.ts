// Original file: proto/drover/v1/tasks.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchGetResultRequest as _drover_v1_BatchGetResultRequest, BatchGetResultRequest__Output as _drover_v1_BatchGetResultRequest__Output } from '../../drover/v1/BatchGetResultRequest';
import type { BatchGetResultResponse as _drover_v1_BatchGetResultResponse, BatchGetResultResponse__Output as _drover_v1_BatchGetResultResponse__Output } from '../../drover/v1/BatchGetResultResponse';
import type { CancelTaskRequest as _drover_v1_CancelTaskRequest, CancelTaskRequest__Output as _drover_v1_CancelTaskRequest__Output } from '../../drover/v1/CancelTaskRequest';
import type { CancelTaskResponse as _drover_v1_CancelTaskResponse, CancelTaskResponse__Output as _drover_v1_CancelTaskResponse__Output } from '../../drover/v1/CancelTaskResponse';
import type { CancelTasksRequest as _drover_v1_CancelTasksRequest, CancelTasksRequest__Output as _drover_v1_CancelTasksRequest__Output } from '../../drover/v1/CancelTasksRequest';
import type { CancelTasksResponse as _drover_v1_CancelTasksResponse, CancelTasksResponse__Output as _drover_v1_CancelTasksResponse__Output } from '../../drover/v1/CancelTasksResponse';
import type { CountTasksRequest as _drover_v1_CountTasksRequest, CountTasksRequest__Output as _drover_v1_CountTasksRequest__Output } from '../../drover/v1/CountTasksRequest';
import type { CountTasksResponse as _drover_v1_CountTasksResponse, CountTasksResponse__Output as _drover_v1_CountTasksResponse__Output } from '../../drover/v1/CountTasksResponse';
import type { GetOutputRequest as _drover_v1_GetOutputRequest, GetOutputRequest__Output as _drover_v1_GetOutputRequest__Output } from '../../drover/v1/GetOutputRequest';
import type { GetStdoutRequest as _drover_v1_GetStdoutRequest, GetStdoutRequest__Output as _drover_v1_GetStdoutRequest__Output } from '../../drover/v1/GetStdoutRequest';
import type { ListTasksRequest as _drover_v1_ListTasksRequest, ListTasksRequest__Output as _drover_v1_ListTasksRequest__Output } from '../../drover/v1/ListTasksRequest';
import type { ListTasksResponse as _drover_v1_ListTasksResponse, ListTasksResponse__Output as _drover_v1_ListTasksResponse__Output } from '../../drover/v1/ListTasksResponse';
import type { NewTaskRequest as _drover_v1_NewTaskRequest, NewTaskRequest__Output as _drover_v1_NewTaskRequest__Output } from '../../drover/v1/NewTaskRequest';
import type { NewTaskResponse as _drover_v1_NewTaskResponse, NewTaskResponse__Output as _drover_v1_NewTaskResponse__Output } from '../../drover/v1/NewTaskResponse';
import type { NewTasksRequest as _drover_v1_NewTasksRequest, NewTasksRequest__Output as _drover_v1_NewTasksRequest__Output } from '../../drover/v1/NewTasksRequest';
import type { NewTasksResponse as _drover_v1_NewTasksResponse, NewTasksResponse__Output as _drover_v1_NewTasksResponse__Output } from '../../drover/v1/NewTasksResponse';
import type { OutputChunk as _drover_v1_OutputChunk, OutputChunk__Output as _drover_v1_OutputChunk__Output } from '../../drover/v1/OutputChunk';
import type { StreamOutputRequest as _drover_v1_StreamOutputRequest, StreamOutputRequest__Output as _drover_v1_StreamOutputRequest__Output } from '../../drover/v1/StreamOutputRequest';
import type { TaskChange as _drover_v1_TaskChange, TaskChange__Output as _drover_v1_TaskChange__Output } from '../../drover/v1/TaskChange';
import type { TaskIdRequest as _drover_v1_TaskIdRequest, TaskIdRequest__Output as _drover_v1_TaskIdRequest__Output } from '../../drover/v1/TaskIdRequest';
import type { TaskOutput as _drover_v1_TaskOutput, TaskOutput__Output as _drover_v1_TaskOutput__Output } from '../../drover/v1/TaskOutput';
import type { TaskRequest as _drover_v1_TaskRequest, TaskRequest__Output as _drover_v1_TaskRequest__Output } from '../../drover/v1/TaskRequest';
import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from '../../drover/v1/TaskResult';
import type { WaitTaskRequest as _drover_v1_WaitTaskRequest, WaitTaskRequest__Output as _drover_v1_WaitTaskRequest__Output } from '../../drover/v1/WaitTaskRequest';
import type { WatchTasksRequest as _drover_v1_WatchTasksRequest, WatchTasksRequest__Output as _drover_v1_WatchTasksRequest__Output } from '../../drover/v1/WatchTasksRequest';

export interface TasksClient extends grpc.Client {
  /**
   * Results of up to 1000 tasks; unknown ids are reported per item.
   */
  BatchGetResult(argument: _drover_v1_BatchGetResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  BatchGetResult(argument: _drover_v1_BatchGetResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  BatchGetResult(argument: _drover_v1_BatchGetResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  BatchGetResult(argument: _drover_v1_BatchGetResultRequest, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Results of up to 1000 tasks; unknown ids are reported per item.
   */
  batchGetResult(argument: _drover_v1_BatchGetResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  batchGetResult(argument: _drover_v1_BatchGetResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  batchGetResult(argument: _drover_v1_BatchGetResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  batchGetResult(argument: _drover_v1_BatchGetResultRequest, callback: grpc.requestCallback<_drover_v1_BatchGetResultResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Cancels a PENDING task, or a RUNNING one when kill_running is set.
   */
  CancelTask(argument: _drover_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _drover_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _drover_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _drover_v1_CancelTaskRequest, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Cancels a PENDING task, or a RUNNING one when kill_running is set.
   */
  cancelTask(argument: _drover_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _drover_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _drover_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _drover_v1_CancelTaskRequest, callback: grpc.requestCallback<_drover_v1_CancelTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Cancels every PENDING (and with kill_running RUNNING) task carrying all the given tags.
   */
  CancelTasks(argument: _drover_v1_CancelTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  CancelTasks(argument: _drover_v1_CancelTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  CancelTasks(argument: _drover_v1_CancelTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  CancelTasks(argument: _drover_v1_CancelTasksRequest, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Cancels every PENDING (and with kill_running RUNNING) task carrying all the given tags.
   */
  cancelTasks(argument: _drover_v1_CancelTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  cancelTasks(argument: _drover_v1_CancelTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  cancelTasks(argument: _drover_v1_CancelTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  cancelTasks(argument: _drover_v1_CancelTasksRequest, callback: grpc.requestCallback<_drover_v1_CancelTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Counts tasks.
   */
  CountTasks(argument: _drover_v1_CountTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  CountTasks(argument: _drover_v1_CountTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  CountTasks(argument: _drover_v1_CountTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  CountTasks(argument: _drover_v1_CountTasksRequest, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Counts tasks.
   */
  countTasks(argument: _drover_v1_CountTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  countTasks(argument: _drover_v1_CountTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  countTasks(argument: _drover_v1_CountTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  countTasks(argument: _drover_v1_CountTasksRequest, callback: grpc.requestCallback<_drover_v1_CountTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The bytes of one of the task's output files (TaskResult.outputs), in chunks of up to 1 MiB.
   */
  GetOutput(argument: _drover_v1_GetOutputRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_OutputChunk__Output>;
  GetOutput(argument: _drover_v1_GetOutputRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_OutputChunk__Output>;
  /**
   * The bytes of one of the task's output files (TaskResult.outputs), in chunks of up to 1 MiB.
   */
  getOutput(argument: _drover_v1_GetOutputRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_OutputChunk__Output>;
  getOutput(argument: _drover_v1_GetOutputRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_OutputChunk__Output>;
  
  /**
   * The request a task was created from.
   */
  GetRequest(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  GetRequest(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  GetRequest(argument: _drover_v1_TaskIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  GetRequest(argument: _drover_v1_TaskIdRequest, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  /**
   * The request a task was created from.
   */
  getRequest(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  getRequest(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  getRequest(argument: _drover_v1_TaskIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  getRequest(argument: _drover_v1_TaskIdRequest, callback: grpc.requestCallback<_drover_v1_TaskRequest__Output>): grpc.ClientUnaryCall;
  
  /**
   * The result of one task. NOT_FOUND for an unknown id.
   */
  GetResult(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  GetResult(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  GetResult(argument: _drover_v1_TaskIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  GetResult(argument: _drover_v1_TaskIdRequest, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  /**
   * The result of one task. NOT_FOUND for an unknown id.
   */
  getResult(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _drover_v1_TaskIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _drover_v1_TaskIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _drover_v1_TaskIdRequest, callback: grpc.requestCallback<_drover_v1_TaskResult__Output>): grpc.ClientUnaryCall;
  
  /**
   * A range of the task's combined stdout+stderr.
   */
  GetStdout(argument: _drover_v1_GetStdoutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  GetStdout(argument: _drover_v1_GetStdoutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  GetStdout(argument: _drover_v1_GetStdoutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  GetStdout(argument: _drover_v1_GetStdoutRequest, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  /**
   * A range of the task's combined stdout+stderr.
   */
  getStdout(argument: _drover_v1_GetStdoutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  getStdout(argument: _drover_v1_GetStdoutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  getStdout(argument: _drover_v1_GetStdoutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  getStdout(argument: _drover_v1_GetStdoutRequest, callback: grpc.requestCallback<_drover_v1_TaskOutput__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists task results, newest first.
   */
  ListTasks(argument: _drover_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _drover_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _drover_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _drover_v1_ListTasksRequest, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists task results, newest first.
   */
  listTasks(argument: _drover_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _drover_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _drover_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _drover_v1_ListTasksRequest, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates a task. Validation errors are INVALID_ARGUMENT naming the field; nothing is stored.
   */
  NewTask(argument: _drover_v1_NewTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  NewTask(argument: _drover_v1_NewTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  NewTask(argument: _drover_v1_NewTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  NewTask(argument: _drover_v1_NewTaskRequest, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates a task. Validation errors are INVALID_ARGUMENT naming the field; nothing is stored.
   */
  newTask(argument: _drover_v1_NewTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  newTask(argument: _drover_v1_NewTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  newTask(argument: _drover_v1_NewTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  newTask(argument: _drover_v1_NewTaskRequest, callback: grpc.requestCallback<_drover_v1_NewTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates 1 to 1000 tasks in one transaction, each validated and authorized as NewTask does:
   * one refused task refuses the whole batch (the error names it, `requests[3].…`) and nothing is
   * stored. Each request_uuid is honoured as NewTask does, inside the batch too.
   */
  NewTasks(argument: _drover_v1_NewTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  NewTasks(argument: _drover_v1_NewTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  NewTasks(argument: _drover_v1_NewTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  NewTasks(argument: _drover_v1_NewTasksRequest, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates 1 to 1000 tasks in one transaction, each validated and authorized as NewTask does:
   * one refused task refuses the whole batch (the error names it, `requests[3].…`) and nothing is
   * stored. Each request_uuid is honoured as NewTask does, inside the batch too.
   */
  newTasks(argument: _drover_v1_NewTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  newTasks(argument: _drover_v1_NewTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  newTasks(argument: _drover_v1_NewTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  newTasks(argument: _drover_v1_NewTasksRequest, callback: grpc.requestCallback<_drover_v1_NewTasksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Output from an offset on, pushed as it arrives; ends once the task is final and all of its
   * output was sent.
   */
  StreamOutput(argument: _drover_v1_StreamOutputRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskOutput__Output>;
  StreamOutput(argument: _drover_v1_StreamOutputRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskOutput__Output>;
  /**
   * Output from an offset on, pushed as it arrives; ends once the task is final and all of its
   * output was sent.
   */
  streamOutput(argument: _drover_v1_StreamOutputRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskOutput__Output>;
  streamOutput(argument: _drover_v1_StreamOutputRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskOutput__Output>;
  
  /**
   * The result now, then once at every change of its state, in order; ends after a final state.
   * A change that leaves the state as it was (the process started, a kill was asked, the next
   * slice was entered) sends nothing.
   */
  WaitTask(argument: _drover_v1_WaitTaskRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskResult__Output>;
  WaitTask(argument: _drover_v1_WaitTaskRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskResult__Output>;
  /**
   * The result now, then once at every change of its state, in order; ends after a final state.
   * A change that leaves the state as it was (the process started, a kill was asked, the next
   * slice was entered) sends nothing.
   */
  waitTask(argument: _drover_v1_WaitTaskRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskResult__Output>;
  waitTask(argument: _drover_v1_WaitTaskRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskResult__Output>;
  
  /**
   * Every state change (creation included) of the tasks matching the filter, as it is committed,
   * until the client cancels. Only tasks in pools the caller may view; PERMISSION_DENIED when it
   * may view none.
   */
  WatchTasks(argument: _drover_v1_WatchTasksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskChange__Output>;
  WatchTasks(argument: _drover_v1_WatchTasksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskChange__Output>;
  /**
   * Every state change (creation included) of the tasks matching the filter, as it is committed,
   * until the client cancels. Only tasks in pools the caller may view; PERMISSION_DENIED when it
   * may view none.
   */
  watchTasks(argument: _drover_v1_WatchTasksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskChange__Output>;
  watchTasks(argument: _drover_v1_WatchTasksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_TaskChange__Output>;
  
}

export interface TasksHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Results of up to 1000 tasks; unknown ids are reported per item.
   */
  BatchGetResult: grpc.handleUnaryCall<_drover_v1_BatchGetResultRequest__Output, _drover_v1_BatchGetResultResponse>;
  
  /**
   * Cancels a PENDING task, or a RUNNING one when kill_running is set.
   */
  CancelTask: grpc.handleUnaryCall<_drover_v1_CancelTaskRequest__Output, _drover_v1_CancelTaskResponse>;
  
  /**
   * Cancels every PENDING (and with kill_running RUNNING) task carrying all the given tags.
   */
  CancelTasks: grpc.handleUnaryCall<_drover_v1_CancelTasksRequest__Output, _drover_v1_CancelTasksResponse>;
  
  /**
   * Counts tasks.
   */
  CountTasks: grpc.handleUnaryCall<_drover_v1_CountTasksRequest__Output, _drover_v1_CountTasksResponse>;
  
  /**
   * The bytes of one of the task's output files (TaskResult.outputs), in chunks of up to 1 MiB.
   */
  GetOutput: grpc.handleServerStreamingCall<_drover_v1_GetOutputRequest__Output, _drover_v1_OutputChunk>;
  
  /**
   * The request a task was created from.
   */
  GetRequest: grpc.handleUnaryCall<_drover_v1_TaskIdRequest__Output, _drover_v1_TaskRequest>;
  
  /**
   * The result of one task. NOT_FOUND for an unknown id.
   */
  GetResult: grpc.handleUnaryCall<_drover_v1_TaskIdRequest__Output, _drover_v1_TaskResult>;
  
  /**
   * A range of the task's combined stdout+stderr.
   */
  GetStdout: grpc.handleUnaryCall<_drover_v1_GetStdoutRequest__Output, _drover_v1_TaskOutput>;
  
  /**
   * Lists task results, newest first.
   */
  ListTasks: grpc.handleUnaryCall<_drover_v1_ListTasksRequest__Output, _drover_v1_ListTasksResponse>;
  
  /**
   * Creates a task. Validation errors are INVALID_ARGUMENT naming the field; nothing is stored.
   */
  NewTask: grpc.handleUnaryCall<_drover_v1_NewTaskRequest__Output, _drover_v1_NewTaskResponse>;
  
  /**
   * Creates 1 to 1000 tasks in one transaction, each validated and authorized as NewTask does:
   * one refused task refuses the whole batch (the error names it, `requests[3].…`) and nothing is
   * stored. Each request_uuid is honoured as NewTask does, inside the batch too.
   */
  NewTasks: grpc.handleUnaryCall<_drover_v1_NewTasksRequest__Output, _drover_v1_NewTasksResponse>;
  
  /**
   * Output from an offset on, pushed as it arrives; ends once the task is final and all of its
   * output was sent.
   */
  StreamOutput: grpc.handleServerStreamingCall<_drover_v1_StreamOutputRequest__Output, _drover_v1_TaskOutput>;
  
  /**
   * The result now, then once at every change of its state, in order; ends after a final state.
   * A change that leaves the state as it was (the process started, a kill was asked, the next
   * slice was entered) sends nothing.
   */
  WaitTask: grpc.handleServerStreamingCall<_drover_v1_WaitTaskRequest__Output, _drover_v1_TaskResult>;
  
  /**
   * Every state change (creation included) of the tasks matching the filter, as it is committed,
   * until the client cancels. Only tasks in pools the caller may view; PERMISSION_DENIED when it
   * may view none.
   */
  WatchTasks: grpc.handleServerStreamingCall<_drover_v1_WatchTasksRequest__Output, _drover_v1_TaskChange>;
  
}

export interface TasksDefinition extends grpc.ServiceDefinition {
  BatchGetResult: MethodDefinition<_drover_v1_BatchGetResultRequest, _drover_v1_BatchGetResultResponse, _drover_v1_BatchGetResultRequest__Output, _drover_v1_BatchGetResultResponse__Output>
  CancelTask: MethodDefinition<_drover_v1_CancelTaskRequest, _drover_v1_CancelTaskResponse, _drover_v1_CancelTaskRequest__Output, _drover_v1_CancelTaskResponse__Output>
  CancelTasks: MethodDefinition<_drover_v1_CancelTasksRequest, _drover_v1_CancelTasksResponse, _drover_v1_CancelTasksRequest__Output, _drover_v1_CancelTasksResponse__Output>
  CountTasks: MethodDefinition<_drover_v1_CountTasksRequest, _drover_v1_CountTasksResponse, _drover_v1_CountTasksRequest__Output, _drover_v1_CountTasksResponse__Output>
  GetOutput: MethodDefinition<_drover_v1_GetOutputRequest, _drover_v1_OutputChunk, _drover_v1_GetOutputRequest__Output, _drover_v1_OutputChunk__Output>
  GetRequest: MethodDefinition<_drover_v1_TaskIdRequest, _drover_v1_TaskRequest, _drover_v1_TaskIdRequest__Output, _drover_v1_TaskRequest__Output>
  GetResult: MethodDefinition<_drover_v1_TaskIdRequest, _drover_v1_TaskResult, _drover_v1_TaskIdRequest__Output, _drover_v1_TaskResult__Output>
  GetStdout: MethodDefinition<_drover_v1_GetStdoutRequest, _drover_v1_TaskOutput, _drover_v1_GetStdoutRequest__Output, _drover_v1_TaskOutput__Output>
  ListTasks: MethodDefinition<_drover_v1_ListTasksRequest, _drover_v1_ListTasksResponse, _drover_v1_ListTasksRequest__Output, _drover_v1_ListTasksResponse__Output>
  NewTask: MethodDefinition<_drover_v1_NewTaskRequest, _drover_v1_NewTaskResponse, _drover_v1_NewTaskRequest__Output, _drover_v1_NewTaskResponse__Output>
  NewTasks: MethodDefinition<_drover_v1_NewTasksRequest, _drover_v1_NewTasksResponse, _drover_v1_NewTasksRequest__Output, _drover_v1_NewTasksResponse__Output>
  StreamOutput: MethodDefinition<_drover_v1_StreamOutputRequest, _drover_v1_TaskOutput, _drover_v1_StreamOutputRequest__Output, _drover_v1_TaskOutput__Output>
  WaitTask: MethodDefinition<_drover_v1_WaitTaskRequest, _drover_v1_TaskResult, _drover_v1_WaitTaskRequest__Output, _drover_v1_TaskResult__Output>
  WatchTasks: MethodDefinition<_drover_v1_WatchTasksRequest, _drover_v1_TaskChange, _drover_v1_WatchTasksRequest__Output, _drover_v1_TaskChange__Output>
}
