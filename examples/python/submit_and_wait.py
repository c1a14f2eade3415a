#!/usr/bin/python3
"""Submits one task to a Drover coordinator, follows it to its end and prints its output.

The gRPC calls, in order: Tasks.NewTask, Tasks.WaitTask (a server stream: the result now, then at
every state change, ending after a final state), Tasks.GetStdout (the task's combined
stdout+stderr). Every call carries `authorization: Bearer <token>`.

Needs Debian's python3-grpcio and python3-protobuf, and the modules generated from proto/ by
gen-stubs.sh on PYTHONPATH (see README.md beside this file).

Exit status: 0 the task COMPLETED with the expected exit code (--expect-exit-code, default 0);
1 a gRPC call failed (its code and details are printed); 2 bad usage or setup; 4 the task ended
otherwise (another state or exit code).
"""

import argparse
import os
import sys

# Imported here, reported after the arguments are checked (so usage errors come first).
MISSING = None
try:
    import grpc  # Debian: python3-grpcio
    import google.protobuf  # noqa: F401 (Debian: python3-protobuf)
except ImportError as err:
    MISSING = (
        f"{err} in {sys.executable}: install Debian's python3-grpcio and python3-protobuf "
        "(apt-get install -y python3-grpcio python3-protobuf) and run this script with "
        "/usr/bin/python3"
    )
else:
    try:
        from drover.v1 import common_pb2, tasks_pb2, tasks_pb2_grpc
    except ImportError as err:
        MISSING = (
            f"{err}: generate the stubs with examples/python/gen-stubs.sh DIR and run this "
            "script with PYTHONPATH=DIR"
        )

EXIT_OK = 0
EXIT_RPC_ERROR = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 4

CALL_TIMEOUT_SECS = 30
# GetStdout returns up to 16 MiB per call, over the 4 MiB a grpc channel accepts by default: read
# 1 MiB chunks until `size` is reached.
STDOUT_CHUNK_BYTES = 1024 * 1024
# WaitTask's states that are not final (INVALID is never stored).
NOT_FINAL = {"INVALID", "PENDING", "RUNNING"}

