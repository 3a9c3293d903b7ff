// SQS through the AWS SDK for JavaScript v3 (awsJson1_0). The SDK verifies MD5OfMessageBody on send and
// MD5OfBody on receive and throws on a mismatch, so passing this script checks our digests too.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  SQSClient, CreateQueueCommand, SendMessageCommand, SendMessageBatchCommand, ReceiveMessageCommand,
  DeleteMessageBatchCommand, GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, DeleteQueueCommand,
} from "@aws-sdk/client-sqs";
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, FilterLogEventsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";

const endpoint = process.env.TIDEWAY_ENDPOINT;
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const sqs = new SQSClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const suffix = Math.random().toString(16).slice(2, 10);

const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `js-${suffix}` }));
const body = "héllo 🌊 <js>\r\n";
const sent = await sqs.send(new SendMessageCommand({
  QueueUrl, MessageBody: body,
  MessageAttributes: { kind: { DataType: "String", StringValue: "order" }, bin: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2]) } },
}));
assert.equal(sent.MD5OfMessageBody, createHash("md5").update(body, "utf8").digest("hex"));
const batch = await sqs.send(new SendMessageBatchCommand({
  QueueUrl, Entries: [...Array(10).keys()].map(i => ({ Id: `e${i}`, MessageBody: `body ${i}`, MessageAttributes: { n: { DataType: "Number", StringValue: `${i}` } } })),
}));
assert.equal(batch.Successful.length, 10);
assert.ok(!batch.Failed || batch.Failed.length === 0);

const seen = [];
while (seen.length < 11) {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"], VisibilityTimeout: 60 }));
  assert.ok(Messages && Messages.length > 0, "expected messages");
  seen.push(...Messages);
}
const first = seen.find(m => m.MessageId === sent.MessageId);
assert.equal(first.Body, body);
assert.deepEqual([...first.MessageAttributes.bin.BinaryValue], [0, 1, 2]);
assert.equal(first.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: seen.slice(0, 10).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
assert.equal(del.Successful.length, 10);
const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] }));
assert.equal(Attributes.ApproximateNumberOfMessagesNotVisible, "1");
const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
assert.equal(empty.Messages, undefined);

await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: `missing-${suffix}` })), e => e instanceof QueueDoesNotExist && e.$metadata.httpStatusCode === 400);
await sqs.send(new DeleteQueueCommand({ QueueUrl }));

const logs = new CloudWatchLogsClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const group = `/js/${suffix}`;
await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
const now = Date.now();
await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: now, message: "ERROR boom" }, { timestamp: now + 1, message: "INFO fine" }] }));
const found = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: "ERROR" }));
assert.deepEqual(found.events.map(e => e.message), ["ERROR boom"]);
await assert.rejects(logs.send(new FilterLogEventsCommand({ logGroupName: `/missing/${suffix}` })), e => e instanceof ResourceNotFoundException);
console.log("ok js");
