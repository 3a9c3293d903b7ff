"""Lambda through boto3 1.43 (REST-JSON); asserts as it goes and prints 'ok <part> <boto3 version>' at the end.

Parts, chosen by the first argument:
  api     every control-plane operation (functions, code, configuration, listing with markers, concurrency,
          event invoke configs, permissions, tags, account settings) and the errors AWS gives for bad input;
  invoke  a python3.12 function run as a real process: RequestResponse with the log tail, Event (202), DryRun
          (204), a handler that raises, a timeout, a crash, an init error, a throttle at reserved concurrency 0,
          a payload that is not JSON, the function's variables, and its log lines in CloudWatch Logs;
  parity  the parity_* cases below (all, or those named after it), each a place where Tideway answered otherwise
          than AWS; one verdict line per case.
Facts behind the expectations: /work/notes/lambda-facts.md.
"""
import base64
import hashlib
import io
import json
import os
import re
import sys
import time
import uuid
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["TIDEWAY_ENDPOINT"]
# One attempt: clients retry 429 and 5xx on their own, which would only hide what the server answered.
config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1", config=config)
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1", config=config)
suffix = uuid.uuid4().hex[:8]
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

HANDLER = """\
import json
import os
import time

VERSION = "v1"


def handler(event, context):
    print("handling " + json.dumps(event, sort_keys=True))
    action = event.get("action")
    if action == "raise":
        raise ValueError("boom from " + context.function_name)
    if action == "exit":
        os._exit(3)
    if action == "sleep":
        time.sleep(event["seconds"])
    return {
        "version": VERSION,
        "event": event,
        "requestId": context.aws_request_id,
        "env": {k: os.environ.get(k) for k in (
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION", "COLOR", "SHAPE")},
    }
"""


def arn(name):
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


def package(source=HANDLER):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        # Readable by all (writestr's default is 0600): Lambda runs the code as another user, and so does Tideway as root.
        entry = zipfile.ZipInfo("app.py")
        entry.external_attr = 0o644 << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(entry, source)
    return buffer.getvalue()


def create(name, code=None, **kwargs):
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler=kwargs.pop("Handler", "app.handler"),
                               Code={"ZipFile": code or package()}, **kwargs)


def expect_error(expected, message, status, fn, **kwargs):
    """Calls fn, which must fail with this error code and status; message is exact, or a compiled pattern, or None."""
    try:
        fn(**kwargs)
    except ClientError as e:
        error = e.response["Error"]
        assert error["Code"] == expected, f"expected {expected}, got {e.response}"
        if isinstance(message, re.Pattern):
            assert message.fullmatch(error["Message"]), f"expected message /{message.pattern}/, got {error['Message']!r}"
        elif message is not None:
            assert error["Message"] == message, f"expected message {message!r}, got {error['Message']!r}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response
        return e.response
    raise AssertionError(f"expected {expected}, call succeeded")


def bare(response):
    response.pop("ResponseMetadata", None)
    return response


def invoke(name, payload=None, **kwargs):
    """Invoke; returns the response with Payload read (bytes) and JSON-decoded as Result when it is JSON."""
    response = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}).encode(), **kwargs)
    response["Payload"] = response["Payload"].read()
    response["Result"] = json.loads(response["Payload"]) if response["Payload"] else None
    return response


