"""moto's server, durable across kill -9 (STACK_AWS_DURABLE): python moto_durable.py HOST PORT.

moto's recorder (MOTO_ENABLE_RECORDING) appends every request to MOTO_RECORDER_FILEPATH before
answering it. Replaying that file through moto's own endpoint on the public port is not safe:
moto turns recording off for the whole process while it replays, and serves clients meanwhile,
so a request answered during a replay (a client retrying the moment the port opens) is applied
in the middle of older history and is never recorded, and the next kill loses it. Here the file
is replayed first, into this process's state through a private port only this process knows,
and the public port opens after that.
"""

import os
import sys

host, port = sys.argv[1], int(sys.argv[2])
# moto builds some URLs (SQS queue URLs) from MOTO_PORT, as its own server sets it.
os.environ.setdefault("MOTO_PORT", str(port))

from werkzeug.serving import run_simple  # noqa: E402

from moto.moto_api import recorder  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def drop_torn_tail(path: str) -> None:
    """A kill in the middle of appending leaves half a line, of a request never answered."""
    with open(path, "rb+") as file:
        data = file.read()
        complete = data.rfind(b"\n") + 1
        if complete < len(data):
            file.truncate(complete)


def replay(path: str) -> None:
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    drop_torn_tail(path)
    private = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    private.start()
    private_host, private_port = private.get_host_and_port()
    # Backends are this process's globals: what the private server applies, the public one serves.
    recorder.replay_recording(target_host=f"http://{private_host}:{private_port}")
    private.stop()


replay(os.environ["MOTO_RECORDER_FILEPATH"])
app = DomainDispatcherApplication(create_backend_app)
run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)
