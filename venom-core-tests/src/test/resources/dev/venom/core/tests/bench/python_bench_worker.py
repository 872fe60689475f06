"""A remote worker for the bench: returns at once, so what is measured is the protocol's cost.

    python3 python_bench_worker.py <url> <worker id> <max tasks per claim>
"""

import logging
import sys

from venom_worker import Worker

logging.basicConfig(level=logging.WARNING, stream=sys.stdout)
print("worker %s starting" % sys.argv[2], flush=True)
Worker(sys.argv[1], queues=["jobs"], worker_id=sys.argv[2], max_tasks=int(sys.argv[3]), wait_ms=1000,
       grace_s=1.0).run(lambda task: "ok")
