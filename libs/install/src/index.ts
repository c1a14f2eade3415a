export { describeInstall, type RenderedInstall } from './describe-install';
export {
  existingFiles,
  refuseExisting,
  writeInstallFiles,
  writeProblem,
  type InstallFile,
  type WriteOutcome,
} from './install-files';
export {
  INSTALL_FLAGS,
  flagErrorMessage,
  isUserName,
  parseInstallFlags,
  type InstallFlagValues,
} from './install-flags';
export { shellWord } from './shell-word';
export { stateDirectoryOf, systemdWord } from './systemd-words';
