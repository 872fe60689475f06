"""An example worker: for each task of the `text` queue it counts the words of the content and hashes it,
reporting progress as it goes. Run it beside a server started with VENOM_QUEUES=default:64,text:remote:

    VENOM_API_KEY=venom_... python3 example.py http://127.0.0.1:8000
"""

import hashlib
import json
import logging
import sys

from venom_worker import Fail, Worker


def analyse(task):
    text = task.content
    if not text.strip():
        raise Fail("nothing to analyse: the content is blank", retryable=False)
    words = text.split()
    digest = hashlib.sha256()
    for done, word in enumerate(words, 1):
        if task.cancelled:
            return "cancelled"  # dropped by the worker: the server already knows
        digest.update(word.encode("utf-8"))
        if done % 1000 == 0 or done == len(words):
            task.progress(done * 100 // len(words), "%d of %d words" % (done, len(words)))
    task.log("analysed", len(words), "words")
    return json.dumps({"words": len(words), "sha256": digest.hexdigest()})


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    Worker(url, queues=["text"], labels={"lang": "any"}).run(analyse)
