"""Every CloudWatch Logs operation through boto3 against Tideway; asserts as it goes and prints 'ok' at the end.

Run with the machine's pyenv python (boto3 1.43) and with Debian's python3 (boto3 1.26): both speak awsJson1_1
(X-Amz-Target: Logs_20140328.*), with different service models (1.43 knows logGroupArn and logGroupClass).
"""
import os
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["TIDEWAY_ENDPOINT"]
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                    config=Config(retries={"max_attempts": 1}))
suffix = uuid.uuid4().hex[:10]
account = "000000000000"
group_members = logs.meta.service_model.shape_for("LogGroup").members


def takes_identifier(operation):
    """Whether this botocore's model lets the group be named by logGroupIdentifier alone (not in 1.26 for every operation)."""
    shape = logs.meta.service_model.operation_model(operation).input_shape
    return "logGroupIdentifier" in shape.members and "logGroupName" not in shape.required_members


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert 400 <= status < 500, (status, e)
        return e
    raise AssertionError(f"expected {code}, call succeeded")


def now_ms():
    return int(time.time() * 1000)


# --- log groups: create, duplicates, bad names, listing by prefix and pattern, paging
prefix = f"/tideway/py-{suffix}/"
groups = [f"{prefix}{name}" for name in ("a", "b", "c")]
logs.create_log_group(logGroupName=groups[0], tags={"team": "payments"})
for name in groups[1:]:
    logs.create_log_group(logGroupName=name)
e = expect_error("ResourceAlreadyExistsException", logs.create_log_group, logGroupName=groups[0])
assert type(e).__name__ == "ResourceAlreadyExistsException", type(e).__name__
expect_error("InvalidParameterException", logs.create_log_group, logGroupName="has space")
expect_error("InvalidParameterException", logs.create_log_group, logGroupName="aws/reserved")

described = logs.describe_log_groups(logGroupNamePrefix=prefix)
assert [g["logGroupName"] for g in described["logGroups"]] == groups, described
assert "nextToken" not in described, described
first = described["logGroups"][0]
assert first["arn"] == f"arn:aws:logs:us-east-1:{account}:log-group:{groups[0]}:*", first
assert first["storedBytes"] == 0 and first["metricFilterCount"] == 0 and "retentionInDays" not in first, first
assert abs(first["creationTime"] - now_ms()) < 60_000, first
if "logGroupArn" in group_members:
    assert first["logGroupArn"] == f"arn:aws:logs:us-east-1:{account}:log-group:{groups[0]}", first
    assert first["logGroupClass"] == "STANDARD", first

page1 = logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2)
assert [g["logGroupName"] for g in page1["logGroups"]] == groups[:2] and "nextToken" in page1, page1
page2 = logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2, nextToken=page1["nextToken"])
assert [g["logGroupName"] for g in page2["logGroups"]] == groups[2:] and "nextToken" not in page2, page2
paged = [g["logGroupName"] for page in logs.get_paginator("describe_log_groups").paginate(
    logGroupNamePrefix=prefix, PaginationConfig={"PageSize": 1}) for g in page["logGroups"]]
assert paged == groups, paged
by_pattern = logs.describe_log_groups(logGroupNamePattern=f"py-{suffix}/b")["logGroups"]
assert [g["logGroupName"] for g in by_pattern] == [groups[1]], by_pattern
assert "storedBytes" not in by_pattern[0] and "arn" in by_pattern[0], by_pattern  # only arn, creationTime, name
expect_error("InvalidParameterException", logs.describe_log_groups, logGroupNamePrefix=prefix, logGroupNamePattern="x")
expect_error("InvalidParameterException", logs.describe_log_groups, limit=51)
assert logs.describe_log_groups(logGroupNamePrefix=f"/tideway/none-{suffix}")["logGroups"] == []

