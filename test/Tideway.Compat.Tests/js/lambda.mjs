// Lambda through the AWS SDK for JavaScript v3 (REST-JSON), which maps errors to exception classes by name and copies
// extra body members (Type, Reason) onto them. Two parts, chosen by the first argument:
//   runtime  nodejs20.x functions run as real processes: an ESM (.mjs) and a CommonJS (.js) handler, the function's
//            variables, a handler that throws, process.exit(3), an init error, Event/DryRun, a throttle, a payload
//            that is not JSON, and the console lines in CloudWatch Logs;
//   api      the control plane: listing with markers, code and configuration updates, concurrency, event invoke
//            configs, permissions, tags, account settings, deletion, and the modelled errors.
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, ListFunctionsCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, DeleteFunctionCommand, InvokeCommand,
  PutFunctionConcurrencyCommand, GetFunctionConcurrencyCommand, DeleteFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand, UpdateFunctionEventInvokeConfigCommand,
  DeleteFunctionEventInvokeConfigCommand, ListFunctionEventInvokeConfigsCommand, AddPermissionCommand, RemovePermissionCommand,
  GetPolicyCommand, GetAccountSettingsCommand, TagResourceCommand, UntagResourceCommand, ListTagsCommand,
  ResourceNotFoundException, ResourceConflictException, InvalidParameterValueException, InvalidRequestContentException,
  TooManyRequestsException, PreconditionFailedException,
} from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";

const endpoint = process.env.TIDEWAY_ENDPOINT;
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
// One attempt: the SDK retries 429 and 5xx on its own, which would only hide what the server answered.
const lambda = new LambdaClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const logs = new CloudWatchLogsClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const suffix = Math.random().toString(16).slice(2, 10);
const ROLE = "arn:aws:iam::000000000000:role/lambda";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const arn = (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// A zip of stored (uncompressed) entries: enough for a function package, with no dependency.
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(name, "utf8");
    const data = Buffer.from(text, "utf8");
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, so the mode below is read
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

const ESM_HANDLER = `
export const handler = async (event, context) => {
  console.log("esm got", JSON.stringify(event));
  if (event.action === "throw") throw new Error("boom");
  if (event.action === "exit") process.exit(3);
  return {
    module: typeof require === "undefined" ? "esm" : "commonjs",
    event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    env: {
      name: process.env.AWS_LAMBDA_FUNCTION_NAME,
      region: process.env.AWS_REGION,
      color: process.env.COLOR,
      version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    },
  };
};
`;

const CJS_HANDLER = `
const os = require("node:os");
exports.handler = (event, context, callback) => {
  console.info("cjs got", JSON.stringify(event));
  callback(null, { module: typeof module === "object" && typeof require === "function" ? "commonjs" : "esm", event, version: VERSION, hostname: typeof os.hostname() });
};
const VERSION = "v1";
`;

const code = zip({ "index.mjs": ESM_HANDLER, "app.js": CJS_HANDLER });

async function create(name, extra = {}) {
  return lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: code }, ...extra,
  }));
}

async function invoke(name, payload, extra = {}) {
  const response = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encoder.encode(JSON.stringify(payload ?? {})), ...extra }));
  const text = response.Payload ? decoder.decode(response.Payload) : "";
  return { ...response, text, result: text ? JSON.parse(text) : undefined, tail: response.LogResult ? Buffer.from(response.LogResult, "base64").toString("utf8") : undefined };
}

