// The server side of the gRPC floor (floors.ts): the real Tasks and BotApi services on
// 127.0.0.1:0 with the coordinator's server options, and handlers that do no work — NewTask
// answers a fixed response; on a BotApi stream, Hello gets an Assign and every TaskFinished its
// Ack and the next Assign (a lifecycle task's three messages). What
// this process spends per call is the least a coordinator built on grpc-js can spend.
// IPC: → { type: 'ready', port }; 'cpu' → { type: 'cpu', micros }; 'stop' → exits.
import * as grpc from '@grpc/grpc-js';
import {
  SERVER_OPTIONS,
  loadDroverProto,
  type BotMessageOut,
  type CoordinatorMessage,
} from '@drover/protocol';

if (!process.send) {
  process.stderr.write('floor-server-process: run by tools/bench over IPC\n');
  process.exit(2);
}

const proto = loadDroverProto().drover.v1;
const server = new grpc.Server(SERVER_OPTIONS);
const unimplemented = { code: grpc.status.UNIMPLEMENTED, details: 'not in the floor' };

function only(
  service: grpc.ServiceDefinition,
  handlers: grpc.UntypedServiceImplementation,
): grpc.UntypedServiceImplementation {
  const all: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(service)) {
    all[name] =
      handlers[name] ??
      (!def.requestStream && !def.responseStream
        ? (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(unimplemented)
        : (call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', unimplemented));
  }
  return all;
}

server.addService(
  proto.Tasks.service,
  only(proto.Tasks.service, {
    NewTask: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      call.metadata.get('authorization');
      cb(null, { task_id: 'floor', result: { task_id: 'floor', state: 'PENDING' } });
    },
  }),
);
server.addService(
  proto.BotApi.service,
  only(proto.BotApi.service, {
    Connect: (call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>) => {
      // Hello → the first Assign; each TaskFinished → its Ack and the next Assign.
      let n = 0;
      const assign = () => call.write(assignMessage(`floor-${n++}`));
      call.on('data', (m: BotMessageOut) => {
        const f = m.task_finished;
        if (m.hello) assign();
        else if (f) {
          call.write({ ack: { task_id: f.task_id, lease_id: f.lease_id, finished: true } });
          assign();
        }
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  }),
);

/** An Assign as the coordinator sends one for the lifecycle's task (`true`, pool=bench). */
function assignMessage(taskId: string): CoordinatorMessage {
  return {
    assign: {
      task_id: taskId,
      lease_id: 'floor-lease-0123456789abcdef',
      manifest: {
        command: ['true'],
        env: [],
        env_prefixes: [],
        relative_cwd: '',
        execution_timeout_secs: 3600,
        io_timeout_secs: 1200,
        grace_period_secs: 30,
        secret_env: [],
        caches: [],
      },
    },
  };
}

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`floor server: ${err.message}\n`);
    process.exit(1);
  }
  process.send!({ type: 'ready', port });
});

process.on('message', (m: unknown) => {
  if (m === 'cpu') {
    const u = process.cpuUsage();
    process.send!({ type: 'cpu', micros: u.user + u.system });
  } else if (m === 'stop') {
    server.forceShutdown();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
