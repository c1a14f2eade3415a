#!/usr/bin/python3
"""Submits one task to a Drover coordinator, follows it to its end and prints its output.

submit_and_wait.py without gRPC: the same calls over the Connect protocol on the coordinator's
HTTP port, with the Python standard library only (no packages, no generated stubs). In order:
Tasks.NewTask (unary: a POST of JSON), Tasks.WaitTask (a server stream: the result now, then at
every state change, ending after a final state; Connect frames each message as 1 flag byte, a
4-byte big-endian length and the JSON, the last frame, flag 0x02, saying how the stream ended),
Tasks.GetStdout (unary; the task's combined stdout+stderr, base64 in JSON). Every call carries
`authorization: Bearer <token>`. Requests and answers use the proto3 JSON mapping with the
proto's field names: int64 fields are strings, enums are names.

Exit status: 0 the task COMPLETED with the expected exit code (--expect-exit-code, default 0);
1 a call failed (its Connect code and message are printed); 2 bad usage; 4 the task ended
otherwise (another state or exit code).
"""

import argparse
import base64
import http.client
import json
import os
import struct
import sys
import urllib.error
import urllib.request

EXIT_OK = 0
EXIT_RPC_ERROR = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 4

CALL_TIMEOUT_SECS = 30
# GetStdout returns up to 16 MiB per call: read 1 MiB chunks until `size` is reached.
STDOUT_CHUNK_BYTES = 1024 * 1024
# WaitTask's states that are not final (INVALID is never stored).
NOT_FINAL = {"INVALID", "PENDING", "RUNNING"}

# Connect's envelope: flags (1 byte) and the message's length (4 bytes, big-endian).
ENVELOPE = struct.Struct(">BI")
FLAG_COMPRESSED = 0x01
FLAG_END_STREAM = 0x02

# The Connect code an HTTP status stands for when the body is not a Connect error (a proxy's
# page, say), as the Connect protocol maps them.
HTTP_STATUS_CODES = {
    400: "internal",
    401: "unauthenticated",
    403: "permission_denied",
    404: "unimplemented",
    429: "unavailable",
    502: "unavailable",
    503: "unavailable",
    504: "unavailable",
}

USAGE_EPILOG = """\
The token: --token-file FILE, else DROVER_TOKEN, else the file named by DROVER_TOKEN_FILE.
Example (a coordinator from `npm start`, run in the repository root):
  python3 examples/python/submit_and_wait_http.py \\
    --server http://127.0.0.1:7071 --token-file .drover/client.token -d pool=default \\
    --expect-exit-code 3 -- sh -c 'echo hello from python; exit 3'
"""


class RpcError(Exception):
    """A call that failed: its Connect code (e.g. "unauthenticated") and message."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="submit_and_wait_http.py",
        usage="%(prog)s [--server URL] [--token-file FILE] -d pool=NAME [-d KEY=VALUE ...]\n"
        "                               [--name NAME] [--expect-exit-code N] -- COMMAND [ARG ...]",
        description="Submit a task to Drover over the Connect protocol (HTTP and JSON), wait "
        "for it to end, print its state, exit code and output.",
        epilog=USAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("DROVER_HTTP_SERVER", "http://127.0.0.1:7071"),
        metavar="URL",
        help="the coordinator's HTTP address, http://HOST:PORT or HOST:PORT "
        "(default: DROVER_HTTP_SERVER or http://127.0.0.1:7071)",
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

    server = args.server.strip().rstrip("/")
    if "://" not in server:
        server = f"http://{server}"
    if not server.startswith(("http://", "https://")) or server.endswith("://"):
        parser.error(f"--server {args.server!r}: expected http://HOST:PORT or HOST:PORT")
    args.base_url = server

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


class TasksClient:
    """The Tasks service over Connect with JSON: unary calls and WaitTask's server stream."""

    def __init__(self, base_url, token):
        self.base_url = base_url
        self.token = token

    def _request(self, method, body, content_type):
        return urllib.request.Request(
            f"{self.base_url}/drover.v1.Tasks/{method}",
            data=body,
            method="POST",
            headers={
                "content-type": content_type,
                "connect-protocol-version": "1",
                "authorization": f"Bearer {self.token}",
            },
        )

    def unary(self, method, message):
        """POSTs `message` as JSON; the answer's JSON, or RpcError with the Connect error."""
        request = self._request(method, json.dumps(message).encode(), "application/json")
        request.add_header("connect-timeout-ms", str(CALL_TIMEOUT_SECS * 1000))
        with open_call(request, CALL_TIMEOUT_SECS) as response:
            return json.loads(response.read())

    def server_stream(self, method, message):
        """POSTs `message` in one envelope; yields each message of the answer until its end."""
        payload = json.dumps(message).encode()
        body = ENVELOPE.pack(0, len(payload)) + payload
        request = self._request(method, body, "application/connect+json")
        # No deadline: WaitTask stays open as long as the task runs.
        with open_call(request, None) as response:
            while True:
                header = read_exactly(response, ENVELOPE.size)
                if header is None:
                    raise RpcError("internal", "the stream ended without an end-stream message")
                flags, length = ENVELOPE.unpack(header)
                data = read_exactly(response, length) if length else b""
                if data is None:
                    raise RpcError("internal", "the stream ended inside a message")
                if flags & FLAG_COMPRESSED:
                    raise RpcError("internal", "a compressed message, which was not asked for")
                if flags & FLAG_END_STREAM:
                    error = json.loads(data or b"{}").get("error")
                    if error is not None:
                        raise RpcError(error.get("code", "unknown"), error.get("message", ""))
                    return
                yield json.loads(data)


