import { stringify } from 'yaml';
import type { SettingName } from '../config-file';
import type { CoordinatorInstallOptions } from './install-options';

/** The settings install has a flag for: the flag is the setting's own name. */
export const INSTALL_SETTINGS = [
  'listen',
  'http-listen',
  'data-dir',
  'store',
  'store-schema',
  'tls-cert',
  'tls-key',
] as const satisfies readonly SettingName[];

/** The settings install writes into the config file, by key (= coordinator flag name). */
export function installedSettings(o: CoordinatorInstallOptions): ReadonlyMap<SettingName, string> {
  const settings = new Map<SettingName, string>([
    ['listen', o.listen],
    ['http-listen', o.httpListen],
    ['data-dir', o.dataDir],
  ]);
  if (o.store !== undefined) settings.set('store', o.store);
  if (o.storeSchema !== undefined) settings.set('store-schema', o.storeSchema);
  if (o.tlsCert !== undefined) settings.set('tls-cert', o.tlsCert);
  if (o.tlsKey !== undefined) settings.set('tls-key', o.tlsKey);
  return settings;
}

/**
 * The config file: the example's text (its comments explain every key) with install's settings
 * in place of the example's lines for them (`key: …` or `# key: …`), each added at the end when
 * the example has no line for it. Pure.
 */
export function renderCoordinatorConfig(
  exampleText: string,
  settings: ReadonlyMap<SettingName, string>,
): string {
  let text = exampleText.replace(/^# Every value below is the default\b.*\n/m, '');
  for (const [key, value] of settings) {
    const line = `${key}: ${stringify(value).trimEnd()}`;
    const existing = new RegExp(`^(?:# ?)?${key}:.*$`, 'm');
    text = existing.test(text)
      ? text.replace(existing, () => line)
      : `${text.replace(/\n*$/, '\n')}${line}\n`;
  }
  const header = [
    '# Written by `drover-coordinator install` from drover.example.yaml. Set by install:',
    `# ${[...settings.keys()].join(', ')}; every other value is the default.`,
    '# After editing: systemctl restart drover-coordinator',
    '#',
  ];
  return `${header.join('\n')}\n${text}`;
}
