// Helpers for the Graph service tests: a Graph stub, a scripted payload that reads its execution
// from the Assign it got, and waits on the coordinator's graph events (never sleeps).
import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type AssignOut,
  type CoordinatorMessageOut,
  type EnsureGraphDataRequest,
  type EnsureGraphDataResponseOut,
  type GraphClient,
  type GraphDataOut,
  type QuestDescWire,
  type WalkGraphRequest,
} from '@drover/protocol';
import { sameAttempt, type Attempt, type AttemptId } from '@drover/state';
import { randomBytes } from 'node:crypto';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call } from '../harness';
import type { ScriptedBot } from '../scripted-bot';

export function graphStub(address: string): GraphClient {
  const proto = loadDroverProto().drover.v1;
  return new proto.Graph(address, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
}

/** A quest desc run by the built-in `drover` distributor in pool `default`. */
export function desc(name: string, meta: QuestDescWire['meta'] = null): QuestDescWire {
  return {
    distributor_config_name: 'drover',
    parameters: JSON.stringify({ name }),
    distributor_parameters: JSON.stringify({
      command: ['payload', name],
      dimensions: { pool: 'default' },
    }),
    meta,
  };
}

export function ensure(
  stub: GraphClient,
  req: EnsureGraphDataRequest,
  token: string | undefined,
): Promise<EnsureGraphDataResponseOut> {
  return call((md, cb) => stub.EnsureGraphData(req, md, cb), bearer(token));
}

export function walk(
  stub: GraphClient,
  req: WalkGraphRequest,
  token: string | undefined,
): Promise<GraphDataOut> {
  return call((md, cb) => stub.WalkGraph(req, md, cb), bearer(token));
}

/** Resolves with the attempt once `pred` holds, checking after each graph change. */
export function waitForAttempt(
  coord: RunningCoordinator,
  id: AttemptId,
  pred: (a: Attempt) => boolean,
  deadlineMs = 15_000,
): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    let last: Attempt | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      coord.graph.events.off('changed', onChange);
    };
    const check = () => {
      coord.store.getAttempt(id).then((a) => {
        last = a;
        if (a !== undefined && pred(a)) {
          cleanup();
          resolve(a);
        }
      }, reject);
    };
    const onChange = (changed: AttemptId) => {
      if (sameAttempt(changed, id)) check();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`attempt not as expected before the deadline: ${JSON.stringify(last)}`));
    }, deadlineMs);
    coord.graph.events.on('changed', onChange);
    check();
  });
}

/** The payload side of an execution: what its task's secret env told it. */
export class Payload {
  readonly ownToken = randomBytes(32);
  readonly taskId: string;
  readonly leaseId: string;
  readonly id: { quest: string; attempt: number; id: number };
  readonly activationToken: Buffer;

  constructor(
    readonly bot: ScriptedBot,
    assign: AssignOut,
  ) {
    this.taskId = assign.task_id;
    this.leaseId = assign.lease_id;
    const env = new Map(assign.manifest!.secret_env.map((e) => [e.key, e.value]));
    const [quest, attempt, execution] = env.get('DROVER_EXECUTION_ID')!.split('/');
    this.id = { quest: quest!, attempt: Number(attempt), id: Number(execution) };
    this.activationToken = Buffer.from(env.get('DROVER_EXECUTION_TOKEN')!, 'base64url');
  }

  /** Waits for the bot's next Assign and starts it. */
  static async next(bot: ScriptedBot, deadlineMs = 15_000): Promise<Payload> {
    const m: CoordinatorMessageOut = await bot.next((x) => x.msg === 'assign', deadlineMs);
    const payload = new Payload(bot, m.assign!);
    bot.send({ task_started: { task_id: payload.taskId, lease_id: payload.leaseId } });
    return payload;
  }

  get auth() {
    return { id: this.id, token: this.ownToken };
  }

  activate(stub: GraphClient, activationToken = this.activationToken, own = this.ownToken) {
    return call(
      (md, cb) =>
        stub.ActivateExecution(
          { auth: { id: this.id, token: activationToken }, execution_token: own },
          md,
          cb,
        ),
      bearer(undefined),
    );
  }

  finish(stub: GraphClient, object: string) {
    return call(
      (md, cb) => stub.FinishAttempt({ auth: this.auth, data: { object } }, md, cb),
      bearer(undefined),
    );
  }

  /** The process ends with `exitCode`: the task completes (reported by `via`, e.g. a new bot). */
  exit(exitCode = 0, via: ScriptedBot = this.bot): void {
    via.send({
      task_finished: { task_id: this.taskId, lease_id: this.leaseId, exit_code: exitCode },
    });
  }
}
