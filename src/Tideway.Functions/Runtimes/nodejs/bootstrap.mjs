// Tideway's runtime for Node.js Lambda functions (nodejs20.x, nodejs22.x).
//
// Started as `node bootstrap.mjs` in the function's code directory. Speaks the
// Lambda Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API: loads the handler
// named by $_HANDLER, then serves one invocation at a time, forever.
// Node built-ins only, so it runs on whatever Node the user has installed.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const API_VERSION = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

const env = process.env;

// --- Runtime API client -----------------------------------------------------

// One socket carries every call: opening a connection per call would cost more
// than the rest of an invoke. HTTP/1.1 is spoken directly on a net.Socket (the
// http module's client cost about as much CPU per call as the server's side of
// the invoke). Calls never overlap; the socket is unref'd between calls, so an
// idle connection never holds the event loop open (callbackWaitsForEmptyEventLoop
// relies on that).
const [apiHost, apiPort] = splitHostPort(env.AWS_LAMBDA_RUNTIME_API ?? '');
const hostHeader = env.AWS_LAMBDA_RUNTIME_API ?? '';
const HEADER_END = Buffer.from('\r\n\r\n');
let apiSocket; // the kept-alive connection, or undefined
let apiQueue = Promise.resolve(); // calls in order, one at a time

function splitHostPort(address) {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), Number(address.slice(colon + 1))];
}

function callApi(method, urlPath, body, headers) {
  const call = apiQueue.then(() => callOnce(method, urlPath, body, headers, false));
  apiQueue = call.catch(() => {});
  return call;
}

function callOnce(method, urlPath, body, headers, isRetry) {
  const reused = apiSocket !== undefined;
  const socket = apiSocket ?? openSocket();
  return exchange(socket, method, urlPath, body, headers).catch((error) => {
    dropSocket(socket);
    // A kept-alive socket may have been closed by the server while idle; one
    // retry on a fresh connection covers that. A fresh socket failing is fatal.
    if (reused && !isRetry && error.beforeResponse) return callOnce(method, urlPath, body, headers, true);
    throw error;
  });
}

function openSocket() {
  const socket = net.connect({ host: apiHost, port: apiPort });
  socket.setNoDelay(true);
  socket.unref();
  // An idle socket closed by the server (or failing) is simply dropped; the next call opens another.
  socket.on('error', () => dropSocket(socket));
  socket.on('close', () => dropSocket(socket));
  apiSocket = socket;
  return socket;
}

function dropSocket(socket) {
  if (apiSocket === socket) apiSocket = undefined;
  socket.destroy();
}

// Sends one request and reads its response: {status, headers (lower-case names), body}.
function exchange(socket, method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    // Chunks are joined only to read the head and once the body is complete: a 6 MB event arrives in
    // about a hundred chunks, and joining at each would copy it a hundred times.
    const chunks = [];
    let total = 0;
    let head; // {status, headers, bodyStart}
    const joined = () => {
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
      chunks.length = 0;
      chunks.push(all);
      return all;
    };
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.unref();
    };
    const fail = (error) => {
      cleanup();
      error.beforeResponse = total === 0;
      reject(error);
    };
    const onError = (error) => fail(error);
    const onClose = () => fail(Object.assign(new Error('Runtime API connection closed'), { code: 'ECONNRESET' }));
    const onData = (chunk) => {
      chunks.push(chunk);
      total += chunk.length;
      let parsed;
      try {
        head ??= parseHead(joined());
        if (!head) return;
        const length = head.headers['content-length'];
        if (length !== undefined && head.headers['transfer-encoding'] === undefined && total < head.bodyStart + Number(length)) return;
        parsed = parseBody(head, joined());
      } catch (error) {
        fail(error);
        return;
      }
      if (!parsed) return;
      cleanup();
      if (head.headers.connection?.toLowerCase() === 'close') dropSocket(socket);
      resolve({ status: head.status, headers: head.headers, body: parsed });
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.ref();

    let text = `${method} ${urlPath} HTTP/1.1\r\nHost: ${hostHeader}\r\n`;
    // Header values as printable ASCII: an error type is the user's error name, which may be any text (the
    // error document in the body keeps it whole); a line break in it would end the header.
    for (const [name, value] of Object.entries(headers ?? {})) text += `${name}: ${String(value).replace(/[^\x20-\x7e]/g, '?')}\r\n`;
    if (body !== undefined) text += `Content-Length: ${body.length}\r\n`;
    text += '\r\n';
    socket.write(body === undefined ? text : Buffer.concat([Buffer.from(text, 'latin1'), body]));
  });
}

