"""Tideway's runtime for Python Lambda functions (python3.11, 3.12, 3.13).

Started as `python3 -u bootstrap.py` in the function's code directory. Speaks the
Lambda Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API: imports the handler
named by $_HANDLER, then serves one invocation at a time, forever.
Standard library only, so it runs on any interpreter the user has installed.
"""

import decimal
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API_VERSION = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
JSON_HEADERS = {"Content-Type": "application/json"}

# The request id shown in log lines; "" outside an invocation.
_current_request_id = ""


# --- Runtime API client ------------------------------------------------------


class ApiError(Exception):
    """The Runtime API's connection broke or it answered something that is not HTTP."""


class RuntimeApiClient:
    """Talks to the Runtime API over a single keep-alive connection.

    Opening a connection per call would cost more than the rest of an invoke,
    so the same socket carries every /next, /response and /error. HTTP/1.1 is
    written and read directly on the socket: http.client's header parsing
    alone cost about as much CPU per call as the server's side of the invoke.
    Response header names are returned in lower case.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._address = (host.strip("[]"), int(port))
        self._host = address
        self._sock = None
        self._reader = None

    def _connect(self):
        sock = socket.create_connection(self._address)
        # A handler module's socket.setdefaulttimeout() must not end the long poll on /next.
        sock.settimeout(None)
        # Calls are small and strictly request/response; Nagle would only add delay.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._reader = sock.makefile("rb")

    def _close(self):
        if self._sock is not None:
            self._reader.close()
            self._sock.close()
        self._sock = None
        self._reader = None

    def _call(self, method, path, body=None, headers=None):
        reused = self._sock is not None
        try:
            return self._send(method, path, body, headers)
        except (ApiError, OSError, ValueError):
            self._close()
            # A kept-alive socket may have been closed by the server while idle;
            # one retry on a fresh connection covers that. A fresh socket failing is fatal.
            if not reused:
                raise
        return self._send(method, path, body, headers)

    def _send(self, method, path, body, headers):
        if self._sock is None:
            self._connect()
        head = [f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n"]
        for name, value in (headers or {}).items():
            head.append(f"{name}: {_header_value(value)}\r\n")
        if body is not None:
            head.append(f"Content-Length: {len(body)}\r\n")
        head.append("\r\n")
        request = "".join(head).encode("latin-1")
        if body:
            if len(body) <= 65536:
                request += body
            else:
                self._sock.sendall(request)
                request = body
        self._sock.sendall(request)
        return self._read_response()

    def _line(self):
        line = self._reader.readline(65537)
        if not line.endswith(b"\n"):
            raise ApiError("the Runtime API closed the connection" if not line else "the Runtime API sent an overlong line")
        return line

    def _read_response(self):
        status_line = self._line().split(None, 2)
        if len(status_line) < 2 or not status_line[1].isdigit():
            raise ApiError(f"the Runtime API sent a malformed status line: {status_line!r}")
        status = int(status_line[1])
        headers = {}
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self._line().split(b";", 1)[0], 16)
                if size == 0:
                    while self._line() not in (b"\r\n", b"\n"):
                        pass
                    break
                parts.append(self._exactly(size))
                self._line()
            data = b"".join(parts)
        else:
            data = self._exactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, data

    def _exactly(self, count):
        data = self._reader.read(count) if count else b""
        if len(data) != count:
            raise ApiError("the Runtime API closed the connection mid-response")
        return data

    def next_invocation(self):
        status, headers, body = self._call("GET", API_VERSION + "/invocation/next")
        if status != 200:
            # The API answers anything but 200 only when the environment is broken.
            raise RuntimeError(f"Runtime API /invocation/next returned HTTP {status}")
        return headers, body

    def post_response(self, request_id, payload):
        self._post(f"{API_VERSION}/invocation/{request_id}/response", payload, JSON_HEADERS)

    def post_invocation_error(self, request_id, error):
        headers = {ERROR_TYPE_HEADER: error["errorType"], **JSON_HEADERS}
        self._post(f"{API_VERSION}/invocation/{request_id}/error", _to_json_bytes(error), headers)

    def post_init_error(self, error):
        headers = {ERROR_TYPE_HEADER: error["errorType"], **JSON_HEADERS}
        self._post(API_VERSION + "/init/error", _to_json_bytes(error), headers)

    def _post(self, path, payload, headers):
        status, _, body = self._call("POST", path, payload, headers)
        if status >= 500:
            # 500 means the environment is gone; the runtime is expected to exit.
            raise RuntimeError(f"Runtime API {path} returned HTTP {status}: {body[:200]!r}")
        if status >= 400:
            # e.g. 413 for an oversized response: the API has recorded its own error.
            _log_line(f"[WARNING] Runtime API {path} returned HTTP {status}: {body[:200].decode('utf-8', 'replace')}")


def _header_value(value):
    """A header value as printable ASCII: an error type is the user's class name, which may be any text
    (the error document in the body keeps it whole)."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in str(value))


