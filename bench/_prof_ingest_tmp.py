import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, "/work/main")
import bench.ingest as b
from tests.databases import postgres_schema_url
from tests.servers import Server, create_org, server_env

b.BATCH_SECONDS = 20.0
with postgres_schema_url(b.POSTGRES_URL) as url:
    folder = tempfile.mkdtemp()
    env = server_env(Path(folder), url)
    headers = {"Authorization": f"Bearer {create_org(env)['api_key']}"}
    server = Server(env)
    server.start()
    try:
        b._register(server, headers, b.BATCH_CLIENTS, "batch-")
        spy = subprocess.Popen(
            [
                ".venv/bin/py-spy",
                "record",
                "-p",
                str(server.process.pid),
                "-d",
                "15",
                "-r",
                "100",
                "--gil",
                "-f",
                "raw",
                "-o",
                "/tmp/prof_ingest.txt",
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        rate = asyncio.run(b._batch_load(server, headers))
        spy.wait()
        print("rate", rate)
    finally:
        server.stop()
