"""Every EventBridge operation Tideway serves, through boto3; asserts as it goes and prints 'ok' at the end.

Run with the machine's pyenv python (boto3 1.43) and with Debian's python3 (boto3 1.26): both speak awsJson1_1,
but their service models differ (1.26 has no UpdateEventBus, and fewer output members). Ends with an
end-to-end delivery: event -> rule -> SQS target, and checks the envelope the queue receives.
"""
import datetime
import json
import os
import re
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["TIDEWAY_ENDPOINT"]
config = Config(retries={"max_attempts": 1})
events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1", config=config)
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", config=config)
suffix = uuid.uuid4().hex[:8]
ACCOUNT = "000000000000"
PREFIX = f"arn:aws:events:us-east-1:{ACCOUNT}"
operations = events.meta.service_model.operation_names


def has_member(operation, member, output=False):
    model = events.meta.service_model.operation_model(operation)
    shape = model.output_shape if output else model.input_shape
    return member in shape.members


def expect_error(code, message, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        error = e.response["Error"]
        assert error["Code"] == code, f"expected {code}, got {error}"
        if message is not None:
            assert error["Message"] == message, f"expected message {message!r}, got {error['Message']!r}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response["ResponseMetadata"]
        return e
    raise AssertionError(f"expected {code}, call succeeded")


def bare(response):
    response.pop("ResponseMetadata", None)
    return response


def queue(name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


# --- event buses
bus = f"bus-{suffix}"
bus_arn = f"{PREFIX}:event-bus/{bus}"
described_bus = has_member("CreateEventBus", "Description")  # boto3 1.43; 1.26's model has no bus descriptions
created = events.create_event_bus(Name=bus, Tags=[{"Key": "team", "Value": "payments"}], **({"Description": "orders bus"} if described_bus else {}))
assert created["EventBusArn"] == bus_arn, created
if described_bus:
    assert created["Description"] == "orders bus", created
events.create_event_bus(Name=f"{bus}-2")
expect_error("ResourceAlreadyExistsException", f"Event bus {bus} already exists.", events.create_event_bus, Name=bus)
expect_error("ValidationException", "EventBus name starting with 'aws.' is not valid.", events.create_event_bus, Name=f"aws.{suffix}")
expect_error("ValidationException", "Event bus name must not contain '/'.", events.create_event_bus, Name=f"a/{suffix}")

described = events.describe_event_bus(Name=bus)
assert described["Name"] == bus and described["Arn"] == bus_arn, described
assert "Policy" not in described, described
if described_bus:
    assert described["Description"] == "orders bus", described
assert events.describe_event_bus(Name=bus_arn)["Name"] == bus
assert events.describe_event_bus()["Arn"] == f"{PREFIX}:event-bus/default"
expect_error("ResourceNotFoundException", f"Event bus missing-{suffix} does not exist.", events.describe_event_bus, Name=f"missing-{suffix}")

listed = events.list_event_buses(NamePrefix=bus)
assert [b["Name"] for b in listed["EventBuses"]] == [bus, f"{bus}-2"] and "NextToken" not in listed, listed
page1 = events.list_event_buses(NamePrefix=bus, Limit=1)
assert [b["Name"] for b in page1["EventBuses"]] == [bus] and page1["NextToken"], page1
page2 = events.list_event_buses(NamePrefix=bus, Limit=1, NextToken=page1["NextToken"])
assert [b["Name"] for b in page2["EventBuses"]] == [f"{bus}-2"] and "NextToken" not in page2, page2
assert "default" in [b["Name"] for b in events.list_event_buses()["EventBuses"]]
expect_error("ValidationException", None, events.list_event_buses, Limit=101)

if "UpdateEventBus" in operations:  # boto3 1.43; 1.26's model predates it
    updated = events.update_event_bus(Name=bus, Description="renamed")
    assert updated["Arn"] == bus_arn and updated["Name"] == bus and updated["Description"] == "renamed", updated
    assert events.describe_event_bus(Name=bus)["Description"] == "renamed"

# --- permissions
events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="111122223333", StatementId="partner")
events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="*", StatementId="everyone")
policy = json.loads(events.describe_event_bus(Name=bus)["Policy"])
assert policy["Version"] == "2012-10-17", policy
assert policy["Statement"] == [
    {"Sid": "partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "events:PutEvents", "Resource": bus_arn},
    {"Sid": "everyone", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": bus_arn},
], policy
expect_error("ResourceAlreadyExistsException", None, events.put_permission, EventBusName=bus, Action="events:PutEvents", Principal="*", StatementId="everyone")
events.remove_permission(EventBusName=bus, StatementId="partner")
policy = json.loads(events.describe_event_bus(Name=bus)["Policy"])
assert [s["Sid"] for s in policy["Statement"]] == ["everyone"], policy
expect_error("ResourceNotFoundException", "Statement with the provided id does not exist.", events.remove_permission, EventBusName=bus, StatementId="partner")
events.remove_permission(EventBusName=bus, RemoveAllPermissions=True)
assert "Policy" not in events.describe_event_bus(Name=bus)
expect_error("ResourceNotFoundException", f"Event bus missing-{suffix} does not exist.", events.put_permission,
             EventBusName=f"missing-{suffix}", Action="events:PutEvents", Principal="*", StatementId="x")

# --- tags on a bus
assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [{"Key": "team", "Value": "payments"}]
events.tag_resource(ResourceARN=bus_arn, Tags=[{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "orders"}])
tags = {t["Key"]: t["Value"] for t in events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"]}
assert tags == {"team": "orders", "env": "test"}, tags
events.untag_resource(ResourceARN=bus_arn, TagKeys=["team", "not-there"])
assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [{"Key": "env", "Value": "test"}]
expect_error("ResourceNotFoundException", f"Event bus missing-{suffix} does not exist.", events.list_tags_for_resource,
             ResourceARN=f"{PREFIX}:event-bus/missing-{suffix}")

# --- rules
pattern = json.dumps({"source": [f"app.{suffix}"], "detail": {"amount": [{"numeric": [">", 5]}]}})
rule_arn = events.put_rule(Name="orders", EventBusName=bus, EventPattern=pattern, Description="big orders",
                           Tags=[{"Key": "k", "Value": "v"}])["RuleArn"]
assert rule_arn == f"{PREFIX}:rule/{bus}/orders", rule_arn
events.put_rule(Name="orders-2", EventBusName=bus, EventPattern=pattern, State="DISABLED")
events.put_rule(Name="other", EventBusName=bus, EventPattern=pattern)
scheduled = f"tick-{suffix}"
assert events.put_rule(Name=scheduled, ScheduleExpression="rate(5 minutes)")["RuleArn"] == f"{PREFIX}:rule/{scheduled}"
expect_error("ValidationException", "Parameter ScheduleExpression is not valid.", events.put_rule, Name=scheduled, ScheduleExpression="rate(5 minute)")
expect_error("ValidationException", "ScheduleExpression is supported only on the default event bus.", events.put_rule,
             Name="tick", EventBusName=bus, ScheduleExpression="rate(1 hour)")
expect_error("InvalidEventPatternException", 'Event pattern is not valid. Reason: "source" must be an object or an array',
             events.put_rule, Name="bad", EventBusName=bus, EventPattern='{"source": "x"}')
expect_error("ValidationException", None, events.put_rule, Name="bad name!", EventPattern=pattern)
expect_error("ResourceNotFoundException", f"Event bus missing-{suffix} does not exist.", events.put_rule,
             Name="r", EventBusName=f"missing-{suffix}", EventPattern=pattern)

rule = bare(events.describe_rule(Name="orders", EventBusName=bus))
assert rule == {"Name": "orders", "Arn": rule_arn, "EventPattern": pattern, "State": "ENABLED", "Description": "big orders",
                "EventBusName": bus, "CreatedBy": ACCOUNT}, rule
tick = bare(events.describe_rule(Name=scheduled))
assert tick["ScheduleExpression"] == "rate(5 minutes)" and tick["EventBusName"] == "default" and "EventPattern" not in tick, tick
expect_error("ResourceNotFoundException", f"Rule missing does not exist on EventBus {bus}.", events.describe_rule, Name="missing", EventBusName=bus)

rules = events.list_rules(EventBusName=bus, NamePrefix="orders")
assert [r["Name"] for r in rules["Rules"]] == ["orders", "orders-2"] and "NextToken" not in rules, rules
assert "CreatedBy" not in rules["Rules"][0], rules
assert rules["Rules"][1]["State"] == "DISABLED", rules
first = events.list_rules(EventBusName=bus, Limit=2)
assert [r["Name"] for r in first["Rules"]] == ["orders", "orders-2"] and first["NextToken"], first
rest = events.list_rules(EventBusName=bus, Limit=2, NextToken=first["NextToken"])
assert [r["Name"] for r in rest["Rules"]] == ["other"] and "NextToken" not in rest, rest
paged = [r["Name"] for page in events.get_paginator("list_rules").paginate(EventBusName=bus, PaginationConfig={"PageSize": 1}) for r in page["Rules"]]
assert paged == ["orders", "orders-2", "other"], paged

events.disable_rule(Name="orders", EventBusName=bus)
assert events.describe_rule(Name="orders", EventBusName=bus)["State"] == "DISABLED"
events.enable_rule(Name="orders", EventBusName=bus)
assert events.describe_rule(Name="orders", EventBusName=bus)["State"] == "ENABLED"
expect_error("ResourceNotFoundException", f"Rule missing does not exist on EventBus {bus}.", events.enable_rule, Name="missing", EventBusName=bus)

assert events.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == [{"Key": "k", "Value": "v"}]
events.tag_resource(ResourceARN=rule_arn, Tags=[{"Key": "k2", "Value": "v2"}])
events.untag_resource(ResourceARN=rule_arn, TagKeys=["k"])
assert events.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == [{"Key": "k2", "Value": "v2"}]
expect_error("ResourceNotFoundException", f"Rule missing does not exist on EventBus {bus}.", events.list_tags_for_resource,
             ResourceARN=f"{PREFIX}:rule/{bus}/missing")

# --- targets
target_url, target_arn = queue(f"ev-target-{suffix}")
dlq_url, dlq_arn = queue(f"ev-dlq-{suffix}")
put = bare(events.put_targets(Rule="orders", EventBusName=bus, Targets=[
    {"Id": "q", "Arn": target_arn, "InputPath": "$.detail", "RetryPolicy": {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600},
     "DeadLetterConfig": {"Arn": dlq_arn}},
    {"Id": "whole", "Arn": target_arn},
]))
assert put == {"FailedEntryCount": 0, "FailedEntries": []}, put
targets = events.list_targets_by_rule(Rule="orders", EventBusName=bus)["Targets"]
assert targets == [
    {"Id": "q", "Arn": target_arn, "InputPath": "$.detail", "RetryPolicy": {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600},
     "DeadLetterConfig": {"Arn": dlq_arn}},
    {"Id": "whole", "Arn": target_arn},
], targets
one = events.list_targets_by_rule(Rule="orders", EventBusName=bus, Limit=1)
assert [t["Id"] for t in one["Targets"]] == ["q"] and one["NextToken"], one
assert [t["Id"] for t in events.list_targets_by_rule(Rule="orders", EventBusName=bus, Limit=1, NextToken=one["NextToken"])["Targets"]] == ["whole"]
assert events.list_rule_names_by_target(TargetArn=target_arn, EventBusName=bus)["RuleNames"] == ["orders"]
assert events.list_rule_names_by_target(TargetArn=target_arn)["RuleNames"] == []
expect_error("ValidationException", "1 validation error detected: Value '!@#' at 'targets.1.member.id' failed to satisfy constraint: "
             "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
             events.put_targets, Rule="orders", EventBusName=bus, Targets=[{"Id": "!@#", "Arn": target_arn}])
expect_error("ValidationException", "Parameter(s) SqsParameters must be specified for target: f.",
             events.put_targets, Rule="orders", EventBusName=bus, Targets=[{"Id": "f", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:x.fifo"}])
expect_error("LimitExceededException", "The requested resource exceeds the maximum number allowed.", events.put_targets,
             Rule="orders", EventBusName=bus, Targets=[{"Id": f"t{i}", "Arn": target_arn} for i in range(4)])
expect_error("ResourceNotFoundException", f"Rule missing does not exist on EventBus {bus}.", events.put_targets,
             Rule="missing", EventBusName=bus, Targets=[{"Id": "t", "Arn": target_arn}])
# PutRule on an existing rule keeps its targets.
events.put_rule(Name="orders", EventBusName=bus, EventPattern=pattern)
assert len(events.list_targets_by_rule(Rule="orders", EventBusName=bus)["Targets"]) == 2

expect_error("ValidationException", "Rule can't be deleted since it has targets.", events.delete_rule, Name="orders", EventBusName=bus)
removed = bare(events.remove_targets(Rule="orders", EventBusName=bus, Ids=["q", "whole", "nope"]))
assert removed == {"FailedEntryCount": 1, "FailedEntries": [
    {"TargetId": "nope", "ErrorCode": "ResourceNotFoundException", "ErrorMessage": "Rule 'orders' does not have a target with the Id 'nope'."}]}, removed
assert events.list_targets_by_rule(Rule="orders", EventBusName=bus)["Targets"] == []
events.delete_rule(Name="orders", EventBusName=bus)
events.delete_rule(Name="orders", EventBusName=bus)  # deleting a rule that is not there succeeds
expect_error("ResourceNotFoundException", f"Rule orders does not exist on EventBus {bus}.", events.describe_rule, Name="orders", EventBusName=bus)
events.delete_rule(Name=scheduled)

# --- TestEventPattern
sample = {"id": "1", "source": "com.example", "detail-type": "Order", "account": ACCOUNT, "region": "us-east-1",
          "time": "2022-07-13T13:48:01Z", "resources": [], "detail": {"amount": 10}}
assert events.test_event_pattern(EventPattern=pattern.replace(f"app.{suffix}", "com.example"), Event=json.dumps(sample))["Result"] is True
assert events.test_event_pattern(EventPattern=pattern, Event=json.dumps(sample))["Result"] is False
expect_error("InvalidEventPatternException", "Event pattern is not valid. Reason: Empty arrays are not allowed",
             events.test_event_pattern, EventPattern='{"source": []}', Event=json.dumps(sample))
expect_error("ValidationException", "Parameter Event is not valid.", events.test_event_pattern, EventPattern=pattern, Event="plain string")

# --- PutEvents: entries fail alone
partial = events.put_events(Entries=[
    {"Source": f"app.{suffix}", "DetailType": "Order", "Detail": "{}"},
    {"Source": f"app.{suffix}", "DetailType": "Order", "Detail": "not json"},
    {"DetailType": "Order", "Detail": "{}"},
    {"Source": f"app.{suffix}", "DetailType": "Order", "Detail": "[]"},
])
assert partial["FailedEntryCount"] == 3, partial
assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", partial["Entries"][0]["EventId"]), partial
assert partial["Entries"][1:] == [
    {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
    {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."},
    {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
], partial
expect_error("ValidationException", None, events.put_events, Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11)
expect_error("ValidationException", "Total size of the entries in the request is over the limit.", events.put_events,
             Entries=[{"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "y" * 262144})}])

# --- end to end: event -> rule -> SQS target; the queue receives the envelope
e2e_url, e2e_arn = queue(f"ev-e2e-{suffix}")
events.put_rule(Name="deliver", EventBusName=bus, EventPattern=json.dumps({"source": [f"app.{suffix}"], "detail-type": ["Order"]}))
events.put_targets(Rule="deliver", EventBusName=bus, Targets=[{"Id": "q", "Arn": e2e_arn}])
when = datetime.datetime(2026, 3, 1, 12, 30, 45, tzinfo=datetime.timezone.utc)
sent = events.put_events(Entries=[
    {"Source": f"app.{suffix}", "DetailType": "Order", "Detail": json.dumps({"order": "o-1", "amount": 12.5, "items": [1, 2]}),
     "Resources": ["arn:aws:s3:::bucket1"], "EventBusName": bus, "Time": when},
    {"Source": f"app.{suffix}", "DetailType": "Order", "Detail": '{"order": "o-2"}', "EventBusName": bus_arn},
    {"Source": f"app.{suffix}", "DetailType": "Other", "Detail": '{"order": "o-3"}', "EventBusName": bus},
])
assert sent["FailedEntryCount"] == 0, sent
ids = [e["EventId"] for e in sent["Entries"]]
bodies = {}
for _ in range(20):
    if len(bodies) == 2:
        break
    for m in sqs.receive_message(QueueUrl=e2e_url, MaxNumberOfMessages=10, WaitTimeSeconds=5).get("Messages", []):
        body = json.loads(m["Body"])
        bodies[body["id"]] = body
        sqs.delete_message(QueueUrl=e2e_url, ReceiptHandle=m["ReceiptHandle"])
assert sorted(bodies) == sorted(ids[:2]), (bodies, ids)
first = bodies[ids[0]]
assert list(first) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"], list(first)
assert first == {"version": "0", "id": ids[0], "detail-type": "Order", "source": f"app.{suffix}", "account": ACCOUNT,
                 "time": "2026-03-01T12:30:45Z", "region": "us-east-1", "resources": ["arn:aws:s3:::bucket1"],
                 "detail": {"order": "o-1", "amount": 12.5, "items": [1, 2]}}, first
second = bodies[ids[1]]
assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", second["time"]), second
assert second["resources"] == [] and second["detail"] == {"order": "o-2"}, second
assert "Messages" not in sqs.receive_message(QueueUrl=e2e_url, WaitTimeSeconds=0)
events.remove_targets(Rule="deliver", EventBusName=bus, Ids=["q"])
events.delete_rule(Name="deliver", EventBusName=bus)

# --- delete the buses
events.delete_event_bus(Name=bus)
events.delete_event_bus(Name=f"{bus}-2")
events.delete_event_bus(Name=bus)  # deleting a bus that is not there succeeds
expect_error("ResourceNotFoundException", f"Event bus {bus} does not exist.", events.describe_event_bus, Name=bus)
expect_error("ValidationException", "Cannot delete event bus default.", events.delete_event_bus, Name="default")
print("ok", boto3.__version__)
