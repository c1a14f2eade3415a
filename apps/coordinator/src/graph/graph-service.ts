import { InvalidArgumentError, NotFoundError } from '@drover/protocol';
import {
  attemptKey,
  authenticateExecution,
  executionKey,
  isFinalState,
  normalizeJsonResult,
  scheduleExecution,
  type Attempt,
  type AttemptId,
  type EnsureGraphExtras,
  type EnsureGraphOutcome,
  type Execution,
  type ExecutionEvent,
  type ExecutionId,
  type GraphCommit,
  type GraphEffect,
  type Quest,
  type Store,
  type Task,
} from '@drover/state';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DeadlineTimer } from '../engine/deadline-timer';
import type { TaskEngine, TaskTransition } from '../engine/task-engine';
import type { DistributorConfig } from './distributor-config';
import { executionTaskSpec } from './execution-task';
import { ResourceExhaustedError, refusalError } from './graph-errors';
import type { ExecutionAuth } from './graph-wire';

export interface GraphServiceDeps {
  readonly store: Store;
  readonly engine: TaskEngine;
  readonly clock: () => number;
  readonly log: Logger;
  readonly distributors: ReadonlyMap<string, DistributorConfig>;
}

/** The tag every execution's task carries: `drover-graph-execution:<quest>/<attempt>/<n>`. */
const EXECUTION_TAG = 'drover-graph-execution:';

/**
 * The shell around the graph core (DESIGN.md §5), as TaskEngine is for tasks: each change is one
 * store transaction (the store runs the core and the propagation inside it), then the effects run
 * here — executions become Drover tasks, deadlines go on one timer, task ends come back by task id.
 */
export class GraphService {
  /** 'changed': an attempt or one of its executions changed (the core's `notify`). */
  readonly events = new EventEmitter<{ changed: [AttemptId] }>();
  readonly #store: Store;
  readonly #engine: TaskEngine;
  readonly #clock: () => number;
  readonly #log: Logger;
  readonly #distributors: ReadonlyMap<string, DistributorConfig>;
  readonly #deadlines: DeadlineTimer;
  /** Attempt key → whether another scheduling pass was asked while one runs. */
  readonly #scheduling = new Map<string, boolean>();
  readonly #onTransition = (t: TaskTransition) => this.#taskChanged(t.task);
  #closed = false;

  constructor(deps: GraphServiceDeps) {
    this.#store = deps.store;
    this.#engine = deps.engine;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#distributors = deps.distributors;
    this.#deadlines = new DeadlineTimer(deps.clock, (key) => void this.#deadline(key));
    this.events.setMaxListeners(0);
  }

  get distributors(): ReadonlyMap<string, DistributorConfig> {
    return this.#distributors;
  }