# --- retention
group = groups[0]
logs.put_retention_policy(logGroupName=group, retentionInDays=7)
assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 7
e = expect_error("InvalidParameterException", logs.put_retention_policy, logGroupName=group, retentionInDays=4)
assert "retentionInDays" in e.response["Error"]["Message"], e
expect_error("ResourceNotFoundException", logs.put_retention_policy, logGroupName=f"/missing-{suffix}", retentionInDays=7)
logs.delete_retention_policy(logGroupName=group)
assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
expect_error("ResourceNotFoundException", logs.delete_retention_policy, logGroupName=f"/missing-{suffix}")

# --- tags: the deprecated TagLogGroup family and TagResource on the group ARN
assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "payments"}
logs.tag_log_group(logGroupName=group, tags={"env": "test"})
assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "payments", "env": "test"}
logs.untag_log_group(logGroupName=group, tags=["team"])
assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"env": "test"}
arn = f"arn:aws:logs:us-east-1:{account}:log-group:{group}"
logs.tag_resource(resourceArn=arn, tags={"owner": "ops"})
assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "test", "owner": "ops"}
logs.untag_resource(resourceArn=arn, tagKeys=["env"])
assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"owner": "ops"}
expect_error("ResourceNotFoundException", logs.list_tags_for_resource, resourceArn=f"arn:aws:logs:us-east-1:{account}:log-group:missing-{suffix}")
expect_error("ResourceNotFoundException", logs.list_tags_log_group, logGroupName=f"/missing-{suffix}")
expect_error("TooManyTagsException", logs.tag_resource, resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})

# --- streams
for stream in ("app", "web", "idle"):
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
expect_error("ResourceAlreadyExistsException", logs.create_log_stream, logGroupName=group, logStreamName="app")
expect_error("InvalidParameterException", logs.create_log_stream, logGroupName=group, logStreamName="a:b")
expect_error("ResourceNotFoundException", logs.create_log_stream, logGroupName=f"/missing-{suffix}", logStreamName="app")

# --- events: put, sequence tokens, rejections, errors
base = now_ms() - 60_000
app_events = [
    {"timestamp": base, "message": "ERROR disk full on /var"},
    {"timestamp": base + 1, "message": "WARN disk slow"},
    {"timestamp": base + 2, "message": '{"level": "error", "latency": 250, "user": {"id": 7}}'},
    {"timestamp": base + 3, "message": '{"level": "info", "latency": 20, "user": {"id": 8}}'},
    {"timestamp": base + 4, "message": "caf\u00e9 \U0001F600 unicode"},
]
put = logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=app_events)
assert put["nextSequenceToken"] and "rejectedLogEventsInfo" not in put, put
put = logs.put_log_events(logGroupName=group, logStreamName="web", sequenceToken="ignored",
                          logEvents=[{"timestamp": base + 10, "message": "INFO GET /index 200"}])
assert put["nextSequenceToken"], put
old = logs.put_log_events(logGroupName=group, logStreamName="idle", logEvents=[
    {"timestamp": now_ms() - 15 * 86_400_000, "message": "too old"},
    {"timestamp": now_ms() + 3 * 3_600_000, "message": "too new"}])
assert old["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 1}, old
expect_error("InvalidParameterException", logs.put_log_events, logGroupName=group, logStreamName="app",
             logEvents=[{"timestamp": base + 5, "message": "b"}, {"timestamp": base, "message": "a"}])
expect_error("InvalidParameterException", logs.put_log_events, logGroupName=group, logStreamName="app",
             logEvents=[{"timestamp": base, "message": "x" * 1_048_576}])
expect_error("ResourceNotFoundException", logs.put_log_events, logGroupName=group, logStreamName="missing",
             logEvents=[{"timestamp": base, "message": "x"}])
expect_error("ResourceNotFoundException", logs.put_log_events, logGroupName=f"/missing-{suffix}", logStreamName="app",
             logEvents=[{"timestamp": base, "message": "x"}])

# --- describe streams: by name, by prefix, by last event time descending, paging
streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
assert [s["logStreamName"] for s in streams] == ["app", "idle", "web"], streams
app = streams[0]
assert app["firstEventTimestamp"] == base and app["lastEventTimestamp"] == base + 4, app
assert app["arn"] == f"arn:aws:logs:us-east-1:{account}:log-group:{group}:log-stream:app", app
assert "firstEventTimestamp" not in streams[1], streams[1]
by_time = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
assert [s["logStreamName"] for s in by_time] == ["web", "app", "idle"], by_time
by_prefix = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="we")["logStreams"]
assert [s["logStreamName"] for s in by_prefix] == ["web"], by_prefix
paged = [s["logStreamName"] for page in logs.get_paginator("describe_log_streams").paginate(
    logGroupName=group, orderBy="LastEventTime", descending=True, PaginationConfig={"PageSize": 1}) for s in page["logStreams"]]