# --- Serialization -----------------------------------------------------------


def _json_default(value):
    # Decimals (boto3 returns DynamoDB numbers as Decimal) become JSON numbers rather than a MarshalError.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _to_json_bytes(value):
    return json.dumps(value, default=_json_default).encode("utf-8")


# --- Errors ------------------------------------------------------------------


class InitFault(Exception):
    """A failure to load the handler, reported with one of AWS's Runtime.* types."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


_RUNTIME_FILE = os.path.abspath(__file__)
_IMPORTLIB_DIR = os.path.dirname(importlib.__file__) + os.sep


def _user_frames(tb):
    """Formatted frames of a traceback, without the runtime's and importlib's own."""
    frames = [
        frame
        for frame in traceback.extract_tb(tb)
        if frame.filename != _RUNTIME_FILE
        and not frame.filename.startswith(_IMPORTLIB_DIR)
        and not frame.filename.startswith("<frozen importlib")
    ]
    return traceback.format_list(frames)


def _error_body(error_type, message, stack_trace, request_id=""):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack_trace}


def _exception_body(exc, request_id=""):
    return _error_body(type(exc).__name__, str(exc), _user_frames(exc.__traceback__), request_id)


def _log_error(error):
    # Mirrors what AWS writes to the function's log when an error is reported.
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in error["stackTrace"])
    _log_line("\r".join(lines))


def _log_line(text):
    # One record per line: embedded newlines become \r so a line-based reader
    # keeps the record whole, as AWS's runtime does.
    sys.stdout.write(text.replace("\n", "\r") + "\n")
    sys.stdout.flush()


# --- Logging -----------------------------------------------------------------


class _OneLineHandler(logging.StreamHandler):
    def format(self, record):
        return super().format(record).replace("\n", "\r")


def _configure_logging():
    # Every record carries the current request id, so user formatters may use
    # %(aws_request_id)s as they can on AWS.
    make_record = logging.getLogRecordFactory()

    def record_with_request_id(*args, **kwargs):
        record = make_record(*args, **kwargs)
        record.aws_request_id = _current_request_id
        return record

    logging.setLogRecordFactory(record_with_request_id)

    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler = _OneLineHandler(sys.stdout)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    root.handlers[:] = [handler]  # user code calling basicConfig() then keeps this, as on AWS
    level_name = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper()
    aliases = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}
    level = logging.getLevelName(aliases.get(level_name, level_name))
    root.setLevel(level if isinstance(level, int) else logging.WARNING)


# --- Handler loading ---------------------------------------------------------


def _load_handler(spec):
    module_name, dot, function_name = spec.rpartition(".")
    if not dot or not module_name or not function_name:
        raise InitFault(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)",
        )

    import_name = module_name.replace("/", ".")
    if import_name.split(".")[0] in sys.builtin_module_names:
        message = f"Cannot use built-in module {module_name} as a handler module"
        raise InitFault("Runtime.BuiltInModuleConflict", message)

    try:
        module = importlib.import_module(import_name)
    except ImportError as exc:
        # AWS reports these with an empty stack trace; the message names the missing module.
        message = f"Unable to import module '{module_name}': {exc}"
        raise InitFault("Runtime.ImportModuleError", message) from None
    except SyntaxError as exc:
        where = [f'  File "{exc.filename}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n']
        message = f"Syntax error in module '{module_name}': {exc}"
        raise InitFault("Runtime.UserCodeSyntaxError", message, where) from None

    handler = getattr(module, function_name, None)
    if handler is None:
        raise InitFault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    if not callable(handler):
        message = f"Handler '{function_name}' on module '{module_name}' is not callable"
        raise InitFault("Runtime.HandlerNotFound", message)
    return handler


# --- Context -----------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity_id=None, pool_id=None):
        self.cognito_identity_id = identity_id
        self.cognito_identity_pool_id = pool_id

    def __repr__(self):
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id}, "
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, fields):
        client = fields.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = fields.get("custom")
        self.env = fields.get("env")


class LambdaContext:
    """The second handler argument, shaped like AWS's Python context object."""

    # Fixed for the life of the process, so read once.
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128") or 128)
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")

    def __init__(self, request_id, deadline_ms, invoked_function_arn, identity, client_context):
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms
        self.invoked_function_arn = invoked_function_arn
        self.identity = identity
        self.client_context = client_context

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self):
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
            f"function_version={self.function_version},invoked_function_arn={self.invoked_function_arn},"
            f"memory_limit_in_mb={self.memory_limit_in_mb}])"
        )


