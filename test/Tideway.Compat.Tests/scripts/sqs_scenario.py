"""Every SQS operation through boto3 against Tideway; asserts as it goes and prints 'ok' at the end.

Run with the machine's pyenv python (boto3 1.43, awsJson1_0) and with Debian's python3 (boto3 1.26,
awsQuery/XML): the same scenario must pass over both protocols.
"""
import base64
import json
import os
import sys
import time
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["TIDEWAY_ENDPOINT"]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   config=Config(retries={"max_attempts": 1}))
suffix = uuid.uuid4().hex[:8]
json_protocol = sqs.meta.service_model.protocol == "json"


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] < 500, e
        return e
    raise AssertionError(f"expected {code}, call succeeded")


# --- queues
url = sqs.create_queue(QueueName=f"orders-{suffix}", Attributes={"VisibilityTimeout": "45"},
                       tags={"team": "payments"})["QueueUrl"]
assert url.endswith(f"/000000000000/orders-{suffix}"), url
assert sqs.create_queue(QueueName=f"orders-{suffix}", Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
expect_error("QueueAlreadyExists", sqs.create_queue, QueueName=f"orders-{suffix}", Attributes={"VisibilityTimeout": "46"})
expect_error("InvalidParameterValue", sqs.create_queue, QueueName="bad name!")
expect_error("InvalidAttributeName", sqs.create_queue, QueueName=f"x-{suffix}", Attributes={"Nope": "1"})
assert sqs.get_queue_url(QueueName=f"orders-{suffix}")["QueueUrl"] == url
e = expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName=f"missing-{suffix}")
assert type(e).__name__ == "QueueDoesNotExist", type(e).__name__

urls = []
for i in range(3):
    urls.append(sqs.create_queue(QueueName=f"page-{suffix}-{i}")["QueueUrl"])
listed = sqs.list_queues(QueueNamePrefix=f"page-{suffix}")["QueueUrls"]
assert listed == urls, listed
page1 = sqs.list_queues(QueueNamePrefix=f"page-{suffix}", MaxResults=2)
assert page1["QueueUrls"] == urls[:2] and "NextToken" in page1, page1
page2 = sqs.list_queues(QueueNamePrefix=f"page-{suffix}", MaxResults=2, NextToken=page1["NextToken"])
assert page2["QueueUrls"] == urls[2:] and "NextToken" not in page2, page2

attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["VisibilityTimeout"] == "45" and attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:orders-{suffix}", attrs
assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["MaximumMessageSize"] == "262144", attrs
sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0", "MessageRetentionPeriod": "86400"})
one = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])["Attributes"]
assert one == {"MessageRetentionPeriod": "86400"}, one
expect_error("InvalidAttributeName", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Bogus"])
expect_error("InvalidAttributeValue", sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "99999"})

# --- tags
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "payments"}
sqs.tag_queue(QueueUrl=url, Tags={"env": "test"})
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "payments", "env": "test"}
sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}

# --- send / receive / delete
sent = sqs.send_message(QueueUrl=url, MessageBody="hello \u00e9\U0001F600\r\n<&>",
                        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"},
                                           "n": {"DataType": "Number", "StringValue": "42"},
                                           "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"}},
                        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
import hashlib
assert sent["MD5OfMessageBody"] == hashlib.md5("hello \u00e9\U0001F600\r\n<&>".encode()).hexdigest()
assert len(sent["MD5OfMessageAttributes"]) == 32 and len(sent["MD5OfMessageSystemAttributes"]) == 32, sent
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                          MessageAttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
assert len(got) == 1, got
m = got[0]
assert m["Body"] == "hello \u00e9\U0001F600\r\n<&>", repr(m["Body"])
assert m["MessageId"] == sent["MessageId"]
assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"], (m, sent)
assert m["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\x01\x02", m["MessageAttributes"]
assert m["MessageAttributes"]["n"] == {"DataType": "Number", "StringValue": "42"}
assert m["Attributes"]["ApproximateReceiveCount"] == "1" and m["Attributes"]["SenderId"] == "000000000000", m["Attributes"]
assert m["Attributes"]["AWSTraceHeader"].startswith("Root="), m["Attributes"]
assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"], MessageAttributeNames=["k.*", "n"])["Messages"][0]
assert again["Attributes"] == {"ApproximateReceiveCount": "2"}, again
assert list(again["MessageAttributes"].keys()) == ["n"], again
sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])  # deleting twice succeeds, as SQS
expect_error("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="not-a-handle")
expect_error("InvalidParameterValue", sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=10)

batch = sqs.send_message_batch(QueueUrl=url, Entries=[
    {"Id": f"m{i}", "MessageBody": f"body {i}", "DelaySeconds": 0} for i in range(10)])
assert sorted(e["Id"] for e in batch["Successful"]) == sorted(f"m{i}" for i in range(10)), batch
assert not batch.get("Failed"), batch
partial = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "good", "MessageBody": "fine"}, {"Id": "bad", "MessageBody": "\u0000"}])
assert [e["Id"] for e in partial["Successful"]] == ["good"], partial
assert partial["Failed"][0]["Id"] == "bad" and partial["Failed"][0]["Code"] == "InvalidMessageContents" and partial["Failed"][0]["SenderFault"], partial
expect_error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", sqs.send_message_batch, QueueUrl=url,
             Entries=[{"Id": f"m{i}", "MessageBody": "x"} for i in range(11)])
