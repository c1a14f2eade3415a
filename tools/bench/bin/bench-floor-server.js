#!/usr/bin/env node
// The gRPC floor's server in its own process (tools/bench/src/scenarios/floors), driven over IPC:
// Drover's real services and messages, handlers that do nothing (so that its CPU is gRPC's own).
import { register } from 'tsx/esm/api';

register();
await import('../src/scenarios/floors/floor-server-process.ts');
