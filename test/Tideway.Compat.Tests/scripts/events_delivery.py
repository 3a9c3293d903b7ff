"""EventBridge delivery end to end through boto3: PutEvents -> rule -> target, read back from SQS or CloudWatch Logs.

Usage: events_delivery.py SCENARIO, one of input-modes, dead-letter, logs, event-bus. Asserts as it goes and prints
'ok SCENARIO' at the end. Waits only by SQS long polling, or by a bounded loop of FilterLogEvents calls.
"""
import json
import os
import sys
import time
import uuid

import boto3
from botocore.config import Config

endpoint = os.environ["TIDEWAY_ENDPOINT"]
config = Config(retries={"max_attempts": 1})
events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1", config=config)
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", config=config)
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1", config=config)
suffix = uuid.uuid4().hex[:8]
ACCOUNT = "000000000000"
SOURCE = f"app.{suffix}"
ENVELOPE_KEYS = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]


def queue(name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive_one(url, **kwargs):
    """Long-polls until one message arrives (bounded), deletes it, and checks that no second one follows."""
    for _ in range(10):
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MaxNumberOfMessages=10, **kwargs).get("Messages", [])
        if messages:
            assert len(messages) == 1, messages
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return messages[0]
    raise AssertionError(f"nothing arrived in {url}")


def entry(detail, detail_type="Order", bus=None):
    result = {"Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail), "Resources": ["arn:aws:s3:::bucket1"]}
    if bus is not None:
        result["EventBusName"] = bus
    return result


def put(*entries):
    """PutEvents in one call; returns the event ids."""
    response = events.put_events(Entries=list(entries))
    assert response["FailedEntryCount"] == 0, response
    return [e["EventId"] for e in response["Entries"]]


def check_envelope(body, event_id, detail):
    event = json.loads(body)
    assert list(event) == ENVELOPE_KEYS, list(event)
    assert event["id"] == event_id and event["source"] == SOURCE and event["detail"] == detail, (event, event_id)
    assert event["account"] == ACCOUNT and event["region"] == "us-east-1" and event["resources"] == ["arn:aws:s3:::bucket1"], event
    return event


def input_modes():
    """The five ways a target's input is built, one target (and queue) each on one rule."""
    rule = f"modes-{suffix}"
    queues = {mode: queue(f"{mode}-{suffix}") for mode in ["whole", "constant", "path", "json", "text"]}
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [SOURCE]}))

    def arn(mode):
        return queues[mode][1]

    result = events.put_targets(Rule=rule, Targets=[
        {"Id": "whole", "Arn": arn("whole")},
        {"Id": "constant", "Arn": arn("constant"), "Input": '{"constant": true, "n": [1, 2]}'},
        {"Id": "path", "Arn": arn("path"), "InputPath": "$.detail"},
        {"Id": "json", "Arn": arn("json"), "InputTransformer": {
            "InputPathsMap": {"order": "$.detail.order", "amount": "$.detail.amount", "src": "$.source"},
            "InputTemplate": '{"order": <order>, "amount": <amount>, "from": "<src>", "rule": "<aws.events.rule-name>"}'}},
        {"Id": "text", "Arn": arn("text"), "InputTransformer": {
            "InputPathsMap": {"order": "$.detail.order", "amount": "$.detail.amount"},
            "InputTemplate": '"order <order> for <amount> EUR"'}},
    ])
    assert result["FailedEntryCount"] == 0, result
    detail = {"order": "o-1", "amount": 12.5, "lines": [{"sku": "a"}]}
    event_id, = put(entry(detail))
    whole = check_envelope(receive_one(queues["whole"][0])["Body"], event_id, detail)
    assert whole["detail-type"] == "Order" and whole["version"] == "0", whole
    constant = receive_one(queues["constant"][0])["Body"]
    assert constant == '{"constant": true, "n": [1, 2]}', constant  # verbatim
    path = receive_one(queues["path"][0])["Body"]
    assert json.loads(path) == detail, path
    transformed = receive_one(queues["json"][0])["Body"]
    # A JSON template is delivered minified (docs/compat/eventbridge.md).
    assert transformed == f'{{"order":"o-1","amount":12.5,"from":"{SOURCE}","rule":"{rule}"}}', transformed
    text = receive_one(queues["text"][0])["Body"]
    assert text == '"order o-1 for 12.5 EUR"', text