def open_call(request, timeout):
    """Opens `request`; an HTTP error or a failed connection becomes an RpcError."""
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        try:
            body = err.read()
        except OSError:
            body = b""
        finally:
            err.close()
        raise rpc_error_of(err.code, body) from None
    except urllib.error.URLError as err:
        raise RpcError("unavailable", f"{request.full_url}: {err.reason}") from None
    except TimeoutError as err:
        raise RpcError("deadline_exceeded", f"{request.full_url}: {err}") from None


def rpc_error_of(status, body):
    """The Connect error JSON of an HTTP error response, or the code its status stands for."""
    try:
        error = json.loads(body)
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return RpcError(error["code"], error.get("message", ""))
    except ValueError:
        pass
    text = body.decode("utf-8", "replace").strip()
    return RpcError(HTTP_STATUS_CODES.get(status, "unknown"), f"HTTP {status}: {text}")


def read_exactly(response, size):
    """`size` bytes of the response; None at the end of the body before any; raises if cut."""
    chunks = []
    remaining = size
    while remaining > 0:
        chunk = response.read(remaining)
        if not chunk:
            if remaining == size:
                return None
            raise RpcError("internal", "the stream ended inside an envelope")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def main(argv):
    args = parse_args(argv)
    client = TasksClient(args.base_url, args.token)
    try:
        return submit_and_wait(client, args)
    except RpcError as err:
        print(f"error: {err.code.upper()}: {err.message}", file=sys.stderr)
        return EXIT_RPC_ERROR
    except (OSError, http.client.HTTPException) as err:
        # The connection failed in the middle of an answer.
        print(f"error: UNAVAILABLE: {args.base_url}: {err!r}", file=sys.stderr)
        return EXIT_RPC_ERROR


def submit_and_wait(client, args):
    properties = {
        "command": args.command,
        "dimensions": [{"key": k, "value": v} for k, v in args.dimensions],
    }
    created = client.unary(
        "NewTask", {"name": args.name, "task_slices": [{"properties": properties}]}
    )
    task_id = created["task_id"]
    print(f"task {task_id} submitted: {created['result']['state']}", flush=True)

    final = wait_task(client, task_id)
    if final is None:
        print(f"error: WaitTask ended before task {task_id} reached a final state", file=sys.stderr)
        return EXIT_RPC_ERROR

    print_output(client, task_id)
    state = final["state"]
    # exit_code is an optional int64: a string when set, absent otherwise.
    exit_code = int(final["exit_code"]) if "exit_code" in final else None
    exit_text = "none" if exit_code is None else str(exit_code)
    print(f"state: {state}")
    print(f"exit code: {exit_text}")
    if final.get("summary"):
        print(f"summary: {final['summary']}")
    if state == "COMPLETED" and exit_code == args.expect_exit_code:
        return EXIT_OK
    print(
        f"error: task {task_id} ended {state} with exit code {exit_text}, "
        f"expected COMPLETED with exit code {args.expect_exit_code}",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED


def wait_task(client, task_id):
    """Follows WaitTask, printing each new state; the last result if it is final, else None."""
    last = None
    for result in client.server_stream("WaitTask", {"task_id": task_id}):
        if last is None or result["state"] != last["state"]:
            bot = f" on bot {result['bot_id']}" if result.get("bot_id") else ""
            print(f"  {result['state']}{bot}", flush=True)
        last = result
    if last is None or last["state"] in NOT_FINAL:
        return None
    return last


def print_output(client, task_id):
    """Reads the whole output with GetStdout, chunk by chunk, and copies it to stdout."""
    chunks = []
    offset = 0
    while True:
        out = client.unary(
            "GetStdout",
            # int64 fields go as strings in the proto3 JSON mapping.
            {"task_id": task_id, "offset": str(offset), "length": str(STDOUT_CHUNK_BYTES)},
        )
        data = base64.b64decode(out.get("output", ""))
        chunks.append(data)
        offset += len(data)
        if not data or offset >= int(out.get("size", "0")):
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