// The status line and headers, once all of them have arrived; undefined before that.
function parseHead(buffer) {
  const end = buffer.indexOf(HEADER_END);
  if (end < 0) return undefined;
  const lines = buffer.toString('latin1', 0, end).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  if (!Number.isInteger(status)) throw new Error(`Runtime API sent a malformed status line: ${lines[0]}`);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  return { status, headers, bodyStart: end + HEADER_END.length };
}

// The whole body once it has arrived (by Content-Length, or chunked); undefined before that.
function parseBody(head, buffer) {
  if (head.headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const chunks = [];
    let at = head.bodyStart;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('Runtime API sent a malformed chunk');
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) return Buffer.concat(chunks);
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = Number(head.headers['content-length'] ?? 0);
  if (buffer.length < head.bodyStart + length) return undefined;
  return buffer.subarray(head.bodyStart, head.bodyStart + length);
}

async function post(urlPath, body, errorType) {
  const payload = Buffer.from(body, 'utf8');
  const headers = { 'Content-Type': 'application/json' };
  if (errorType !== undefined) headers[ERROR_TYPE_HEADER] = errorType;
  const { status, body: reply } = await callApi('POST', urlPath, payload, headers);
  if (status >= 500) {
    // 500 means the environment is gone; the runtime is expected to exit.
    throw new Error(`Runtime API ${urlPath} returned HTTP ${status}: ${reply.toString('utf8', 0, 200)}`);
  }
  if (status >= 400) {
    // e.g. 413 for an oversized response: the API has recorded its own error.
    writeLog('WARN', `Runtime API ${urlPath} returned HTTP ${status}: ${reply.toString('utf8', 0, 200)}`);
  }
}

const postResponse = (requestId, json) => post(`${API_VERSION}/invocation/${requestId}/response`, json);
const postInvocationError = (requestId, error) =>
  post(`${API_VERSION}/invocation/${requestId}/error`, JSON.stringify(error), error.errorType);
const postInitError = (error) => post(`${API_VERSION}/init/error`, JSON.stringify(error), error.errorType);

// --- Logging ----------------------------------------------------------------

// The request id shown in log lines; AWS prints "undefined" outside an invocation.
let currentRequestId;