def dead_letter():
    """A target whose queue was deleted (and one whose log group never existed): not retried, sent to the DLQ."""
    rule = f"dlq-{suffix}"
    target_url, target_arn = queue(f"gone-{suffix}")
    dlq_url, dlq_arn = queue(f"dlq-{suffix}")
    group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/events/missing-{suffix}"
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [SOURCE]}))["RuleArn"]
    events.put_targets(Rule=rule, Targets=[
        {"Id": "queue", "Arn": target_arn, "DeadLetterConfig": {"Arn": dlq_arn}, "InputPath": "$.detail",
         "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 600}},
        {"Id": "logs", "Arn": group_arn, "DeadLetterConfig": {"Arn": dlq_arn}},
    ])
    sqs.delete_queue(QueueUrl=target_url)
    detail = {"order": "o-dead"}
    event_id, = put(entry(detail))
    dead = {}
    for _ in range(10):
        if len(dead) == 2:
            break
        for m in sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=2, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", []):
            dead[m["MessageAttributes"]["TARGET_ARN"]["StringValue"]] = m
    assert sorted(dead) == sorted([target_arn, group_arn]), dead
    for arn, m in dead.items():
        # The body is the original event, not the target's transformed input.
        check_envelope(m["Body"], event_id, detail)
        attributes = {name: (value["DataType"], value["StringValue"]) for name, value in m["MessageAttributes"].items()}
        assert attributes["RULE_ARN"] == ("String", rule_arn), attributes
        assert attributes["TARGET_ARN"] == ("String", arn), attributes
        assert attributes["ERROR_CODE"] == ("String", "NO_RESOURCE"), attributes
        assert attributes["ERROR_MESSAGE"][0] == "String" and attributes["ERROR_MESSAGE"][1], attributes
        assert attributes["RETRY_ATTEMPTS"] == ("String", "0"), attributes
        # Retries were skipped, not exhausted.
        assert "EXHAUSTED_RETRY_CONDITION" not in attributes, attributes
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0)


def log_group():
    """A CloudWatch Logs target: each event is one log event, in a stream of its own, whose message is the event."""
    group = f"/aws/events/{suffix}"
    logs.create_log_group(logGroupName=group)
    rule = f"logs-{suffix}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "log", "Arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"}])
    ids = set(put(entry({"n": 1}), entry({"n": 2})))
    deadline = time.monotonic() + 15
    found = []
    while time.monotonic() < deadline:
        found = logs.filter_log_events(logGroupName=group)["events"]
        if len(found) >= 2:
            break
    assert len(found) == 2, found
    by_id = {json.loads(e["message"])["id"]: e for e in found}
    assert set(by_id) == ids, (by_id, ids)
    for e in by_id.values():
        event = json.loads(e["message"])
        assert list(event) == ENVELOPE_KEYS and event["source"] == SOURCE, event
    assert len({e["logStreamName"] for e in found}) == 2, found
    found = logs.filter_log_events(logGroupName=group, filterPattern='{ $.detail.n = 2 }')["events"]
    assert len(found) == 1 and json.loads(found[0]["message"])["detail"] == {"n": 2}, found


def event_bus():
    """A rule on the default bus forwards to a custom bus, whose rule delivers to a queue; the event keeps its id."""
    bus = f"fwd-{suffix}"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, arn = queue(f"fwd-{suffix}")
    events.put_rule(Name=f"out-{suffix}", EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule=f"out-{suffix}", Targets=[{"Id": "bus", "Arn": bus_arn}])
    events.put_rule(Name="in", EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE], "detail-type": ["Order"]}))
    events.put_targets(Rule="in", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    detail = {"order": "o-fwd"}
    # Both go to the custom bus in one forwarded batch, where only the Order matches: once it has arrived, nothing else will.
    event_id, _ = put(entry(detail), entry({"order": "other"}, detail_type="Other"))
    event = check_envelope(receive_one(url)["Body"], event_id, detail)
    assert event["detail-type"] == "Order", event
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    # An event put on the custom bus directly (by ARN) is delivered by its rule too.
    direct, = put(entry({"order": "direct"}, bus=bus_arn))
    check_envelope(receive_one(url)["Body"], direct, {"order": "direct"})


scenario = sys.argv[1]
{"input-modes": input_modes, "dead-letter": dead_letter, "logs": log_group, "event-bus": event_bus}[scenario]()
print("ok", scenario)
