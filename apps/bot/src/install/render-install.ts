import path from 'node:path';
import { stringify } from 'yaml';
import {
  shellWord,
  stateDirectoryOf,
  type InstallFile,
  type RenderedInstall,
} from '@drover/install';
import type { InstallOptions } from './install-options';
import { renderUnit } from './systemd-unit';

export type { InstallFile, RenderedInstall } from '@drover/install';

export const UNIT_NAME = 'drover-bot';
export const CONFIG_FILE_NAME = 'bot.yaml';

/** The bot's config file: the options as drover-bot's flag names (config-file.ts). */
export function renderBotConfig(o: InstallOptions): string {
  const doc: Record<string, unknown> = { server: o.server, 'token-file': o.tokenFile };
  if (o.pool !== undefined) doc['pool'] = o.pool;
  if (o.botId !== undefined) doc['id'] = o.botId;
  if (o.dimensions.length > 0) doc['dimension'] = [...o.dimensions];
  doc['dir'] = o.workDir;
  if (o.taskUser !== undefined) doc['task-user'] = o.taskUser;
  if (o.containment !== undefined) doc['containment'] = o.containment;
  if (o.drainTimeoutGiven) doc['drain-timeout'] = o.drainTimeoutMs / 1000;
  if (o.caFile !== undefined) doc['ca-file'] = o.caFile;
  else if (o.tls) doc['tls'] = true;
  return (
    '# drover-bot config, written by `drover-bot install`. Keys are drover-bot flag names\n' +
    '# (drover-bot --help); DROVER_* variables and flags override them.\n' +
    stringify(doc)
  );
}

/** What `drover-bot install` writes and what to run after. Pure. */
export function renderInstall(o: InstallOptions): RenderedInstall {
  const configFile = path.join(o.configDir, CONFIG_FILE_NAME);
  const unitFile = path.join(o.unitDir, `${UNIT_NAME}.service`);
  const files: InstallFile[] = [
    // The token is not in it (the config refers to the token file), so anyone may read it.
    { path: configFile, mode: 0o644, content: renderBotConfig(o) },
    {
      path: unitFile,
      mode: 0o644,
      content: renderUnit({
        server: o.server,
        command: o.executable === undefined ? [o.nodePath, o.launcher] : [o.executable],
        selfUpdating: o.executable === undefined,
        configFile,
        workDir: o.workDir,
        user: o.user,
        taskUser: o.taskUser,
        drainTimeoutMs: o.drainTimeoutMs,
      }),
    },
  ];
  // The token file's owner and mode are install's to set (run-install.ts), not a command's.
  const commands: string[] = [];
  // Install writes the bot code into the working dir; the bot must own it to update itself.
  // Under /var/lib systemd hands it to User= (StateDirectory=); elsewhere it is ours to do.
  if (
    o.executable === undefined &&
    stateDirectoryOf(o.workDir) === undefined &&
    o.user !== undefined
  ) {
    commands.push(`chown -R ${o.user} ${shellWord(o.workDir)}`);
  }
  commands.push(`systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}`);
  return { files, commands };
}
