// EventBridge through the AWS SDK for JavaScript v3 (awsJson1_1): rules, targets, events delivered to SQS,
// TestEventPattern, UpdateEventBus, and the modelled errors mapped to their exception classes.
import assert from "node:assert/strict";
import {
  EventBridgeClient, CreateEventBusCommand, UpdateEventBusCommand, DescribeEventBusCommand, DeleteEventBusCommand,
  PutRuleCommand, DescribeRuleCommand, ListRulesCommand, PutTargetsCommand, ListTargetsByRuleCommand, RemoveTargetsCommand,
  DeleteRuleCommand, PutEventsCommand, TestEventPatternCommand, ResourceNotFoundException, InvalidEventPatternException,
  ResourceAlreadyExistsException,
} from "@aws-sdk/client-eventbridge";
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";

const endpoint = process.env.TIDEWAY_ENDPOINT;
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const events = new EventBridgeClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const sqs = new SQSClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const suffix = Math.random().toString(16).slice(2, 10);
const source = `js.${suffix}`;

// A bus of our own, updated (the AWS CLI and boto3 1.26 on this machine predate UpdateEventBus).
const bus = `js-${suffix}`;
const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: bus, Description: "first" }));
assert.equal(EventBusArn, `arn:aws:events:us-east-1:000000000000:event-bus/${bus}`);
await assert.rejects(events.send(new CreateEventBusCommand({ Name: bus })), e => e instanceof ResourceAlreadyExistsException && e.message === `Event bus ${bus} already exists.`);
const updated = await events.send(new UpdateEventBusCommand({ Name: bus, Description: "second" }));
assert.equal(updated.Arn, EventBusArn);
assert.equal(updated.Description, "second");
const described = await events.send(new DescribeEventBusCommand({ Name: bus }));
assert.equal(described.Description, "second");
assert.ok(described.CreationTime instanceof Date && described.LastModifiedTime instanceof Date, JSON.stringify(described));

// Rules and targets on that bus; events delivered to a queue.
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `js-events-${suffix}` }));
const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
const pattern = JSON.stringify({ source: [source], detail: { kind: [{ prefix: "order" }] } });
const { RuleArn } = await events.send(new PutRuleCommand({ Name: "orders", EventBusName: bus, EventPattern: pattern }));
assert.equal(RuleArn, `arn:aws:events:us-east-1:000000000000:rule/${bus}/orders`);
await events.send(new PutRuleCommand({ Name: "other", EventBusName: bus, EventPattern: pattern, State: "DISABLED" }));
const put = await events.send(new PutTargetsCommand({
  Rule: "orders", EventBusName: bus,
  Targets: [{ Id: "q", Arn: Attributes.QueueArn, InputTransformer: { InputPathsMap: { kind: "$.detail.kind" }, InputTemplate: '{"kind": <kind>, "rule": "<aws.events.rule-arn>"}' } }],
}));
assert.deepEqual([put.FailedEntryCount, put.FailedEntries], [0, []]);
const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: "orders", EventBusName: bus }));
assert.deepEqual(Targets.map(t => [t.Id, t.Arn]), [["q", Attributes.QueueArn]]);

const rules = await events.send(new ListRulesCommand({ EventBusName: bus }));
assert.deepEqual(rules.Rules.map(r => [r.Name, r.State, r.EventPattern]), [["orders", "ENABLED", pattern], ["other", "DISABLED", pattern]]);
const paged = [];
let NextToken;
do {
  const page = await events.send(new ListRulesCommand({ EventBusName: bus, Limit: 1, NextToken }));
  paged.push(...page.Rules.map(r => r.Name));
  NextToken = page.NextToken;
} while (NextToken && paged.length < 10);
assert.deepEqual(paged, ["orders", "other"]);

const sent = await events.send(new PutEventsCommand({
  Entries: [
    { EventBusName: bus, Source: source, DetailType: "Order", Detail: JSON.stringify({ kind: "order-placed" }), Time: new Date("2026-01-02T03:04:05Z") },
    { EventBusName: bus, Source: source, DetailType: "Order", Detail: "{not json" },
  ],
}));
assert.equal(sent.FailedEntryCount, 1);
assert.match(sent.Entries[0].EventId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
assert.deepEqual(sent.Entries[1], { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." });
let Messages;
for (let i = 0; i < 10 && !Messages; i++) {
  ({ Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 })));
}
assert.equal(Messages.length, 1);
assert.equal(Messages[0].Body, `{"kind":"order-placed","rule":"${RuleArn}"}`);

// TestEventPattern.
const event = JSON.stringify({ id: "1", source, "detail-type": "Order", account: "000000000000", region: "us-east-1", time: "2026-01-02T03:04:05Z", resources: [], detail: { kind: "order-x" } });
assert.equal((await events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: event }))).Result, true);
assert.equal((await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: ["elsewhere"] }), Event: event }))).Result, false);
await assert.rejects(events.send(new TestEventPatternCommand({ EventPattern: '{"source": "x"}', Event: event })),
  e => e instanceof InvalidEventPatternException && e.message === 'Event pattern is not valid. Reason: "source" must be an object or an array' && e.$metadata.httpStatusCode === 400);

// Errors: the modelled ResourceNotFoundException, by class and by name.
await assert.rejects(events.send(new DescribeRuleCommand({ Name: `missing-${suffix}` })),
  e => e instanceof ResourceNotFoundException && e.name === "ResourceNotFoundException" && e.message === `Rule missing-${suffix} does not exist on EventBus default.` && e.$fault === "client");
await assert.rejects(events.send(new PutTargetsCommand({ Rule: `missing-${suffix}`, Targets: [{ Id: "q", Arn: Attributes.QueueArn }] })),
  e => e.name === "ResourceNotFoundException");
await assert.rejects(events.send(new DeleteRuleCommand({ Name: "orders", EventBusName: bus })),
  e => e.name === "ValidationException" && e.message === "Rule can't be deleted since it has targets.");

await events.send(new RemoveTargetsCommand({ Rule: "orders", EventBusName: bus, Ids: ["q"] }));
await events.send(new DeleteRuleCommand({ Name: "orders", EventBusName: bus }));
await events.send(new DeleteEventBusCommand({ Name: bus }));
await assert.rejects(events.send(new DescribeEventBusCommand({ Name: bus })), e => e instanceof ResourceNotFoundException);
console.log("ok js events");