const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
const minimumLevel = LEVELS[(env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()] ?? LEVELS.TRACE;

// One record per line: embedded newlines become \r so a line-based reader keeps
// the record whole, as AWS's runtime does. stdout is synchronous for pipes and
// files on Linux, so records are never lost when the process exits.
function writeLog(level, message) {
  if (LEVELS[level] < minimumLevel) return;
  const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}`;
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

function patchConsole() {
  const route = (level) => (...args) => writeLog(level, util.format(...args));
  console.log = route('INFO');
  console.info = route('INFO');
  console.warn = route('WARN');
  console.error = route('ERROR');
  console.debug = route('DEBUG');
  console.trace = route('TRACE');
  console.fatal = route('FATAL');
}

// --- Errors -----------------------------------------------------------------

// An error reported with one of AWS's Runtime.* types.
class RuntimeFault extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    if (cause !== undefined) this.cause = cause;
  }
}

// The body AWS's Node runtime posts: {errorType, errorMessage, trace}.
function describeError(error) {
  if (error instanceof Error || (error !== null && typeof error === 'object' && 'message' in error)) {
    return {
      errorType: String(error.name ?? error.constructor?.name ?? 'Error'),
      errorMessage: String(error.message ?? ''),
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  // Non-errors (callback('oops'), throw 42) are typed by their JS type, as on AWS.
  let message;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { errorType: typeof error, errorMessage: message, trace: [] };
}

// A fault about user code carries the underlying error's stack, not ours.
function describeFault(fault) {
  const described = describeError(fault);
  if (fault.cause instanceof Error) {
    described.trace = [`${fault.name}: ${fault.message}`, ...stackWithoutHeader(fault.cause)];
  }
  return described;
}

// A stack minus its "Name: message" header (which may span lines). What comes
// before the header is kept: for CommonJS syntax errors it is the file, line and caret.
function stackWithoutHeader(error) {
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const header = `${error.name}: ${error.message}`;
  const at = stack.indexOf(header);
  if (at < 0) return stack.split('\n').slice(1);
  const location = stack.slice(0, at).split('\n').filter((line) => line.trim() !== '');
  return [...location, ...stack.slice(at + header.length).split('\n').filter((line) => line !== '')];
}

// --- Handler loading --------------------------------------------------------

function findModuleFile(base) {
  for (const extension of HANDLER_EXTENSIONS) {
    const candidate = base + extension;
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function loadHandler(spec, taskRoot) {
  // "src/app.handlers.main": the module is everything up to the first dot after
  // the last slash; the rest is a property path into its exports.
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === spec.length - 1) {
    throw new RuntimeFault('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  }
  const moduleName = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1).split('.');

  const file = findModuleFile(path.resolve(taskRoot, moduleName));
  if (file === undefined) {
    throw new RuntimeFault('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
  }

  let namespace;
  try {
    // import() handles .mjs, .cjs and .js alike; for .js Node itself decides
    // ESM or CommonJS from the nearest package.json "type".
    namespace = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error?.name === 'SyntaxError') {
      throw new RuntimeFault('Runtime.UserCodeSyntaxError', `SyntaxError: ${error.message}`, error);
    }
    if (error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new RuntimeFault('Runtime.ImportModuleError', `Error: ${error.message}`, error);
    }
    throw error; // the module threw while loading: reported as its own error
  }

  // A CommonJS module's exports are also on `default`, including any the
  // static export detection could not see (e.g. assigned in a loop).
  const handler = resolvePath(namespace, exportPath) ?? resolvePath(namespace.default, exportPath);
  if (handler === undefined || handler === null) {
    throw new RuntimeFault('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new RuntimeFault('Runtime.HandlerNotFound', `${spec} is not a function`);
  }
  return handler;
}

function resolvePath(root, names) {
  let value = root;
  for (const name of names) {
    if (value === undefined || value === null) return undefined;
    value = value[name];
  }
  return value;
}

// --- Invocation -------------------------------------------------------------

const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
const functionVersion = env.AWS_LAMBDA_FUNCTION_VERSION;
const memoryLimitInMB = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
const logGroupName = env.AWS_LAMBDA_LOG_GROUP_NAME;
const logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME;

function parseJsonHeader(value) {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

// Runs the handler and settles with {ok, value} or {ok: false, error}, whichever
// way the handler finishes: returned promise, callback, context.done/succeed/fail.
function runHandler(handler, event, requestId, headers) {
  return new Promise((resolve) => {
    let settled = false;
    let deferred; // a callback result waiting for the event loop to drain

    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      process.removeListener('beforeExit', onEventLoopEmpty);
      resolve(outcome);
    };
    const outcomeOf = (error, value) =>
      error === undefined || error === null ? { ok: true, value } : { ok: false, error };

    // Nothing left to run: deliver a deferred callback result, or null if the
    // handler never produced one (AWS answers null in that case too).
    const onEventLoopEmpty = () => settle(deferred ?? { ok: true, value: null });
    process.on('beforeExit', onEventLoopEmpty);

    const deadline = Number(headers['lambda-runtime-deadline-ms'] ?? 0);
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion,
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB,
      awsRequestId: requestId,
      logGroupName,
      logStreamName,
      identity: parseJsonHeader(headers['lambda-runtime-cognito-identity']),
      clientContext: parseJsonHeader(headers['lambda-runtime-client-context']),
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
      // The legacy context methods finish at once, without waiting for the loop.
      done: (error, value) => settle(outcomeOf(error, value)),
      succeed: (value) => settle({ ok: true, value }),
      fail: (error) => settle({ ok: false, error: error ?? 'handled' }),
    };

    const callback = (error, value) => {
      if (settled || deferred !== undefined) return;
      if (context.callbackWaitsForEmptyEventLoop) deferred = outcomeOf(error, value);
      else settle(outcomeOf(error, value));
    };

    try {
      const result = handler(event, context, callback);
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
        result.then(
          (value) => settle({ ok: true, value }),
          (error) => settle({ ok: false, error: error ?? new Error('Promise rejected without a reason') }),
        );
      }
    } catch (error) {
      settle({ ok: false, error });
    }
  });
}

// Set while the handler runs, so a crash can be reported against its invocation.
let activeRequestId;
let initialized = false;
let crashing = false;

async function reportInvocationError(requestId, described) {
  const logged = { errorType: described.errorType, errorMessage: described.errorMessage, stack: described.trace };
  writeLog('ERROR', `Invoke Error \t${JSON.stringify(logged)}`);
  await postInvocationError(requestId, described);
}

async function handleOne(handler) {
  const next = await callApi('GET', `${API_VERSION}/invocation/next`);
  if (next.status !== 200) {
    throw new Error(`Runtime API /invocation/next returned HTTP ${next.status}`);
  }
  const headers = next.headers;
  const requestId = headers['lambda-runtime-aws-request-id'];
  currentRequestId = requestId;

  const traceId = headers['lambda-runtime-trace-id'];
  if (traceId) env._X_AMZN_TRACE_ID = traceId;
  else delete env._X_AMZN_TRACE_ID;

  let event;
  try {
    event = next.body.length === 0 ? null : JSON.parse(next.body.toString('utf8'));
  } catch (error) {
    const fault = new RuntimeFault('Runtime.UnmarshalError', `Unable to parse event: ${error.message}`);
    await reportInvocationError(requestId, describeError(fault));
    return;
  }

  activeRequestId = requestId;
  const outcome = await runHandler(handler, event, requestId, headers);
  if (crashing) return new Promise(() => {}); // the crash handler reports and exits
  activeRequestId = undefined;

  if (!outcome.ok) {
    await reportInvocationError(requestId, describeError(outcome.error));
    return;
  }
  let json;
  try {
    json = JSON.stringify(outcome.value === undefined ? null : outcome.value) ?? 'null';
  } catch (error) {
    const fault = new RuntimeFault('Runtime.MarshalError', `Unable to stringify response body: ${error.message}`);
    await reportInvocationError(requestId, describeError(fault));
    return;
  }
  await postResponse(requestId, json);
}

// An error that escapes the handler's own flow (a rejection nobody handled, an
// exception thrown from a timer) fails the invocation in flight, or the init if
// the handler is still loading, and ends the process, as on AWS; the next
// invocation gets a fresh runtime.
function installCrashHandlers() {
  const crash = async (described, exitCode) => {
    if (crashing) return;
    crashing = true;
    const requestId = activeRequestId;
    try {
      if (requestId !== undefined) {
        await reportInvocationError(requestId, described);
      } else {
        writeLog('ERROR', `Uncaught Exception \t${JSON.stringify(described)}`);
        if (!initialized) await postInitError(described);
      }
    } finally {
      process.exit(exitCode);
    }
  };
  process.on('unhandledRejection', (reason) => {
    const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    const stack = reason instanceof Error && typeof reason.stack === 'string' ? reason.stack.split('\n').slice(1) : [];
    crash(
      {
        errorType: 'Runtime.UnhandledPromiseRejection',
        errorMessage: message,
        trace: [`Runtime.UnhandledPromiseRejection: ${message}`, ...stack],
      },
      128,
    );
  });
  process.on('uncaughtException', (error) => crash(describeError(error), 129));
}

async function main() {
  patchConsole();
  installCrashHandlers();
  const taskRoot = env.LAMBDA_TASK_ROOT || process.cwd();

  let handler;
  try {
    handler = await loadHandler(env._HANDLER ?? '', taskRoot);
  } catch (error) {
    if (crashing) return; // the crash handler is already reporting
    const described = error instanceof RuntimeFault ? describeFault(error) : describeError(error);
    writeLog('ERROR', `Uncaught Exception \t${JSON.stringify(described)}`);
    await postInitError(described);
    process.exit(1);
  }
  initialized = true;

  for (;;) {
    await handleOne(handler);
  }
}

main().catch((error) => {
  process.stderr.write(`Tideway runtime failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
