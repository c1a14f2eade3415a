import {
  ConfigError,
  compileCoordinatorConfig,
  parseCoordinatorArgs,
  type CoordinatorConfig,
} from '../config';
import { parseConfigText } from '../config-file';
import { INSTALL_SETTINGS } from './config-text';

export type ConfigCheck =
  | { readonly kind: 'valid'; readonly config: CoordinatorConfig }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * Checks a rendered config file as the coordinator will load it: parsed (parseConfigText) and
 * compiled (compileCoordinatorConfig) by the coordinator's own code. A problem with a setting
 * install has a flag for is named by that flag (the same name); any other is the example's.
 */
export function checkRenderedConfig(text: string, file: string): ConfigCheck {
  try {
    const raw = parseConfigText(text, file);
    // The file's settings as flags: parseCoordinatorArgs maps settings to options in one place.
    const argv = Object.entries(raw).flatMap(([key, value]) =>
      key === 'distributors' ? [] : [`--${key}=${String(value)}`],
    );
    const parsed = parseCoordinatorArgs(argv, {});
    if (parsed.help) throw new Error('unreachable: no --help in a config file');
    const options =
      raw.distributors === undefined
        ? parsed.options
        : { ...parsed.options, distributors: raw.distributors };
    return { kind: 'valid', config: compileCoordinatorConfig(options) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { kind: 'invalid', message: nameTheFlag(err.message, file) };
  }
}

/** `listen: must be host:port…` (or `--listen: …`, `config FILE: listen: …`) → `--listen: …`. */
function nameTheFlag(message: string, file: string): string {
  const bare = message.replace(`config ${file}: `, '').replace(/^--/, '');
  const key = /^([a-z-]+):/.exec(bare)?.[1];
  if (key !== undefined && (INSTALL_SETTINGS as readonly string[]).includes(key))
    return `--${bare}`;
  return `drover.example.yaml: ${bare}`;
}