  /**
   * Picks up where the last run stopped: re-arms execution deadlines, ends executions whose task
   * ended (or vanished) meanwhile, and schedules SCHEDULING attempts (a crash between a commit and
   * its effect).
   */
  async start(): Promise<void> {
    this.#engine.events.on('transition', this.#onTransition);
    const active = await this.#store.listActiveExecutions();
    for (const e of active) {
      if (e.deadlineAtMs !== null) this.#deadlines.schedule(executionKey(e.id), e.deadlineAtMs);
      if (e.taskId !== null) await this.#checkTask(e.id, e.taskId);
    }
    const scheduling = await this.#store.listAttemptsInStates(['SCHEDULING']);
    for (const a of scheduling) this.#schedule(a.id);
    this.#log.info(
      { activeExecutions: active.length, scheduling: scheduling.length },
      'graph service started',
    );
  }

  close(): void {
    this.#closed = true;
    this.#engine.events.off('transition', this.#onTransition);
    this.#deadlines.close();
  }

  /**
   * Stores the quests and attempts that do not exist, with the declared needs and the run of
   * `extras`; runs what the store says the created attempts need (an execution for each one
   * created SCHEDULING; one created WAITING on its needs gets none yet).
   */
  async ensure(
    quests: readonly Quest[],
    attempts: readonly AttemptId[],
    extras?: EnsureGraphExtras,
  ): Promise<
    | { readonly newQuests: ReadonlySet<string> }
    | Exclude<EnsureGraphOutcome, { readonly newQuests: readonly string[] }>
  > {
    const outcome = await this.#store.ensureGraph(quests, attempts, this.#clock(), extras);
    if (!('newAttempts' in outcome)) return outcome;
    for (const id of outcome.newAttempts) {
      this.#log.info({ attempt: attemptKey(id) }, 'attempt created');
    }
    if (extras?.run !== undefined) {
      this.#log.info(
        { run: extras.run.id, name: extras.run.name, steps: extras.run.steps.length },
        'pipeline run recorded',
      );
    }
    this.#run(outcome.effects);
    return { newQuests: new Set(outcome.newQuests) };
  }

  /** The calling execution, when `auth` proves it is RUNNING (EnsureGraphData, WalkGraph). */
  async authenticate(auth: ExecutionAuth): Promise<{ attempt: Attempt; execution: Execution }> {
    const execution = await this.#store.getExecution(auth.id);
    if (execution === undefined) throw new NotFoundError('execution');
    const refusal = authenticateExecution(execution, auth.token);
    if (refusal !== null) throw refusalError(refusal);
    const attempt = await this.#store.getAttempt(auth.id);
    if (attempt === undefined) throw new NotFoundError('attempt');
    return { attempt, execution };
  }

  /** EnsureGraphData's dependencies; true when the execution must halt (should_halt). */
  async addDependencies(auth: ExecutionAuth, deps: readonly AttemptId[]): Promise<boolean> {
    const outcome = await this.#store.addDependencies(auth.id, auth.token, deps, this.#clock());
    if ('refused' in outcome) throw refusalError(outcome.refused, 'for_execution');
    if ('unknownDependency' in outcome) {
      throw new InvalidArgumentError(
        `dependencies[${outcome.unknownDependency}]`,
        'no such attempt',
      );
    }
    if ('cycle' in outcome) {
      throw new InvalidArgumentError(
        'dependencies',
        `an edge would close a cycle: ${outcome.cycle.join(' → ')}`,
      );
    }
    if ('tooLarge' in outcome) {
      throw new ResourceExhaustedError(
        `dependencies: the cycle check gave up after ${outcome.tooLarge} attempts`,
      );
    }
    if (outcome.newEdges.length > 0 || outcome.shouldHalt) {
      this.#log.info(
        {
          execution: executionKey(auth.id),
          newEdges: outcome.newEdges.length,
          shouldHalt: outcome.shouldHalt,
        },
        'dependencies added',
      );
    }
    this.#run(outcome.effects);
    return outcome.shouldHalt;
  }

  async activate(auth: ExecutionAuth, executionToken: Uint8Array): Promise<void> {
    const commit = await this.#apply(auth.id, {
      type: 'activate',
      activationToken: auth.token,
      executionToken,
    });
    if ('refused' in commit) throw refusalError(commit.refused);
  }

  /** FinishAttempt; a malformed result ends the execution RESULT_MALFORMED and is refused. */
  async finish(auth: ExecutionAuth, object: string, expiresAtMs: number | null): Promise<void> {
    const normalized = normalizeJsonResult(object, expiresAtMs);
    if ('error' in normalized) {
      const commit = await this.#apply(auth.id, {
        type: 'result-malformed',
        token: auth.token,
        reason: normalized.message,
      });
      if ('refused' in commit) throw refusalError(commit.refused);
      const prefix = `${normalized.field}: `;
      throw new InvalidArgumentError(
        normalized.field,
        normalized.message.startsWith(prefix)
          ? normalized.message.slice(prefix.length)
          : normalized.message,
      );
    }
    const commit = await this.#apply(auth.id, {
      type: 'finish-attempt',
      token: auth.token,
      result: normalized.ok,
    });
    if ('refused' in commit) throw refusalError(commit.refused);
  }

  async #apply(id: ExecutionId, event: ExecutionEvent): Promise<GraphCommit> {
    const commit = await this.#store.applyExecutionEvent(id, event, this.#clock());
    if ('attempt' in commit) {
      this.#log.info(
        {
          execution: executionKey(id),
          event: event.type,
          state: commit.execution.state,
          attemptState: commit.attempt.state,
          abnormal: commit.execution.abnormalFinish?.status,
        },
        'graph event applied',
      );
      this.#run(commit.effects);
    }
    return commit;
  }

  /** Runs what a committed change asks for (propagation already happened in the store). */
  #run(effects: readonly GraphEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'notify':
          this.events.emit('changed', effect.attempt);
          break;
        case 'schedule-execution':
          this.#schedule(effect.attempt);
          break;
        case 'schedule-deadline':
          if (!this.#closed) this.#deadlines.schedule(executionKey(effect.execution), effect.atMs);
          break;
        case 'kill-task':
          this.#engine.apply(effect.taskId, { type: 'cancel', killRunning: true }).then(
            () => this.#log.info({ taskId: effect.taskId, reason: effect.reason }, 'task killed'),
            (err: unknown) => this.#log.error({ err, taskId: effect.taskId }, 'kill failed'),
          );
          break;
        case 'create-task':
        case 'propagate-final':
        case 'rerun-expired':
          // Done inside the store's transaction (scheduleExecution, propagation).
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown graph effect ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** One scheduling pass per attempt at a time; a request meanwhile runs another pass after. */
  #schedule(id: AttemptId): void {
    const key = attemptKey(id);
    if (this.#closed) return;
    if (this.#scheduling.has(key)) {
      this.#scheduling.set(key, true);
      return;
    }
    this.#scheduling.set(key, false);
    void (async () => {
      try {
        do {
          this.#scheduling.set(key, false);
          await this.#scheduleOnce(id);
        } while (this.#scheduling.get(key) === true && !this.#closed);
      } catch (err) {
        this.#log.error({ err, attempt: key }, 'scheduling an execution failed');
      } finally {
        this.#scheduling.delete(key);
      }
    })();
  }

  /**
   * The task first, then the execution: the task's secret env needs the execution's id and token,
   * and an execution row always names a task that exists. A lost race cancels the task; a crash
   * in between leaves a task whose activation finds no execution (it fails and is ignored).
   */
  async #scheduleOnce(id: AttemptId): Promise<void> {
    const [attempt, quest] = await Promise.all([
      this.#store.getAttempt(id),
      this.#store.getQuest(id.quest),
    ]);
    if (attempt?.state !== 'SCHEDULING' || quest === undefined) return;
    const nowMs = this.#clock();
    const token = randomBytes(32);
    const plan = scheduleExecution(quest, attempt, token, nowMs);
    if (!('attempt' in plan)) return;
    const execId = plan.execution.id;
    const createTask = plan.effects.find((e) => e.type === 'create-task');
    if (createTask?.type !== 'create-task')
      throw new Error('scheduleExecution without create-task');
    let taskId: string;
    let rejected: string | undefined;
    try {
      const spec = executionTaskSpec(this.#distributors, quest.desc, createTask);
      taskId = (await this.#engine.submit(spec)).task.id;
    } catch (err) {
      // The quest's distributor no longer exists or no longer accepts its parameters.
      if (!(err instanceof InvalidArgumentError)) throw err;
      rejected = err.message;
      taskId = `rejected-${executionKey(execId)}`;
    }
    const commit = await this.#store.scheduleExecution(
      { attempt: id, execution: execId.execution, activationToken: token, taskId },
      this.#clock(),
    );
    if (!('attempt' in commit)) {
      if (rejected === undefined) {
        await this.#engine.apply(taskId, { type: 'cancel', killRunning: true });
      }
      return;
    }
    this.#log.info({ execution: executionKey(execId), taskId }, 'execution scheduled');
    this.#run(commit.effects);
    if (rejected !== undefined) {
      this.#log.warn({ execution: executionKey(execId), reason: rejected }, 'execution rejected');
      await this.#apply(execId, {
        type: 'task-ended',
        outcome: { state: 'CLIENT_ERROR', exitCode: null },
      });
      return;
    }
    // The task may have ended before the execution named it (NO_RESOURCE at once).
    await this.#checkTask(execId, taskId);
  }

  /** Ends the execution when its task is final or unknown; nothing while it runs. */
  async #checkTask(id: ExecutionId, taskId: string): Promise<void> {
    const task = await this.#store.getTask(taskId);
    if (task === undefined) {
      await this.#apply(id, { type: 'task-ended', outcome: { state: 'unknown-task' } });
    } else if (isFinalState(task.state)) {
      await this.#taskEnded(id, task);
    }
  }

  #taskChanged(task: Task): void {
    if (!isFinalState(task.state) || !task.spec.tags.some((t) => t.startsWith(EXECUTION_TAG))) {
      return;
    }
    void (async () => {
      try {
        const execution = await this.#store.findExecutionByTask(task.id);
        if (execution !== undefined) await this.#taskEnded(execution.id, task);
      } catch (err) {
        this.#log.error({ err, taskId: task.id }, 'routing a task end to its execution failed');
      }
    })();
  }

  async #taskEnded(id: ExecutionId, task: Task): Promise<void> {
    if (task.state === 'PENDING' || task.state === 'RUNNING') return;
    await this.#apply(id, {
      type: 'task-ended',
      outcome: { state: task.state, exitCode: task.exitCode },
    });
  }

  async #deadline(key: string): Promise<void> {
    const [quest, attempt, execution] = key.split(':');
    try {
      await this.#apply(
        { quest: quest!, attempt: Number(attempt), execution: Number(execution) },
        { type: 'deadline' },
      );
    } catch (err) {
      this.#log.error({ err, execution: key }, 'applying an execution deadline failed');
    }
  }
}
