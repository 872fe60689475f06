"""The worker the process tests run: venom_worker.Worker with a handler whose behaviour the content picks.

    python3 python_worker_app.py <url> <worker id> [max_tasks]

"sleep:<s>" works for s seconds in steps, reporting progress and stopping early if cancelled; "fail:<msg>" fails
without retry; "after" answers its dependencies' results joined by "+"; anything else is answered
"<CONTENT> by <worker id>".
"""

import logging
import sys
import time

from venom_worker import Fail, Worker

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stdout)
url, worker_id = sys.argv[1], sys.argv[2]
max_tasks = int(sys.argv[3]) if len(sys.argv) > 3 else 1


def handle(task):
    if task.content.startswith("sleep:"):
        seconds = float(task.content.split(":", 1)[1])
        steps = int(seconds * 10)
        print("working on %s attempt %d" % (task.id, task.attempt), flush=True)
        for step in range(steps):
            if task.cancelled:
                return "stopped"
            task.progress(step * 100 // steps, "step %d" % step)
            time.sleep(0.1)
        return "slept by " + worker_id
    if task.content == "not json":
        return {1, 2}  # a set: no JSON for it
    if task.content == "after":
        return "+".join(task.dependency_results[dependency] for dependency in task.depends_on)
    if task.content.startswith("fail:"):
        raise Fail(task.content.split(":", 1)[1], retryable=False)
    return task.content.upper() + " by " + worker_id


print("worker %s starting" % worker_id, flush=True)
Worker(url, queues=["py"], labels={"lang": "python"}, worker_id=worker_id, max_tasks=max_tasks, wait_ms=5000,
       grace_s=2.0).run(handle)
print("worker %s exited" % worker_id, flush=True)