USAGE_EPILOG = """\
The token: --token-file FILE, else DROVER_TOKEN, else the file named by DROVER_TOKEN_FILE.
Example (a coordinator from `npm start`, run in the repository root):
  PYTHONPATH=examples/python/gen python3 examples/python/submit_and_wait.py \\
    --server 127.0.0.1:7070 --token-file .drover/client.token -d pool=default \\
    --expect-exit-code 3 -- sh -c 'echo hello from python; exit 3'
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="submit_and_wait.py",
        usage="%(prog)s [--server HOST:PORT] [--token-file FILE] -d pool=NAME [-d KEY=VALUE ...]\n"
        "                          [--name NAME] [--expect-exit-code N] -- COMMAND [ARG ...]",
        description="Submit a task to Drover, wait for it to end, print its state, exit code "
        "and output.",
        epilog=USAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("DROVER_SERVER", "127.0.0.1:7070"),
        metavar="HOST:PORT",
        help="the coordinator's gRPC address (default: DROVER_SERVER or 127.0.0.1:7070)",
    )
    parser.add_argument("--token-file", metavar="FILE", help="a file holding a client token")
    parser.add_argument(
        "-d",
        "--dimension",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a dimension the bot must have; pool=NAME is required (default: pool=$DROVER_POOL)",
    )
    parser.add_argument("--name", default="python-example", help="the task's name")
    parser.add_argument(
        "--expect-exit-code",
        type=int,
        default=0,
        metavar="N",
        help="the exit code that counts as success (default 0)",
    )
    parser.add_argument(
        "command", nargs="+", metavar="COMMAND", help="the command and its arguments, after --"
    )
    args = parser.parse_args(argv)

    dimensions = []
    for item in args.dimension:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            parser.error(f"-d {item!r}: expected KEY=VALUE")
        dimensions.append((key, value))
    if not any(key == "pool" for key, _ in dimensions):
        pool = os.environ.get("DROVER_POOL", "")
        if not pool:
            parser.error("no pool: give -d pool=NAME (or set DROVER_POOL)")
        dimensions.append(("pool", pool))
    args.dimensions = dimensions

    try:
        args.token = read_token(args.token_file)
    except OSError as err:
        parser.error(f"cannot read the token file: {err}")
    if not args.token:
        parser.error("no token: give --token-file FILE, DROVER_TOKEN or DROVER_TOKEN_FILE")
    return args


def read_token(token_file):
    if token_file:
        with open(token_file, encoding="utf-8") as f:
            return f.read().strip()
    if os.environ.get("DROVER_TOKEN"):
        return os.environ["DROVER_TOKEN"].strip()
    if os.environ.get("DROVER_TOKEN_FILE"):
        with open(os.environ["DROVER_TOKEN_FILE"], encoding="utf-8") as f:
            return f.read().strip()
    return ""


def main(argv):
    args = parse_args(argv)
    if MISSING is not None:
        print(f"error: {MISSING}", file=sys.stderr)
        return EXIT_USAGE
    metadata = (("authorization", f"Bearer {args.token}"),)
    with grpc.insecure_channel(args.server) as channel:
        stub = tasks_pb2_grpc.TasksStub(channel)
        try:
            return submit_and_wait(stub, metadata, args)
        except grpc.RpcError as err:
            print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
            return EXIT_RPC_ERROR


def submit_and_wait(stub, metadata, args):
    properties = tasks_pb2.TaskProperties(
        command=args.command,
        dimensions=[common_pb2.StringPair(key=k, value=v) for k, v in args.dimensions],
    )
    request = tasks_pb2.NewTaskRequest(
        name=args.name, task_slices=[tasks_pb2.TaskSlice(properties=properties)]
    )
    created = stub.NewTask(request, metadata=metadata, timeout=CALL_TIMEOUT_SECS)
    task_id = created.task_id
    print(f"task {task_id} submitted: {state_name(created.result.state)}", flush=True)

    final = wait_task(stub, metadata, task_id)
    if final is None:
        print(f"error: WaitTask ended before task {task_id} reached a final state", file=sys.stderr)
        return EXIT_RPC_ERROR

    print_output(stub, metadata, task_id)
    state = state_name(final.state)
    exit_code = final.exit_code if final.HasField("exit_code") else None
    exit_text = "none" if exit_code is None else str(exit_code)
    print(f"state: {state}")
    print(f"exit code: {exit_text}")
    if final.summary:
        print(f"summary: {final.summary}")
    if state == "COMPLETED" and exit_code == args.expect_exit_code:
        return EXIT_OK
    print(
        f"error: task {task_id} ended {state} with exit code {exit_text}, "
        f"expected COMPLETED with exit code {args.expect_exit_code}",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED


def state_name(state):
    return common_pb2.TaskState.Name(state)


def wait_task(stub, metadata, task_id):
    """Follows WaitTask, printing each new state; the last result if it is final, else None."""
    last = None
    stream = stub.WaitTask(tasks_pb2.WaitTaskRequest(task_id=task_id), metadata=metadata)
    try:
        for result in stream:
            if last is None or result.state != last.state:
                bot = f" on bot {result.bot_id}" if result.bot_id else ""
                print(f"  {state_name(result.state)}{bot}", flush=True)
            last = result
    finally:
        stream.cancel()  # a no-op once the stream has ended; stops it on Ctrl-C
    if last is None or state_name(last.state) in NOT_FINAL:
        return None
    return last


def print_output(stub, metadata, task_id):
    """Reads the whole output with GetStdout, chunk by chunk, and copies it to stdout."""
    chunks = []
    offset = 0
    while True:
        out = stub.GetStdout(
            tasks_pb2.GetStdoutRequest(task_id=task_id, offset=offset, length=STDOUT_CHUNK_BYTES),
            metadata=metadata,
            timeout=CALL_TIMEOUT_SECS,
        )
        chunks.append(out.output)
        offset += len(out.output)
        if not out.output or offset >= out.size:
            break
    output = b"".join(chunks)
    print(f"--- output ({len(output)} bytes) ---", flush=True)
    sys.stdout.buffer.write(output)
    if output and not output.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()
    print("--- end of output ---")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