def poll(what, fn, seconds=5.0):
    """Calls fn until it returns something truthy, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = fn()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def api():
    name = f"py-api-{suffix}"
    code = package()

    # --- CreateFunction: the response AWS gives a new function (Pending), the hash and size of the zip.
    created = create(name, code, Description="first", Environment={"Variables": {"COLOR": "blue"}}, Tags={"team": "a"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201, created["ResponseMetadata"]
    created = bare(created)
    assert created["FunctionName"] == name and created["FunctionArn"] == arn(name), created
    assert created["Runtime"] == "python3.12" and created["Handler"] == "app.handler" and created["Role"] == ROLE, created
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == ("Pending", "The function is being created.", "Creating"), created
    assert "LastUpdateStatus" not in created, created
    assert created["CodeSize"] == len(code), created
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode(), created
    assert (created["Timeout"], created["MemorySize"], created["Version"], created["PackageType"]) == (3, 128, "$LATEST", "Zip"), created
    assert created["Description"] == "first" and created["Environment"] == {"Variables": {"COLOR": "blue"}}, created
    assert created["Architectures"] == ["x86_64"] and created["EphemeralStorage"] == {"Size": 512}, created
    assert created["TracingConfig"] == {"Mode": "PassThrough"}, created
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}, created
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", created["LastModified"]), created
    assert re.fullmatch(UUID, created["RevisionId"]), created
    expect_error("ResourceConflictException", f"Function already exist: {name}", 409, create, name=name)

    # --- GetFunction / GetFunctionConfiguration (by name and by ARN): Active from now on.
    got = lam.get_function(FunctionName=name)
    configuration = got["Configuration"]
    assert configuration["State"] == "Active" and configuration["LastUpdateStatus"] == "Successful", configuration
    assert "StateReason" not in configuration, configuration
    assert configuration["RevisionId"] == created["RevisionId"] and configuration["CodeSha256"] == created["CodeSha256"], configuration
    assert got["Code"]["RepositoryType"] == "S3" and got["Code"]["Location"], got["Code"]
    assert got["Tags"] == {"team": "a"}, got
    assert "Concurrency" not in got, got
    assert lam.get_function(FunctionName=arn(name))["Configuration"]["FunctionName"] == name
    assert bare(lam.get_function_configuration(FunctionName=name)) == configuration
    assert lam.get_function_configuration(FunctionName=arn(name), Qualifier="$LATEST")["FunctionName"] == name

    # --- ListFunctions: MaxItems and Marker, and the paginator over every page (other tests' functions too).
    create(f"{name}-b")
    create(f"{name}-c")
    first = lam.list_functions(MaxItems=1)
    assert len(first["Functions"]) == 1 and first["NextMarker"], first
    second = lam.list_functions(MaxItems=1, Marker=first["NextMarker"])
    assert len(second["Functions"]) == 1 and second["Functions"][0]["FunctionName"] != first["Functions"][0]["FunctionName"], (first, second)
    listed = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}) for f in page["Functions"]]
    assert len(listed) == len(set(listed)), listed
    assert {name, f"{name}-b", f"{name}-c"} <= set(listed), listed
    mine = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == name]
    assert len(mine) == 1 and mine[0]["FunctionArn"] == arn(name) and mine[0]["CodeSha256"] == created["CodeSha256"], mine

    # --- UpdateFunctionCode: a new hash and revision; the response says InProgress, reads say Successful.
    code2 = package(HANDLER.replace('VERSION = "v1"', 'VERSION = "v2"'))
    expect_error("PreconditionFailedException",
                 "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
                 412, lam.update_function_code, FunctionName=name, ZipFile=code2, RevisionId=str(uuid.uuid4()))
    updated = bare(lam.update_function_code(FunctionName=name, ZipFile=code2, RevisionId=configuration["RevisionId"]))
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(code2).digest()).decode() and updated["CodeSize"] == len(code2), updated
    assert updated["RevisionId"] != configuration["RevisionId"], updated
    assert (updated["LastUpdateStatus"], updated["LastUpdateStatusReason"], updated["LastUpdateStatusReasonCode"]) == (
        "InProgress", "The function is being created.", "Creating"), updated
    assert lam.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful"
    expect_error("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.", 400,
                 lam.update_function_code, FunctionName=name, ZipFile=b"not a zip")

    # --- UpdateFunctionConfiguration: members left out keep their value; Environment replaces every variable.
    reconfigured = bare(lam.update_function_configuration(FunctionName=name, Timeout=10, Description="second", Environment={"Variables": {"SHAPE": "round"}}))
    assert (reconfigured["Timeout"], reconfigured["Description"], reconfigured["MemorySize"]) == (10, "second", 128), reconfigured
    assert reconfigured["Environment"] == {"Variables": {"SHAPE": "round"}}, reconfigured
    assert reconfigured["LastUpdateStatus"] == "InProgress" and reconfigured["CodeSha256"] == updated["CodeSha256"], reconfigured
    assert lam.get_function_configuration(FunctionName=name)["Environment"] == {"Variables": {"SHAPE": "round"}}
    # The new code and the new variables are what the next invocation runs with.
    result = invoke(name)["Result"]
    assert result["version"] == "v2" and result["env"]["SHAPE"] == "round" and result["env"]["COLOR"] is None, result

    # --- Reserved concurrency.
    assert bare(lam.get_function_concurrency(FunctionName=name)) == {}
    assert bare(lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)) == {"ReservedConcurrentExecutions": 5}
    assert bare(lam.get_function_concurrency(FunctionName=name)) == {"ReservedConcurrentExecutions": 5}
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] <= 995
    expect_error("InvalidParameterValueException",
                 "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
                 400, lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=950)
    deleted = lam.delete_function_concurrency(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204, deleted
    assert bare(lam.get_function_concurrency(FunctionName=name)) == {}
    expect_error("ResourceNotFoundException", None, 404, lam.get_function_concurrency, FunctionName=f"missing-{suffix}")

    # --- Event invoke configuration: Put replaces, Update merges.
    latest = arn(name) + ":$LATEST"
    expect_error("ResourceNotFoundException", None, 404, lam.get_function_event_invoke_config, FunctionName=name)
    put = bare(lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120))
    assert put["FunctionArn"] == latest and put["MaximumRetryAttempts"] == 1 and put["MaximumEventAgeInSeconds"] == 120, put
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}, put
    assert abs(time.time() - put["LastModified"].timestamp()) < 600, put
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:failures-{suffix}"
    merged = bare(lam.update_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnFailure": {"Destination": queue}}))
    assert merged["MaximumRetryAttempts"] == 1 and merged["MaximumEventAgeInSeconds"] == 120, merged
    assert merged["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": queue}}, merged
    assert bare(lam.get_function_event_invoke_config(FunctionName=name)) == merged
    assert lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"] == [merged]
    replaced = bare(lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=600))
    assert "MaximumRetryAttempts" not in replaced and replaced["MaximumEventAgeInSeconds"] == 600, replaced
    assert replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}, replaced
    expect_error("InvalidParameterValueException", "You must specify at least one of error handling or destination setting.", 400,
                 lam.put_function_event_invoke_config, FunctionName=name)
    assert lam.delete_function_event_invoke_config(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"] == []
    expect_error("ResourceNotFoundException", None, 404, lam.delete_function_event_invoke_config, FunctionName=name)

    # --- Permissions: statements as AWS builds them, the policy as a JSON string.
    added = lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
                               SourceArn="arn:aws:s3:::bucket-1", SourceAccount="111122223333")
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201, added
    s3_statement = {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                    "Resource": arn(name), "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket-1"},
                                                         "StringEquals": {"AWS:SourceAccount": "111122223333"}}}
    assert json.loads(added["Statement"]) == s3_statement, added
    lam.add_permission(FunctionName=name, StatementId="partner", Action="lambda:InvokeFunction", Principal="111122223333")
    policy = lam.get_policy(FunctionName=name)
    assert re.fullmatch(UUID, policy["RevisionId"]), policy
    document = json.loads(policy["Policy"])
    assert document["Version"] == "2012-10-17" and document["Id"] == "default", document
    assert document["Statement"] == [s3_statement, {"Sid": "partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                    "Action": "lambda:InvokeFunction", "Resource": arn(name)}], document
    expect_error("ResourceConflictException", "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.",
                 409, lam.add_permission, FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="*")
    expect_error("InvalidParameterValueException", "We currently do not support adding policies for $LATEST.", 400,
                 lam.add_permission, FunctionName=name, StatementId="latest", Action="lambda:InvokeFunction", Principal="*", Qualifier="$LATEST")
    removed = lam.remove_permission(FunctionName=name, StatementId="s3")
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204, removed
    expect_error("ResourceNotFoundException", "Statement s3 is not found in resource policy.", 404, lam.remove_permission, FunctionName=name, StatementId="s3")
    lam.remove_permission(FunctionName=name, StatementId="partner")
    expect_error("ResourceNotFoundException", "The resource you requested does not exist.", 404, lam.get_policy, FunctionName=name)

    # --- Tags, by the function's ARN.
    assert lam.list_tags(Resource=arn(name))["Tags"] == {"team": "a"}
    assert lam.tag_resource(Resource=arn(name), Tags={"env": "test", "team": "b"})["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn(name))["Tags"] == {"env": "test", "team": "b"}
    assert lam.untag_resource(Resource=arn(name), TagKeys=["team", "not-there"])["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.list_tags(Resource=arn(name))["Tags"] == {"env": "test"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"env": "test"}
    expect_error("ResourceNotFoundException", f"Function not found: {arn('missing-' + suffix)}", 404, lam.list_tags, Resource=arn(f"missing-{suffix}"))

    # --- Account settings: AWS's default limits; usage counts this test's functions at least.
    settings = bare(lam.get_account_settings())
    limit, usage = settings["AccountLimit"], settings["AccountUsage"]
    assert (limit["TotalCodeSize"], limit["CodeSizeUnzipped"], limit["CodeSizeZipped"], limit["ConcurrentExecutions"]) == (
        80530636800, 262144000, 52428800, 1000), settings
    assert 100 <= limit["UnreservedConcurrentExecutions"] <= 1000, settings
    assert usage["FunctionCount"] >= 3 and usage["TotalCodeSize"] >= len(code2) + 2 * len(code), settings

    # --- Bad input, refused as AWS refuses it.
    expect_error("ResourceNotFoundException", f"Function not found: {arn('missing-' + suffix)}", 404, lam.get_function, FunctionName=f"missing-{suffix}")
    expect_error("ResourceNotFoundException", f"Function not found: {arn('missing-' + suffix)}", 404, lam.get_function_configuration, FunctionName=f"missing-{suffix}")
    expect_error("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.", 400,
                 create, name=f"{name}-zip", code=b"PK\x03\x04 this is not a zip")
    expect_error("InvalidParameterValueException",
                 re.compile(r"Value python9\.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[.*python3\.12.*\] or be a valid ARN"),
                 400, lam.create_function, FunctionName=f"{name}-rt", Runtime="python9.9", Role=ROLE, Handler="app.handler", Code={"ZipFile": code})
    expect_error("InvalidParameterValueException",
                 "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys "
                 "that are currently not supported for modification. Reserved keys used in this request: AWS_REGION",
                 400, create, name=f"{name}-env", Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
    expect_error("ValidationException", "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular "
                 "expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
                 400, lam.create_function, FunctionName=f"{name}-role", Runtime="python3.12", Role="r1", Handler="app.handler", Code={"ZipFile": code})
    for refused in (f"{name}-zip", f"{name}-rt", f"{name}-env", f"{name}-role"):
        expect_error("ResourceNotFoundException", None, 404, lam.get_function, FunctionName=refused)

    # --- DeleteFunction.
    for n in (name, f"{name}-b", f"{name}-c"):
        assert lam.delete_function(FunctionName=n)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error("ResourceNotFoundException", f"Function not found: {arn(name)}", 404, lam.get_function, FunctionName=name)
    expect_error("ResourceNotFoundException", f"Function not found: {arn(name)}", 404, lam.delete_function, FunctionName=name)
    expect_error("ResourceNotFoundException", f"Function not found: {arn(name)}:$LATEST", 404, lam.invoke, FunctionName=name, Payload=b"{}")


def invoke_part():
    name = f"py-run-{suffix}"
    create(name, Environment={"Variables": {"COLOR": "blue"}})
    env = {"AWS_LAMBDA_FUNCTION_NAME": name, "AWS_REGION": "us-east-1", "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "COLOR": "blue", "SHAPE": None}

    # --- RequestResponse with the log tail: the result, the variables, START/END/REPORT of this invocation.
    cold = invoke(name, {"n": 1}, LogType="Tail")
    assert cold["StatusCode"] == 200 and "FunctionError" not in cold and cold["ExecutedVersion"] == "$LATEST", cold
    result = cold["Result"]
    assert result["version"] == "v1" and result["event"] == {"n": 1} and result["env"] == env, result
    request_id = result["requestId"]
    assert re.fullmatch(UUID, request_id), result
    tail = base64.b64decode(cold["LogResult"]).decode()
    lines = tail.splitlines()
    assert f"START RequestId: {request_id} Version: $LATEST" in lines, tail
    assert 'handling {"n": 1}' in lines, tail
    assert f"END RequestId: {request_id}" in lines, tail
    report = [line for line in lines if line.startswith(f"REPORT RequestId: {request_id}\t")]
    assert len(report) == 1 and re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t",
        report[0]), tail
    assert lines.index(f"START RequestId: {request_id} Version: $LATEST") < lines.index('handling {"n": 1}') < lines.index(f"END RequestId: {request_id}"), tail
    # The environment stays warm: no Init Duration the second time.
    warm = invoke(name, {"n": 2}, LogType="Tail")
    warm_id = warm["Result"]["requestId"]
    assert warm_id != request_id, warm
    warm_report = [line for line in base64.b64decode(warm["LogResult"]).decode().splitlines() if line.startswith("REPORT")]
    assert len(warm_report) == 1 and warm_id in warm_report[0] and "Init Duration" not in warm_report[0], warm_report
    assert "LogResult" not in invoke(name, {"n": 3}), "no tail unless asked for"

    # --- Event: 202 and an empty payload; the function runs in the background (its line reaches the log group below).
    marker = f"async-{suffix}"
    queued = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"marker": marker}).encode())
    assert queued["StatusCode"] == 202 and queued["Payload"].read() == b"", queued
    # --- DryRun: 204, nothing runs.
    dry = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert dry["StatusCode"] == 204 and dry["Payload"].read() == b"", dry

    # --- A handler that raises: 200, X-Amz-Function-Error: Unhandled, the error document of the Python runtime.
    raised = invoke(name, {"action": "raise"})
    assert raised["StatusCode"] == 200 and raised["FunctionError"] == "Unhandled", raised
    error = raised["Result"]
    assert error["errorType"] == "ValueError" and error["errorMessage"] == f"boom from {name}", error
    assert re.fullmatch(UUID, error["requestId"]), error
    assert any('raise ValueError("boom from " + context.function_name)' in frame for frame in error["stackTrace"]), error

    # --- A handler that kills its process: Runtime.ExitError; the next invocation gets a fresh environment.
    crashed = invoke(name, {"action": "exit"})
    assert crashed["FunctionError"] == "Unhandled", crashed
    assert crashed["Result"]["errorType"] == "Runtime.ExitError", crashed
    assert re.fullmatch(rf"RequestId: {UUID} Error: Runtime exited with error: exit status 3", crashed["Result"]["errorMessage"]), crashed
    again = invoke(name, {"n": 4})
    assert "FunctionError" not in again and again["Result"]["event"] == {"n": 4}, again

    # --- A payload that is not JSON.
    expect_error("InvalidRequestContentException", re.compile(r"Could not parse request body into json: .+", re.S), 400,
                 lam.invoke, FunctionName=name, Payload=b"this is not json")

    # --- A timeout: Timeout=1, a handler that sleeps 3 s. The caller hears back after about a second (the environment is
    # warmed first, so that the time measured is the invocation's alone).
    slow = f"py-slow-{suffix}"
    create(slow, Timeout=1)
    assert "FunctionError" not in invoke(slow, {"warm": True})
    started = time.monotonic()
    timed_out = invoke(slow, {"action": "sleep", "seconds": 3}, LogType="Tail")
    elapsed = time.monotonic() - started
    assert timed_out["StatusCode"] == 200 and timed_out["FunctionError"] == "Unhandled", timed_out
    assert timed_out["Result"]["errorType"] == "Sandbox.Timedout", timed_out
    assert re.fullmatch(rf"RequestId: {UUID} Error: Task timed out after 1\.00 seconds", timed_out["Result"]["errorMessage"]), timed_out
    assert elapsed < 2.9, f"the timeout took {elapsed:.2f} s: the handler was not stopped"
    assert "Task timed out after 1.00 seconds" in base64.b64decode(timed_out["LogResult"]).decode()

    # --- An init error: the handler's module does not exist.
    broken = f"py-noimport-{suffix}"
    create(broken, Handler="missing.handler")
    init = invoke(broken)
    assert init["StatusCode"] == 200 and init["FunctionError"] == "Unhandled", init
    assert init["Result"]["errorType"] == "Runtime.ImportModuleError", init
    assert init["Result"]["errorMessage"] == "Unable to import module 'missing': No module named 'missing'", init

    # --- Reserved concurrency 0 throttles every synchronous invoke.
    throttled = f"py-throttled-{suffix}"
    create(throttled)
    lam.put_function_concurrency(FunctionName=throttled, ReservedConcurrentExecutions=0)
    response = expect_error("TooManyRequestsException", "Rate Exceeded.", 429, lam.invoke, FunctionName=throttled, Payload=b"{}")
    assert response.get("Reason") == "ReservedFunctionConcurrentInvocationLimitExceeded", response

    # --- CloudWatch Logs: the group /aws/lambda/<name>, streams YYYY/MM/DD/[$LATEST]<hex>, START/END/REPORT around the output.
    group = f"/aws/lambda/{name}"

    def events_with(*needles):
        try:
            found = [e for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group) for e in page["events"]]
        except ClientError as e:
            if e.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise
        messages = [e["message"].rstrip("\n") for e in found]
        return found if all(any(needle in m for m in messages) for needle in needles) else None

    found = poll(f"the log lines of {name}", lambda: events_with(f"REPORT RequestId: {request_id}", f'handling {{"marker": "{marker}"}}'))
    streams = {e["logStreamName"] for e in found}
    assert all(re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", s) for s in streams), streams
    described = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]
    assert streams <= set(described), (streams, described)
    mine = [e["message"].rstrip("\n") for e in found if request_id in e["message"] or e["message"].startswith('handling {"n": 1}')]
    assert mine[0] == f"START RequestId: {request_id} Version: $LATEST", mine
    assert mine[1] == 'handling {"n": 1}', mine
    assert mine[2] == f"END RequestId: {request_id}", mine
    assert mine[3].startswith(f"REPORT RequestId: {request_id}\tDuration: "), mine

    for n in (name, slow, broken, throttled):
        lam.delete_function(FunctionName=n)


# --- Where Tideway answered otherwise than AWS (lambda-facts.md gives the AWS side).

def parity_invoke_request_id():
    """The Invoke response's request id (x-amzn-RequestId) is the invocation's: the id the function sees and START/END/REPORT carry."""
    name = f"py-rid-{suffix}"
    create(name)
    response = invoke(name)
    assert response["ResponseMetadata"]["RequestId"] == response["Result"]["requestId"], \
        f"x-amzn-RequestId {response['ResponseMetadata']['RequestId']}, context.aws_request_id {response['Result']['requestId']}"


def parity_qualified_configuration():
    """With a qualifier (as Qualifier or in the name), GetFunction and GetFunctionConfiguration answer with the qualified ARN."""
    name = f"py-qualified-{suffix}"
    create(name)
    got = lam.get_function(FunctionName=name, Qualifier="$LATEST")["Configuration"]["FunctionArn"]
    assert got == arn(name) + ":$LATEST", f"GetFunction with Qualifier $LATEST answered {got}"
    configuration = lam.get_function_configuration(FunctionName=f"{name}:$LATEST")["FunctionArn"]
    assert configuration == arn(name) + ":$LATEST", f"GetFunctionConfiguration of {name}:$LATEST answered {configuration}"
    assert lam.get_function_configuration(FunctionName=name)["FunctionArn"] == arn(name)


def parity_list_items_without_state():
    """ListFunctions items leave out State, StateReason(Code) and LastUpdateStatus(Reason, ReasonCode)."""
    name = f"py-listed-{suffix}"
    create(name)
    listed = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"] if f["FunctionName"] == name]
    assert len(listed) == 1, listed
    present = {"State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"} & set(listed[0])
    assert not present, f"listed with {sorted(present)}: {listed[0]}"


def parity_missing_event_invoke_config_names_latest():
    """Without a Qualifier, a missing event invoke config is reported for $LATEST."""
    name = f"py-noeic-{suffix}"
    create(name)
    message = f"The function {arn(name)}:$LATEST doesn't have an EventInvokeConfig"
    expect_error("ResourceNotFoundException", message, 404, lam.get_function_event_invoke_config, FunctionName=name)
    expect_error("ResourceNotFoundException", message, 404, lam.delete_function_event_invoke_config, FunctionName=name)
    expect_error("ResourceNotFoundException", message, 404, lam.update_function_event_invoke_config, FunctionName=name, MaximumRetryAttempts=1)


def parity_event_invoke_config_of_missing_function():
    """Put/Update/ListFunctionEventInvokeConfig(s) on a function that does not exist: "The function doesn't exist."."""
    missing = f"missing-{suffix}"
    expect_error("ResourceNotFoundException", "The function doesn't exist.", 404, lam.put_function_event_invoke_config, FunctionName=missing, MaximumRetryAttempts=1)
    expect_error("ResourceNotFoundException", "The function doesn't exist.", 404, lam.update_function_event_invoke_config, FunctionName=missing, MaximumRetryAttempts=1)
    expect_error("ResourceNotFoundException", "The function doesn't exist.", 404, lam.list_function_event_invoke_configs, FunctionName=missing)


def parity_concurrency_of_missing_function():
    """PutFunctionConcurrency names $LATEST of a missing function; Get and Delete name the function."""
    missing = f"missing-{suffix}"
    expect_error("ResourceNotFoundException", f"Function not found: {arn(missing)}:$LATEST", 404,
                 lam.put_function_concurrency, FunctionName=missing, ReservedConcurrentExecutions=1)
    expect_error("ResourceNotFoundException", f"Function not found: {arn(missing)}", 404, lam.get_function_concurrency, FunctionName=missing)
    expect_error("ResourceNotFoundException", f"Function not found: {arn(missing)}", 404, lam.delete_function_concurrency, FunctionName=missing)


def parity_remove_permission_of_missing_function():
    """RemovePermission on a function that does not exist: "No policy found for: <arn>"."""
    missing = f"missing-{suffix}"
    expect_error("ResourceNotFoundException", f"No policy found for: {arn(missing)}", 404, lam.remove_permission, FunctionName=missing, StatementId="s")


def parity_invalid_principal():
    """A principal that is not *, an account id, an ARN or a service is refused."""
    name = f"py-principal-{suffix}"
    create(name)
    expect_error("InvalidParameterValueException", "The provided principal was invalid. Please check the principal and try again.", 400,
                 lam.add_permission, FunctionName=name, StatementId="s", Action="lambda:InvokeFunction", Principal="example")


def parity_invalid_destinations():
    """A destination function that does not exist, or the function itself, is refused."""
    name = f"py-destination-{suffix}"
    create(name)
    nowhere = arn(f"missing-{suffix}")
    expect_error("InvalidParameterValueException", f"The destination ARN {nowhere} is invalid.", 400,
                 lam.put_function_event_invoke_config, FunctionName=name, DestinationConfig={"OnFailure": {"Destination": nowhere}})
    expect_error("InvalidParameterValueException", "You can't specify the function as a destination for itself.", 400,
                 lam.put_function_event_invoke_config, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn(name)}})


part = sys.argv[1] if len(sys.argv) > 1 else "api"
if part == "parity":
    # Every case (or those named) in one process, one verdict line each: "ok parity CASE" or "FAIL parity CASE: why".
    cases = sys.argv[2:] or [n[len("parity_"):] for n in list(globals()) if n.startswith("parity_")]
    failed = 0
    for case in cases:
        try:
            globals()["parity_" + case]()
            print(f"ok parity {case}", flush=True)
        except Exception as e:  # a verdict per case, whatever went wrong
            failed += 1
            print(f"FAIL parity {case}: {type(e).__name__}: {e}".replace("\n", " "), flush=True)
    sys.exit(1 if failed else 0)
{"api": api, "invoke": invoke_part}[part]()
print("ok", part, boto3.__version__)
