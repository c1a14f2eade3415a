export { formatLogLine } from './dev/format-log-line';
