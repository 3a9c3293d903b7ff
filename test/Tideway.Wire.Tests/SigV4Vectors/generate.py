#!/usr/bin/env python3
"""Regenerates the SigV4 vectors in this folder with botocore's own signer.

Run with the pyenv python that has botocore (1.43 when these were made):
    python3 test/Tideway.Wire.Tests/SigV4Vectors/generate.py

Each vector is what a server would see: the method, the raw path and raw query as sent on the
request line, the headers (in order, duplicates as separate entries), the body, plus the secret,
the fixed signing time and botocore's canonical request (to diagnose a mismatch).
"""
import base64
import datetime
import hashlib
import json
import os
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime.datetime(2026, 11, 23, 19, 36, 46)
ACCESS_KEY = "AKIDTIDEWAYEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

# botocore takes the signing time from get_current_datetime(); pin it.
botocore.auth.get_current_datetime = lambda remove_tzinfo=True: NOW


def sign(name, description, method, url, service, region, body=b"", headers=(), params=None,
         token=None, presign_expires=None):
    creds = Credentials(ACCESS_KEY, SECRET, token)
    req = AWSRequest(method=method, url=url, data=body, params=params or {})
    for key, value in headers:
        req.headers.add_header(key, value) if key in req.headers else req.headers.__setitem__(key, value)
    if presign_expires is None:
        signer = SigV4Auth(creds, service, region)
    else:
        signer = SigV4QueryAuth(creds, service, region, expires=presign_expires)
    captured = []
    original = signer.canonical_request

    def capture(request):
        captured.append(original(request))
        return captured[-1]

    signer.canonical_request = capture
    signer.add_auth(req)
    canonical = captured[0]
    prepared = req.prepare()
    parts = urlsplit(prepared.url)
    wire_headers = [["Host", _host_from_url(prepared.url)]]
    for key, value in req.headers.items():
        wire_headers.append([key, value])
    # Headers a client adds after signing (the HTTP layer's Content-Length, a tracing header) are
    # not signed and must not matter.
    wire_headers.append(["Content-Length", str(len(prepared.body or b""))])
    wire_headers.append(["X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000"])
    vector = {
        "name": name,
        "description": description,
        "generator": f"botocore {botocore.__version__} SigV4{'Query' if presign_expires else ''}Auth",
        "method": method,
        "path": parts.path or "/",
        "query": parts.query,
        "headers": wire_headers,
        "body_base64": base64.b64encode(prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()).decode(),
        "access_key": ACCESS_KEY,
        "secret": SECRET,
        "region": region,
        "service": service,
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "authorization": req.headers.get("Authorization"),
        "canonical_request": canonical,
    }
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(vector, f, indent=2, ensure_ascii=False)
        f.write("\n")


FORM = "application/x-www-form-urlencoded; charset=utf-8"

sign("sqs-form-post", "awsQuery SendMessage: form POST to / (awscli v2, boto3 1.26 shape)",
     "POST", "http://127.0.0.1:4566/", "sqs", "us-east-1",
     body=b"Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A4566%2F000000000000%2Fq1&MessageBody=hello+world&MessageAttribute.1.Name=attr1&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v1",
     headers=[("Content-Type", FORM)])

sign("logs-json-post", "awsJson 1.1 PutLogEvents: JSON POST to / with X-Amz-Target",
     "POST", "https://logs.eu-west-1.amazonaws.com/", "logs", "eu-west-1",
     body=json.dumps({"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 1795435200000, "message": "h\u00e9llo \"quoted\""}]}).encode(),
     headers=[("X-Amz-Target", "Logs_20140328.PutLogEvents"), ("Content-Type", "application/x-amz-json-1.1")])

sign("get-query-encoding", "GET with a query of spaces, '=', '/', unicode, an empty value and repeated keys",
     "GET", "http://localhost:4566/queue/path", "sqs", "eu-central-1",
     params=[("a", "x y"), ("a", "b=c"), ("slash", "/x/y"), ("uni", "\u00fc\u20ac\U0001F600"), ("a", "1"), ("empty", ""), ("Tilde~", "-_.~*'()!")])

sign("lambda-invoke-qualifier", "restJson Invoke: encoded function name in the path and Qualifier=$LATEST",
     "POST", "http://127.0.0.1:4566/2015-03-31/functions/my%20fn/invocations", "lambda", "us-west-2",
     params={"Qualifier": "$LATEST"}, body=b'{"k":"v"}',
     headers=[("X-Amz-Invocation-Type", "RequestResponse"), ("X-Amz-Log-Type", "None"), ("Content-Type", "application/json")])

sign("get-empty-body", "GET with no body (restJson GetFunction)",
     "GET", "http://127.0.0.1:4566/2015-03-31/functions/fn", "lambda", "us-east-1")

sign("header-inner-spaces", "header values with leading, trailing and inner runs of spaces and tabs, and a repeated header",
     "POST", "http://127.0.0.1:4566/", "sqs", "us-east-1",
     body=b"Action=ListQueues&Version=2012-11-05",
     headers=[("Content-Type", FORM), ("X-Custom", "a   b \t c"), ("X-Repeated", "one"), ("X-Repeated", "two  three")])

body = b'{"QueueUrl":"http://127.0.0.1:4566/000000000000/q1","MessageBody":"hello"}'
sign("content-sha256-header", "X-Amz-Content-SHA256 present and signed (AWS SDK for .NET shape)",
     "POST", "http://127.0.0.1:4566/", "sqs", "us-east-1", body=body,
     headers=[("X-Amz-Target", "AmazonSQS.SendMessage"), ("Content-Type", "application/x-amz-json-1.0"),
              ("X-Amz-Content-SHA256", hashlib.sha256(body).hexdigest())])

sign("unsigned-payload", "X-Amz-Content-SHA256: UNSIGNED-PAYLOAD",
     "POST", "http://127.0.0.1:4566/", "sqs", "us-east-1", body=b"Action=ListQueues",
     headers=[("Content-Type", FORM), ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")])

sign("date-header", "signed with a Date header instead of X-Amz-Date",
     "POST", "http://127.0.0.1:4566/", "sqs", "us-east-1", body=b"Action=ListQueues&Version=2012-11-05",
     headers=[("Content-Type", FORM), ("Date", "placeholder, botocore replaces it")])

sign("session-token", "temporary credentials: X-Amz-Security-Token signed",
     "POST", "http://127.0.0.1:4566/", "sqs", "ap-southeast-2", body=b"Action=ListQueues&Version=2012-11-05",
     headers=[("Content-Type", FORM)], token="FwoGZXIvYXdzEXAMPLETOKEN//+=")

sign("path-dot-segments", "path with '.', '..' and '//' segments, normalized before encoding",
     "GET", "http://127.0.0.1:4566/a/./b//c/../d%2Fe/", "lambda", "us-east-1")

sign("presigned-query", "presigned URL: credentials in the query string (X-Amz-Expires=300)",
     "GET", "http://127.0.0.1:4566/", "sqs", "us-east-1",
     params={"Action": "GetQueueUrl", "QueueName": "q 1"}, presign_expires=300)

sign("get-long-query", "GET with 24 query parameters in reverse order (the canonical sort of a long query)",
     "GET", "http://127.0.0.1:4566/", "sqs", "us-east-1",
     params=[(f"Key{i:02d}", f"v {i}") for i in range(24, 0, -1)])
