// Writing an installer's files (refusing to overwrite without --force) is shared with
// `drover-coordinator install`: libs/install.
export { existingFiles, writeInstallFiles, type WriteOutcome } from '@drover/install';
