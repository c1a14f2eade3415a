export {
  startCoordinator,
  type RunningCoordinator,
  type CoordinatorLifecycle,
} from './coordinator';
export {
  compileCoordinatorConfig,
  parseCoordinatorArgs,
  ConfigError,
  type CoordinatorConfig,
  type CoordinatorOptions,
} from './config';
export { hashToken, newToken, loadOrCreateTokens, type TokensFile } from './auth/tokens';