def _parse_json_header(value):
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _make_context(request_id, headers):
    identity_fields = _parse_json_header(headers.get("lambda-runtime-cognito-identity")) or {}
    client_fields = _parse_json_header(headers.get("lambda-runtime-client-context"))
    return LambdaContext(
        request_id,
        int(headers.get("lambda-runtime-deadline-ms") or 0),
        headers.get("lambda-runtime-invoked-function-arn", ""),
        CognitoIdentity(identity_fields.get("cognitoIdentityId"), identity_fields.get("cognitoIdentityPoolId")),
        ClientContext(client_fields) if client_fields is not None else None,
    )


# --- Main loop ---------------------------------------------------------------


def _handle_one(client, handler):
    global _current_request_id
    headers, body = client.next_invocation()
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    _current_request_id = request_id

    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    try:
        event = json.loads(body) if body else None
    except ValueError as exc:
        error = _error_body("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}", [], request_id)
        _log_error(error)
        client.post_invocation_error(request_id, error)
        return

    try:
        result = handler(event, _make_context(request_id, headers))
    except Exception as exc:
        error = _exception_body(exc, request_id)
        _log_error(error)
        client.post_invocation_error(request_id, error)
        return

    try:
        payload = _to_json_bytes(result)
    except (TypeError, ValueError, OverflowError) as exc:
        error = _error_body("Runtime.MarshalError", f"Unable to marshal response: {exc}", [], request_id)
        _log_error(error)
        client.post_invocation_error(request_id, error)
        return

    client.post_response(request_id, payload)


def main():
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()

    # Python put this file's own directory first on sys.path; the function's code
    # must come first instead, and a user module must never resolve to a runtime file.
    runtime_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != runtime_dir]
    sys.path.insert(0, task_root)

    _configure_logging()

    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except InitFault as fault:
        error = _error_body(fault.error_type, fault.message, fault.stack_trace)
    except Exception as exc:  # the module raised while being imported
        error = _exception_body(exc)
    else:
        error = None
    if error is not None:
        _log_error(error)
        client.post_init_error(error)
        sys.exit(1)

    while True:
        _handle_one(client, handler)


if __name__ == "__main__":
    main()
