import path from 'node:path';
import { shellWord, type RenderedInstall } from '@drover/install';
import { renderCoordinatorConfig, installedSettings } from './config-text';
import { renderCoordinatorUnit } from './coordinator-unit';
import type { CoordinatorInstallOptions } from './install-options';

export const UNIT_NAME = 'drover-coordinator';
export const CONFIG_FILE_NAME = 'coordinator.yaml';

/** What install writes and runs, and what the operator should know after. */
export interface RenderedCoordinatorInstall extends RenderedInstall {
  /** Printed after the commands: where the tokens appear, how to check it is up. */
  readonly notes: string;
  /** Paths the unit needs that ProtectHome=yes hides from it. */
  readonly hiddenByProtectHome: readonly string[];
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** What `drover-coordinator install` writes and what to run after. Pure. */
export function renderCoordinatorInstall(
  o: CoordinatorInstallOptions,
  exampleText: string,
): RenderedCoordinatorInstall {
  const configFile = path.join(o.configDir, CONFIG_FILE_NAME);
  const postgres = o.store !== undefined && POSTGRES_URL.test(o.store);
  const sqliteFile = o.store === undefined || postgres ? undefined : o.store;
  const otherWritableDirs =
    sqliteFile === undefined || isInside(o.dataDir, sqliteFile) ? [] : [path.dirname(sqliteFile)];
  const files = [
    // 0640, group = the coordinator's user: a PostgreSQL URL may hold a password.
    {
      path: configFile,
      mode: 0o640,
      content: renderCoordinatorConfig(exampleText, installedSettings(o)),
    },
    {
      path: path.join(o.unitDir, `${UNIT_NAME}.service`),
      mode: 0o644,
      content: renderCoordinatorUnit({
        exec: o.exec,
        configFile,
        dataDir: o.dataDir,
        otherWritableDirs,
        user: o.user,
        postgres,
      }),
    },
  ];
  const user = shellWord(o.user);
  const commands = [
    `id -u ${user} >/dev/null 2>&1 || useradd --system --user-group --home-dir ${shellWord(o.dataDir)} --shell /usr/sbin/nologin ${user}`,
    `chgrp ${user} ${shellWord(configFile)}`,
  ];
  // Under /var/lib systemd makes the data dir (StateDirectory=); elsewhere it is ours to do.
  if (!o.dataDir.startsWith('/var/lib/')) {
    commands.push(`install -d -o ${user} -g ${user} -m 0700 ${shellWord(o.dataDir)}`);
  }
  for (const dir of otherWritableDirs) {
    commands.push(`install -d -o ${user} -g ${user} -m 0700 ${shellWord(dir)}`);
  }
  if (o.tlsKey !== undefined) {
    commands.push(`chgrp ${user} ${shellWord(o.tlsKey)} && chmod 0640 ${shellWord(o.tlsKey)}`);
  }
  commands.push(`systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}`);
  return {
    files,
    commands,
    notes: renderNotes(o),
    hiddenByProtectHome: [
      ...o.exec.filter((w) => path.isAbsolute(w)),
      o.dataDir,
      configFile,
      ...[sqliteFile, o.tlsCert, o.tlsKey].filter((p) => p !== undefined),
    ].filter(isUnderHome),
  };
}

function renderNotes(o: CoordinatorInstallOptions): string {
  const user = shellWord(o.user);
  const tls = o.tlsCert !== undefined;
  const healthz = `${tls ? 'https' : 'http'}://${localAddress(o.httpListen)}/healthz`;
  return [
    '',
    `Its log: journalctl -u ${UNIT_NAME} -f   ('coordinator ready' once it serves)`,
    `Its health: curl -fsS${tls ? ' --cacert <your CA file>' : ''} ${healthz}   ({"status":"ok"})`,
    `The first start creates ${path.join(o.dataDir, 'tokens.json')} and, beside it, client.token`,
    `(an admin token for drover --token-file) and bot.token (for bots), mode 0600, owned by`,
    `${o.user}. A token for a pool of bots, kept by the coordinator (no restart):`,
    `  drover --token-file <client.token> access groups put <name> -d pool=<pool>`,
    `  drover --token-file <client.token> token create --bot-group <name> > <name>.token`,
    `or in the tokens file, made as ${o.user} so that the file stays its own:`,
    `  sudo -u ${user} drover token generate --bot --name <name> -d pool=<pool> \\`,
    `    --append ${shellWord(path.join(o.dataDir, 'tokens.json'))} > <name>.token`,
    `then systemctl restart ${UNIT_NAME}.`,
    '',
  ].join('\n');
}

/** Where to reach a listen address from this machine: a wildcard host means loopback. */
function localAddress(listen: string): string {
  if (listen.startsWith('0.0.0.0:')) return `127.0.0.1:${listen.slice('0.0.0.0:'.length)}`;
  if (listen.startsWith('[::]:')) return `[::1]:${listen.slice('[::]:'.length)}`;
  return listen;
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function isUnderHome(p: string): boolean {
  return ['/home', '/root', '/run/user'].some((dir) => p === dir || isInside(dir, p));
}