expect_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.send_message_batch, QueueUrl=url,
             Entries=[{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}])
expect_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x" * 262145)
expect_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x",
             MessageAttributes={"AWS.reserved": {"DataType": "String", "StringValue": "v"}})

received = []
while len(received) < 11:
    chunk = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
    assert chunk, received
    received.extend(chunk)
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
assert attrs == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "11"}, attrs
vis = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
    {"Id": "a", "ReceiptHandle": received[0]["ReceiptHandle"], "VisibilityTimeout": 120},
    {"Id": "b", "ReceiptHandle": "garbage", "VisibilityTimeout": 120}])
assert [e["Id"] for e in vis["Successful"]] == ["a"] and vis["Failed"][0]["Code"] == "ReceiptHandleIsInvalid", vis
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": r["ReceiptHandle"]} for i, r in enumerate(received[:10])])
assert len(deleted["Successful"]) == 10, deleted
sqs.purge_queue(QueueUrl=url)
expect_error("AWS.SimpleQueueService.PurgeQueueInProgress", sqs.purge_queue, QueueUrl=url)
assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"

# --- a waiting receive returns the message sent meanwhile, well before its 20 s wait ends
import threading
waiter = {}
def poll():
    started = time.monotonic()
    waiter["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
    waiter["seconds"] = time.monotonic() - started
t = threading.Thread(target=poll)
t.start()
sqs.send_message(QueueUrl=url, MessageBody="wake up")
t.join(25)
assert waiter["messages"][0]["Body"] == "wake up" and waiter["seconds"] < 10, waiter

# --- dead-letter queue and redrive back
dlq = sqs.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
src = sqs.create_queue(QueueName=f"src-{suffix}", Attributes={
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}), "VisibilityTimeout": "0"})["QueueUrl"]
policy = json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
assert policy == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}, policy
poison = sqs.send_message(QueueUrl=src, MessageBody="poison")["MessageId"]
for _ in range(2):
    assert len(sqs.receive_message(QueueUrl=src)["Messages"]) == 1
assert "Messages" not in sqs.receive_message(QueueUrl=src)
dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
assert dead["MessageId"] == poison and dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(f":src-{suffix}"), dead
assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
if hasattr(sqs, "start_message_move_task"):
    task = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    for _ in range(100):
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if tasks[0]["Status"] == "COMPLETED":
            break
        time.sleep(0.05)
    assert tasks[0]["Status"] == "COMPLETED" and tasks[0]["ApproximateNumberOfMessagesMoved"] == 1, tasks
    back = sqs.receive_message(QueueUrl=src, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert back["MessageId"] == poison and back["Attributes"]["ApproximateReceiveCount"] == "1", back

# --- FIFO
fifo = sqs.create_queue(QueueName=f"fifo-{suffix}.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
r1 = sqs.send_message(QueueUrl=fifo, MessageBody="one", MessageGroupId="g")
r2 = sqs.send_message(QueueUrl=fifo, MessageBody="one", MessageGroupId="g")
assert r1["MessageId"] == r2["MessageId"] and int(r1["SequenceNumber"]) > 0, (r1, r2)
sqs.send_message(QueueUrl=fifo, MessageBody="two", MessageGroupId="g")
expect_error("MissingParameter", sqs.send_message, QueueUrl=fifo, MessageBody="x")
ordered = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
assert [x["Body"] for x in ordered] == ["one", "two"], ordered
assert ordered[0]["Attributes"]["MessageGroupId"] == "g" and "SequenceNumber" in ordered[0]["Attributes"], ordered[0]
assert "Messages" not in sqs.receive_message(QueueUrl=fifo)

# --- delete
sqs.delete_queue(QueueUrl=url)
expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])
expect_error("AWS.SimpleQueueService.QueueDeletedRecently", sqs.create_queue, QueueName=f"orders-{suffix}")
print("ok", boto3.__version__, "json" if json_protocol else "query")