assert paged == ["web", "app", "idle"], paged
if takes_identifier("DescribeLogStreams"):
    by_identifier = logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"]
    assert len(by_identifier) == 3, by_identifier
expect_error("InvalidParameterException", logs.describe_log_streams, logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a")
expect_error("ResourceNotFoundException", logs.describe_log_streams, logGroupName=f"/missing-{suffix}")

# --- get events: head, tail, forward and backward tokens
head = logs.get_log_events(logGroupName=group, logStreamName="app", startFromHead=True, limit=2)
assert [x["message"] for x in head["events"]] == [x["message"] for x in app_events[:2]], head
assert head["events"][0]["timestamp"] == base and head["events"][0]["ingestionTime"] >= base, head
forward = logs.get_log_events(logGroupName=group, logStreamName="app", nextToken=head["nextForwardToken"], limit=2)
assert [x["message"] for x in forward["events"]] == [x["message"] for x in app_events[2:4]], forward
rest = logs.get_log_events(logGroupName=group, logStreamName="app", nextToken=forward["nextForwardToken"])
assert [x["message"] for x in rest["events"]] == ["caf\u00e9 \U0001F600 unicode"], rest
end = logs.get_log_events(logGroupName=group, logStreamName="app", nextToken=rest["nextForwardToken"])
assert end["events"] == [] and end["nextForwardToken"] == rest["nextForwardToken"], end
back = logs.get_log_events(logGroupName=group, logStreamName="app", nextToken=forward["nextBackwardToken"])
assert [x["message"] for x in back["events"]] == [x["message"] for x in app_events[:2]], back
latest = logs.get_log_events(logGroupName=group, logStreamName="app", limit=1)
assert [x["message"] for x in latest["events"]] == [app_events[-1]["message"]], latest
window = logs.get_log_events(logGroupName=group, logStreamName="app", startTime=base + 1, endTime=base + 3, startFromHead=True)
assert [x["timestamp"] for x in window["events"]] == [base + 1, base + 2], window
if takes_identifier("GetLogEvents"):
    by_arn = logs.get_log_events(logGroupIdentifier=arn, logStreamName="web")["events"]
    assert [x["message"] for x in by_arn] == ["INFO GET /index 200"], by_arn
expect_error("InvalidParameterException", logs.get_log_events, logGroupName=group, logStreamName="app", nextToken="f/bogus")
expect_error("ResourceNotFoundException", logs.get_log_events, logGroupName=group, logStreamName="missing")
expect_error("ResourceNotFoundException", logs.get_log_events, logGroupName=f"/missing-{suffix}", logStreamName="app")


# --- filter events: patterns, streams, time range, paging
def filtered(**kwargs):
    return [x["message"] for x in logs.filter_log_events(logGroupName=group, **kwargs)["events"]]


everything = [x["message"] for x in app_events[:4]] + [app_events[4]["message"], "INFO GET /index 200"]
assert filtered() == everything, filtered()
assert filtered(filterPattern="ERROR") == ["ERROR disk full on /var"]
assert filtered(filterPattern="disk ERROR") == ["ERROR disk full on /var"]
assert filtered(filterPattern="?ERROR ?WARN") == ["ERROR disk full on /var", "WARN disk slow"]
assert filtered(filterPattern="disk -WARN") == ["ERROR disk full on /var"]
assert filtered(filterPattern='"disk full"') == ["ERROR disk full on /var"]
assert filtered(filterPattern='{ $.level = "error" }') == [app_events[2]["message"]]
assert filtered(filterPattern="{ $.latency > 100 }") == [app_events[2]["message"]]
assert filtered(filterPattern="{ $.latency <= 20 && $.user.id = 8 }") == [app_events[3]["message"]]
assert filtered(filterPattern="{ $.level = * }") == [app_events[2]["message"], app_events[3]["message"]]
assert filtered(filterPattern="caf\u00e9") == [app_events[4]["message"]]
assert filtered(logStreamNames=["web"]) == ["INFO GET /index 200"]
assert filtered(logStreamNamePrefix="we") == ["INFO GET /index 200"]
assert filtered(startTime=base + 1, endTime=base + 2) == [x["message"] for x in app_events[1:3]]
events = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
assert events[0]["logStreamName"] == "app" and events[0]["eventId"] and events[0]["timestamp"] == base, events
assert logs.filter_log_events(logGroupName=group)["searchedLogStreams"] == []
page = logs.filter_log_events(logGroupName=group, limit=2)
assert len(page["events"]) == 2 and "nextToken" in page, page
paged = [x["message"] for p in logs.get_paginator("filter_log_events").paginate(
    logGroupName=group, PaginationConfig={"PageSize": 2}) for x in p["events"]]
assert paged == everything, paged
again = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
assert again[0]["eventId"] == events[0]["eventId"], (again, events)
if takes_identifier("FilterLogEvents"):
    by_arn = logs.filter_log_events(logGroupIdentifier=arn, filterPattern="WARN")["events"]
    assert [x["message"] for x in by_arn] == ["WARN disk slow"], by_arn
expect_error("InvalidParameterException", logs.filter_log_events, logGroupName=group, filterPattern="{ $.level = ")
expect_error("InvalidParameterException", logs.filter_log_events, logGroupName=group, logStreamNames=["app"], logStreamNamePrefix="a")
expect_error("InvalidParameterException", logs.filter_log_events, logGroupName=group, nextToken="bogus")
expect_error("ResourceNotFoundException", logs.filter_log_events, logGroupName=f"/missing-{suffix}")
e = expect_error("ResourceNotFoundException", logs.filter_log_events, logGroupName=group, logStreamNames=["app", "missing"])
assert e.response["Error"]["Message"] == "The specified log stream does not exist.", e

# --- test a metric filter
tested = logs.test_metric_filter(filterPattern="[level, word]", logEventMessages=["ERROR disk", "single"])["matches"]
assert tested == [{"eventNumber": 1, "eventMessage": "ERROR disk", "extractedValues": {"$level": "ERROR", "$word": "disk"}}], tested

# --- stored bytes, deletes
stored = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["storedBytes"]
assert stored == sum(len(x["message"].encode()) for x in app_events) + len("INFO GET /index 200"), stored
logs.delete_log_stream(logGroupName=group, logStreamName="web")
assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]] == ["app", "idle"]
assert "INFO GET /index 200" not in filtered()
expect_error("ResourceNotFoundException", logs.delete_log_stream, logGroupName=group, logStreamName="web")
expect_error("ResourceNotFoundException", logs.get_log_events, logGroupName=group, logStreamName="web")
for name in groups:
    logs.delete_log_group(logGroupName=name)
assert logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"] == []
expect_error("ResourceNotFoundException", logs.delete_log_group, logGroupName=group)
expect_error("ResourceNotFoundException", logs.filter_log_events, logGroupName=group)
expect_error("ResourceNotFoundException", logs.describe_log_streams, logGroupName=group)
print("ok", boto3.__version__)
