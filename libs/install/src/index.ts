export { describeInstall, type RenderedInstall } from './describe-install';
export {
  existingFiles,
  refuseExisting,
  writeInstallFiles,
  writeProblem,
  type InstallFile,
  type WriteOutcome,
} from './install-files';
export { shellWord } from './shell-word';
export { stateDirectoryOf, systemdWord } from './systemd-words';