async function poll(what, fn, seconds = 5) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await fn();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runtime() {
  const esm = `js-esm-${suffix}`;
  const cjs = `js-cjs-${suffix}`;
  await create(esm, { Environment: { Variables: { COLOR: "green" } }, MemorySize: 256 });
  await create(cjs, { Handler: "app.handler" });

  // An ES module handler (.mjs): the result, the function's variables, START/END/REPORT in the tail.
  const first = await invoke(esm, { n: 1 }, { LogType: "Tail" });
  assert.equal(first.StatusCode, 200);
  assert.equal(first.FunctionError, undefined);
  assert.equal(first.ExecutedVersion, "$LATEST");
  assert.equal(first.result.module, "esm");
  assert.deepEqual(first.result.event, { n: 1 });
  assert.equal(first.result.functionName, esm);
  assert.deepEqual(first.result.env, { name: esm, region: "us-east-1", color: "green", version: "$LATEST", memory: "256" });
  const requestId = first.result.requestId;
  assert.match(requestId, new RegExp(`^${UUID}$`));
  const lines = first.tail.split("\n");
  assert.ok(lines.includes(`START RequestId: ${requestId} Version: $LATEST`), first.tail);
  assert.ok(lines.some((l) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${requestId}\\tINFO\\tesm got {"n":1}$`).test(l)), first.tail);
  assert.ok(lines.includes(`END RequestId: ${requestId}`), first.tail);
  assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${requestId}\tDuration: `) && l.includes("\tMemory Size: 256 MB\t") && l.endsWith("\t")), first.tail);

  // A CommonJS handler (.js) that answers through the callback.
  const common = await invoke(cjs, { n: 2 });
  assert.equal(common.FunctionError, undefined, common.text);
  assert.deepEqual(common.result, { module: "commonjs", event: { n: 2 }, version: "v1", hostname: "string" });
  assert.equal(common.LogResult, undefined);

  // A handler that throws: 200, Unhandled, the error document of the Node runtime.
  const thrown = await invoke(esm, { action: "throw" });
  assert.equal(thrown.StatusCode, 200);
  assert.equal(thrown.FunctionError, "Unhandled");
  assert.equal(thrown.result.errorType, "Error");
  assert.equal(thrown.result.errorMessage, "boom");
  assert.ok(Array.isArray(thrown.result.trace) && thrown.result.trace[0] === "Error: boom", thrown.text);

  // process.exit(3): Runtime.ExitError; the next invocation starts a fresh environment.
  const exited = await invoke(esm, { action: "exit" });
  assert.equal(exited.FunctionError, "Unhandled");
  assert.equal(exited.result.errorType, "Runtime.ExitError");
  assert.match(exited.result.errorMessage, new RegExp(`^RequestId: ${UUID} Error: Runtime exited with error: exit status 3$`));
  const after = await invoke(esm, { n: 3 });
  assert.equal(after.FunctionError, undefined, after.text);
  assert.notEqual(after.result.requestId, requestId);

  // An init error: the handler's module is missing.
  const broken = `js-noimport-${suffix}`;
  await create(broken, { Handler: "missing.handler" });
  const init = await invoke(broken, {});
  assert.equal(init.StatusCode, 200);
  assert.equal(init.FunctionError, "Unhandled");
  assert.equal(init.result.errorType, "Runtime.ImportModuleError", init.text);
  assert.ok(init.result.errorMessage.startsWith("Error: Cannot find module 'missing'"), init.text);

  // Event (202) and DryRun (204): no payload.
  const marker = `js-async-${suffix}`;
  const queued = await lambda.send(new InvokeCommand({ FunctionName: esm, InvocationType: "Event", Payload: encoder.encode(JSON.stringify({ marker })) }));
  assert.equal(queued.StatusCode, 202);
  assert.ok(!queued.Payload || queued.Payload.length === 0);
  const dry = await lambda.send(new InvokeCommand({ FunctionName: esm, InvocationType: "DryRun" }));
  assert.equal(dry.StatusCode, 204);
  assert.ok(!dry.Payload || dry.Payload.length === 0);

  // A payload that is not JSON.
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: esm, Payload: encoder.encode("{not json") })),
    (e) => e instanceof InvalidRequestContentException && e.message.startsWith("Could not parse request body into json: ") && e.$metadata.httpStatusCode === 400);
  // An unknown function.
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: `missing-${suffix}` })),
    (e) => e instanceof ResourceNotFoundException && e.message === `Function not found: ${arn(`missing-${suffix}`)}:$LATEST` && e.$metadata.httpStatusCode === 404);

  // Reserved concurrency 0: TooManyRequestsException with its Reason.
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: cjs, ReservedConcurrentExecutions: 0 }));
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: cjs })),
    (e) => e instanceof TooManyRequestsException && e.message === "Rate Exceeded." && e.Reason === "ReservedFunctionConcurrentInvocationLimitExceeded"
      && e.$metadata.httpStatusCode === 429 && e.$fault === "client");

  // CloudWatch Logs: the console lines and START/END/REPORT in /aws/lambda/<name>, the async invocation's line too.
  const found = await poll(`the log lines of ${esm}`, async () => {
    let events;
    try {
      events = [];
      let nextToken;
      do {
        const page = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${esm}`, nextToken }));
        events.push(...page.events);
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (e) {
      if (e.name === "ResourceNotFoundException") return undefined;
      throw e;
    }
    const messages = events.map((e) => e.message);
    return messages.some((m) => m.startsWith(`REPORT RequestId: ${requestId}\t`)) && messages.some((m) => m.includes(`esm got {"marker":"${marker}"}`)) ? events : undefined;
  });
  const streams = new Set(found.map((e) => e.logStreamName));
  for (const stream of streams) assert.match(stream, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
  const mine = found.map((e) => e.message.replace(/\n$/, "")).filter((m) => m.includes(requestId));
  assert.equal(mine[0], `START RequestId: ${requestId} Version: $LATEST`, mine.join("\n"));
  assert.match(mine[1], new RegExp(`\\t${requestId}\\tINFO\\tesm got {"n":1}$`));
  assert.equal(mine[2], `END RequestId: ${requestId}`);
  assert.ok(mine[3].startsWith(`REPORT RequestId: ${requestId}\tDuration: `), mine.join("\n"));

  for (const name of [esm, cjs, broken]) await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
}

async function api() {
  const name = `js-api-${suffix}`;
  const created = await create(name, { Handler: "app.handler", Tags: { team: "a" }, Timeout: 5 });
  assert.equal(created.$metadata.httpStatusCode, 201);
  assert.equal(created.FunctionArn, arn(name));
  assert.equal(created.State, "Pending");
  assert.equal(created.CodeSize, code.length);
  await assert.rejects(create(name), (e) => e instanceof ResourceConflictException && e.message === `Function already exist: ${name}`
    && e.$metadata.httpStatusCode === 409 && e.Type === "User");
  await create(`${name}-2`);

  // GetFunction, GetFunctionConfiguration.
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  assert.equal(got.Configuration.State, "Active");
  assert.equal(got.Configuration.Timeout, 5);
  assert.equal(got.Code.RepositoryType, "S3");
  assert.deepEqual(got.Tags, { team: "a" });
  const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: arn(name) }));
  assert.equal(configuration.RevisionId, got.Configuration.RevisionId);
  await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: `missing-${suffix}` })),
    (e) => e instanceof ResourceNotFoundException && e.message === `Function not found: ${arn(`missing-${suffix}`)}` && e.$fault === "client" && e.Type === "User");

  // ListFunctions with MaxItems and Marker, page by page to the end.
  const names = [];
  let Marker;
  let pages = 0;
  do {
    const page = await lambda.send(new ListFunctionsCommand({ MaxItems: 3, Marker }));
    assert.ok(page.Functions.length <= 3);
    names.push(...page.Functions.map((f) => f.FunctionName));
    Marker = page.NextMarker;
    pages++;
  } while (Marker && pages < 1000);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes(name) && names.includes(`${name}-2`), names.join(","));

  // UpdateFunctionCode (RevisionId checked) and UpdateFunctionConfiguration.
  const code2 = zip({ "app.js": CJS_HANDLER.replace('"v1"', '"v2"') });
  await assert.rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code2, RevisionId: "00000000-0000-0000-0000-000000000000" })),
    (e) => e instanceof PreconditionFailedException && e.$metadata.httpStatusCode === 412);
  const updated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code2, RevisionId: configuration.RevisionId }));
  assert.equal(updated.CodeSize, code2.length);
  assert.equal(updated.LastUpdateStatus, "InProgress");
  const reconfigured = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 512, Environment: { Variables: { COLOR: "red" } } }));
  assert.equal(reconfigured.MemorySize, 512);
  assert.equal(reconfigured.Timeout, 5);
  assert.deepEqual(reconfigured.Environment, { Variables: { COLOR: "red" } });
  assert.equal((await invoke(name, {})).result.version, "v2");
  await assert.rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: encoder.encode("not a zip") })),
    (e) => e instanceof InvalidParameterValueException && e.message === "Could not unzip uploaded file. Please check your file, then try to upload again.");

  // Concurrency.
  assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions, undefined);
  assert.equal((await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 3 }))).ReservedConcurrentExecutions, 3);
  assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions, 3);
  assert.equal((await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }))).$metadata.httpStatusCode, 204);
  assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions, undefined);

  // Event invoke configuration: LastModified arrives as a Date (epoch seconds on the wire).
  const put = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }));
  assert.ok(put.LastModified instanceof Date && Math.abs(Date.now() - put.LastModified.getTime()) < 600_000, String(put.LastModified));
  assert.equal(put.FunctionArn, `${arn(name)}:$LATEST`);
  assert.equal(put.MaximumRetryAttempts, 0);
  // Tideway runs no SNS: a topic is refused where AWS would take it (docs/compat/lambda.md).
  await assert.rejects(lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, DestinationConfig: { OnSuccess: { Destination: `arn:aws:sns:us-east-1:000000000000:done-${suffix}` } } })),
    (e) => e instanceof InvalidParameterValueException && e.message.startsWith("Tideway runs no SNS"));
  const topic = `arn:aws:sqs:us-east-1:000000000000:done-${suffix}`;
  const merged = await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumEventAgeInSeconds: 3600, DestinationConfig: { OnSuccess: { Destination: topic } } }));
  assert.deepEqual([merged.MaximumRetryAttempts, merged.MaximumEventAgeInSeconds, merged.DestinationConfig.OnSuccess.Destination], [0, 3600, topic]);
  const fetched = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }));
  assert.deepEqual(fetched.DestinationConfig, { OnSuccess: { Destination: topic }, OnFailure: {} });
  const listed = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
  assert.deepEqual(listed.FunctionEventInvokeConfigs.map((c) => [c.FunctionArn, c.MaximumEventAgeInSeconds]), [[`${arn(name)}:$LATEST`, 3600]]);
  await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name }));
  await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })), (e) => e instanceof ResourceNotFoundException);
  await assert.rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 5 })),
    (e) => e.name === "ValidationException" && e.$metadata.httpStatusCode === 400, "MaximumRetryAttempts is 0 to 2");

  // Permissions.
  const added = await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "events", Action: "lambda:InvokeFunction",
    Principal: "events.amazonaws.com", SourceArn: "arn:aws:events:us-east-1:000000000000:rule/r1" }));
  assert.deepEqual(JSON.parse(added.Statement), { Sid: "events", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "lambda:InvokeFunction",
    Resource: arn(name), Condition: { ArnLike: { "AWS:SourceArn": "arn:aws:events:us-east-1:000000000000:rule/r1" } } });
  const policy = await lambda.send(new GetPolicyCommand({ FunctionName: name }));
  assert.deepEqual(JSON.parse(policy.Policy).Statement.map((s) => s.Sid), ["events"]);
  await assert.rejects(lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "events", RevisionId: "00000000-0000-0000-0000-000000000000" })),
    (e) => e instanceof PreconditionFailedException);
  await lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "events", RevisionId: policy.RevisionId }));
  await assert.rejects(lambda.send(new GetPolicyCommand({ FunctionName: name })),
    (e) => e instanceof ResourceNotFoundException && e.message === "The resource you requested does not exist.");

  // Tags.
  await lambda.send(new TagResourceCommand({ Resource: arn(name), Tags: { env: "test" } }));
  await lambda.send(new UntagResourceCommand({ Resource: arn(name), TagKeys: ["team"] }));
  assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: arn(name) }))).Tags, { env: "test" });

  // Account settings.
  const settings = await lambda.send(new GetAccountSettingsCommand({}));
  assert.equal(settings.AccountLimit.ConcurrentExecutions, 1000);
  assert.equal(settings.AccountLimit.CodeSizeZipped, 52428800);
  assert.ok(settings.AccountUsage.FunctionCount >= 2);

  // Bad input.
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: `${name}-rt`, Runtime: "nodejs99.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: code } })),
    (e) => e instanceof InvalidParameterValueException && e.message.startsWith("Value nodejs99.x at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [")
      && e.message.endsWith("] or be a valid ARN"));
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: `${name}-zip`, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: encoder.encode("nope") } })),
    (e) => e instanceof InvalidParameterValueException && e.message === "Could not unzip uploaded file. Please check your file, then try to upload again.");

  // DeleteFunction.
  assert.equal((await lambda.send(new DeleteFunctionCommand({ FunctionName: name }))).$metadata.httpStatusCode, 204);
  await lambda.send(new DeleteFunctionCommand({ FunctionName: arn(`${name}-2`) }));
  await assert.rejects(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
    (e) => e instanceof ResourceNotFoundException && e.message === `Function not found: ${arn(name)}`);
}

const part = process.argv[2] ?? "runtime";
await { runtime, api }[part]();
console.log(`ok js lambda ${part}`);
