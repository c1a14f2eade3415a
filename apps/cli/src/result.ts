import type { Command } from 'commander';
import { resultToJson } from '@drover/client';
import type { CommandHost } from './context';
import { describeResult } from './format';
import { showOneAction } from './show-one';

export function registerResult(program: Command, host: CommandHost): void {
  program
    .command('result')
    .description("Show a task's result (exits 0 whatever the task's state).")
    .argument('<task-id>')
    .option('--json', 'print the TaskResult as canonical JSON (docs/json.md)')
    .action(
      showOneAction(
        host,
        (client, id, deadlineMs) => client.getResult(id, { deadlineMs }),
        resultToJson,
        describeResult,
      ),
    );
}
