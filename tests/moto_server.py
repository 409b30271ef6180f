"""moto server for calltrack's tests: single-threaded, on 127.0.0.1:PORT.

Used by scripts/test.sh (one server for the whole run) and tests/src/moto.rs (one per test
process, started with --exit-with-stdin so it ends with the process that started it).

Single-threaded: threaded moto has let two conditional writes of one item both succeed
(../shared/AWS-LOCAL.md), which the concurrency tests would report as our bug.
"""
import json
import logging
import os
import sys
import threading

logging.getLogger("werkzeug").setLevel(logging.ERROR)
try:
    from werkzeug.serving import run_simple
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from moto.s3 import models as s3_models
except ImportError as e:
    sys.stderr.write("calltrack tests: cannot import moto server (%s)\n" % e)
    sys.exit(3)

# moto 5.2.5: /moto-api/data.json (moto's own dump, handy when debugging) fails with 500 once
# a multipart upload happened: a part's `status` looks up a bucket parts do not have. Such a
# key reports no status instead; every S3 operation behaves as before.
_status = s3_models.FakeKey.status


def _status_or_none(self):
    try:
        return _status.fget(self)
    except s3_models.MissingBucket:
        return None


s3_models.FakeKey.status = property(_status_or_none, _status.fset)


# The SES tests read the mail moto "sent" from here: /moto-api/data.json serializes every model
# moto holds (every DynamoDB item, every S3 body) and took over 120 s on a server that had served
# a few test runs. This answers the same shape as data.json's "ses" section, from SES alone.
SENT_MAIL_PATH = "/calltrack-test/ses-sent.json"


def with_sent_mail(app):
    from moto.ses.models import RawMessage, ses_backends

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") != SENT_MAIL_PATH:
            return app(environ, start_response)
        sent = {"Message": [], "RawMessage": []}
        for regions in list(ses_backends.values()):
            for backend in list(regions.values()):
                for m in backend.sent_messages:
                    if isinstance(m, RawMessage):
                        sent["RawMessage"].append({"id": m.id, "source": m.source,
                                                   "destinations": m.destinations, "raw_data": m.raw_data})
                    else:
                        sent["Message"].append({"id": m.id, "source": m.source, "subject": m.subject,
                                                "body": m.body, "destinations": m.destinations})
        body = json.dumps({"ses": sent}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


def exit_with_parent():
    sys.stdin.read()
    os._exit(0)


if "--exit-with-stdin" in sys.argv:
    threading.Thread(target=exit_with_parent, daemon=True).start()
port = int(sys.argv[1])
os.environ.setdefault("MOTO_PORT", str(port))
run_simple("127.0.0.1", port, with_sent_mail(DomainDispatcherApplication(create_backend_app)), threaded=False)
