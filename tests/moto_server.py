"""moto server for calltrack's tests: single-threaded, on 127.0.0.1:PORT.

Used by scripts/test.sh (one server for the whole run) and tests/src/moto.rs (one per test
process, started with --exit-with-stdin so it ends with the process that started it).

Single-threaded: threaded moto has let two conditional writes of one item both succeed
(../shared/AWS-LOCAL.md), which the concurrency tests would report as our bug.
"""
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

# moto 5.2.5: /moto-api/data.json (which the SES tests read sent mail from) fails with 500 once
# a multipart upload happened: a part's `status` looks up a bucket parts do not have. Such a
# key reports no status instead; every S3 operation behaves as before.
_status = s3_models.FakeKey.status


def _status_or_none(self):
    try:
        return _status.fget(self)
    except s3_models.MissingBucket:
        return None


s3_models.FakeKey.status = property(_status_or_none, _status.fset)


def exit_with_parent():
    sys.stdin.read()
    os._exit(0)


if "--exit-with-stdin" in sys.argv:
    threading.Thread(target=exit_with_parent, daemon=True).start()
port = int(sys.argv[1])
os.environ.setdefault("MOTO_PORT", str(port))
run_simple("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=False)
