"""A Venom remote worker in plain Python (3.9+, standard library only).

    from venom_worker import Worker

    def handle(task):
        task.log("working on", task.id)
        task.progress(50, "half way")
        return task.content.upper()        # the result; raise to fail the attempt

    Worker("http://127.0.0.1:8000", key="venom_...", queues=["gpu"], labels={"gpu": "a100"}).run(handle)

The worker long-polls the server for tasks of its queues whose requirements its labels satisfy, runs each in
``handle`` and reports the outcome. While a task runs, a background thread renews its lease (a heartbeat, with
the progress last reported); a cancel on the server reaches the handler as ``task.cancelled`` becoming true.
SIGTERM or SIGINT stop it gracefully: no new task is taken, running ones get ``grace_s`` to finish, and those
still running then are released (they run again elsewhere). A server that is down is retried with exponential
backoff. Every call names the attempt it belongs to, so a worker that lost its lease (it was paused, or cut off)
can never overwrite the result of the worker that took over: the server answers 409 and the late result is
dropped.
"""

import http.client
import json
import logging
import os
import queue
import random
import signal
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

__all__ = ["Worker", "Task", "Fail", "VenomError"]

log = logging.getLogger("venom_worker")
_CLAIM_LINGER_S = 0.005  # once a slot is free, how long to wait for half of them
_REPORT_LINGER_S = 0.002  # how long an outcome waits for others to be reported with it
_REPORT_MAX = 100


class VenomError(Exception):
    """The server answered with an error that retrying will not fix (a 4xx other than 409)."""

    def __init__(self, status, detail):
        super().__init__("HTTP %d: %s" % (status, detail))
        self.status = status
        self.detail = detail


class Fail(Exception):
    """Raise from a handler to fail the attempt with control over retrying.

    ``retryable=False`` fails the task at once; ``retry_after_s`` sets when the next attempt may run.
    Any other exception fails the attempt as retryable with the server's backoff.
    """

    def __init__(self, message, retryable=True, retry_after_s=None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class _Fenced(Exception):
    """409: the attempt is no longer this worker's."""


class _Unavailable(Exception):
    """The server could not be reached, or answered 5xx: worth retrying later."""


class _Stop(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT while it waits for work."""


class Task:
    """One claimed attempt of a task, as the handler sees it."""

    def __init__(self, worker, claim):
        self._worker = worker
        self.raw = claim["task"]
        self.id = self.raw["id"]
        self.content = self.raw["content"]
        self.queue = self.raw.get("queue", "default")
        self.requires = self.raw.get("requires") or {}
        self.depends_on = self.raw.get("depends_on") or []
        # what each task this one depends on returned, by id (all of them completed before it was claimed)
        self.dependency_results = claim.get("dependency_results") or {}
        self.attempt = claim["attempt"]
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._progress = None
        self._progress_sent = None
        self._reporting = False  # its outcome is on its way: no more heartbeats
        self.fenced = False

    @property
    def cancelled(self):
        """True once the task was cancelled on the server (or this attempt lost its lease): stop soon."""
        return self._cancelled.is_set()

    def log(self, *words):
        """Adds one line to the task's logs on the server now."""
        line = " ".join(str(w) for w in words)
        self._worker._attempt_call(self, "log", {"lines": [line]})

    def progress(self, percent, message=None):
        """Records how far the task has come (0..100); sent with the next heartbeat, at most a few seconds later."""
        if not 0 <= int(percent) <= 100:
            raise ValueError("percent must be 0..100, was %r" % (percent,))
        with self._lock:
            self._progress = (int(percent), message)

    def _progress_to_send(self):
        with self._lock:
            if self._progress is None or self._progress == self._progress_sent:
                return None
            self._progress_sent = self._progress
            percent, message = self._progress
            return {"progress": percent, "message": message}


class Worker:
    """Claims and runs tasks of ``queues`` until stopped. Thread-safe ``stop()``; ``run()`` blocks."""

    def __init__(self, url, key=None, queues=("default",), labels=None, worker_id=None, max_tasks=1,
                 wait_ms=20000, grace_s=30.0, backoff_max_s=30.0, heartbeat_s=None):
        self.url = url.rstrip("/")
        self.key = key if key is not None else os.environ.get("VENOM_API_KEY")
        self.queues = list(queues)
        self.labels = dict(labels or {})
        self.worker_id = worker_id or "%s-%d" % (socket.gethostname(), os.getpid())
        self.max_tasks = max_tasks
        self.wait_ms = wait_ms
        self.grace_s = grace_s
        self.backoff_max_s = backoff_max_s
        self.heartbeat_s = heartbeat_s
        self._running = {}
        self._running_lock = threading.Lock()
        self._slots = threading.Condition()
        self._free = max_tasks
        self._connections = threading.local()  # one kept-alive connection per thread
        self._outcomes = queue.Queue()  # ended attempts' outcomes, reported many to a call
        self._reporter_stopping = threading.Event()
        parsed = urllib.parse.urlsplit(self.url)
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._base_path = parsed.path
        self._stopping = threading.Event()
        self._waiting = False
        self.completed = 0
        self.failed = 0

    # -- the loop ---------------------------------------------------------------------------------------

    def run(self, handler):
        """Claims and runs tasks with ``handler`` until ``stop()``, SIGTERM or SIGINT."""
        installed = self._install_signals()
        beats = threading.Thread(target=self._heartbeats, name="venom-heartbeats", daemon=True)
        beats.start()
        reporter = threading.Thread(target=self._report_outcomes, name="venom-reporter", daemon=True)
        reporter.start()
        pool = ThreadPoolExecutor(max_workers=self.max_tasks, thread_name_prefix="venom-task")
        failures = 0
        try:
            while not self._stopping.is_set():
                with self._slots:  # wait for a free slot, and a few ms for half of them: fewer, larger claims
                    while self._free == 0 and not self._stopping.is_set():
                        self._slots.wait(0.5)
                    self._slots.wait_for(lambda: self._free >= max(1, self.max_tasks // 2), _CLAIM_LINGER_S)
                    free, self._free = self._free, 0
                if free == 0:
                    break
                try:
                    claims = self._claim(free)
                    failures = 0
                    self._give_slots(free - len(claims))
                except _Unavailable as e:
                    self._give_slots(free)
                    failures += 1
                    delay = min(self.backoff_max_s, 0.5 * 2 ** min(failures, 16)) * random.uniform(0.5, 1.0)
                    log.warning("server unavailable (%s); trying again in %.1f s", e, delay)
                    self._stopping.wait(delay)
                    continue
                except _Stop:
                    self._give_slots(free)
                    break
                for claim in claims:
                    task = Task(self, claim)
                    if self._stopping.is_set():
                        self._release(task)
                        self._give_slots(1)
                        continue
                    with self._running_lock:
                        self._running[task.id] = task
                    pool.submit(self._execute, handler, task)
        finally:
            self._stopping.set()
            pool.shutdown(wait=False)
            self._finish_or_release()
            self._reporter_stopping.set()
            reporter.join(self.grace_s + 5)
            if installed:
                for sig, previous in installed.items():
                    signal.signal(sig, previous)
        log.info("worker %s stopped: %d completed, %d failed", self.worker_id, self.completed, self.failed)

    def stop(self):
        """Stops taking tasks; ``run()`` returns once running tasks finished or were released."""
        self._stopping.set()
        with self._slots:
            self._slots.notify_all()

    def _give_slots(self, count):
        if count > 0:
            with self._slots:
                self._free += count
                self._slots.notify()

    def _install_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return {}

        def on_signal(signum, frame):
            log.info("signal %d: stopping; running tasks get %.0f s to finish", signum, self.grace_s)
            self._stopping.set()
            if self._waiting:
                raise _Stop()

        return {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _claim(self, free):
        body = {"worker_id": self.worker_id, "queues": self.queues, "labels": self.labels, "max": free,
                "wait_ms": self.wait_ms}
        try:
            self._waiting = True
            if self._stopping.is_set():
                raise _Stop()
            return self._call("POST", "/api/v1/workers/claim", body, timeout=self.wait_ms / 1000.0 + 15)
        except _Stop:
            connection = getattr(self._connections, "connection", None)
            if connection is not None:
                connection.close()  # cut off mid-answer: the next call opens a fresh one
            raise
        finally:
            self._waiting = False

    def _execute(self, handler, task):
        try:
            result = handler(task)
            task._reporting = True
            if not isinstance(result, str):
                try:
                    result = json.dumps(result)
                except (TypeError, ValueError) as e:
                    raise Fail("the handler's result cannot be sent as JSON: %s" % e, retryable=False)
        except Fail as e:
            task._reporting = True
            self._report_failure(task, str(e), e.retryable, e.retry_after_s)
        except Exception as e:  # the handler's failure is the attempt's
            task._reporting = True
            log.warning("task %s attempt %d failed: %s", task.id, task.attempt, e)
            self._report_failure(task, "%s: %s" % (type(e).__name__, e) if str(e) else type(e).__name__, True, None)
        else:
            if task.cancelled:
                log.info("task %s was cancelled; its result is dropped", task.id)
            else:
                self._outcomes.put({"task_id": task.id, "attempt": task.attempt, "result": result})
        finally:
            with self._running_lock:
                self._running.pop(task.id, None)
            self._give_slots(1)

    def _report_failure(self, task, message, retryable, retry_after_s):
        if task.cancelled:
            return
        body = {"task_id": task.id, "attempt": task.attempt, "error": message, "retryable": retryable}
        if retry_after_s is not None:
            body["retry_after_ms"] = int(retry_after_s * 1000)
        self._outcomes.put(body)

    def _report_outcomes(self):
        """Reports ended attempts' outcomes, as many to a call as end within a few ms of each other."""
        while True:
            try:
                first = self._outcomes.get(timeout=0.1)
            except queue.Empty:
                if self._reporter_stopping.is_set():
                    return
                continue
            time.sleep(_REPORT_LINGER_S)
            batch = [first]
            while len(batch) < _REPORT_MAX:
                try:
                    batch.append(self._outcomes.get_nowait())
                except queue.Empty:
                    break
            self._send_outcomes(batch)

    def _send_outcomes(self, batch):
        for tries in range(6):
            try:
                answer = self._call("POST", "/api/v1/workers/report",
                                    {"worker_id": self.worker_id, "outcomes": batch}, timeout=30)
                break
            except _Unavailable as e:
                if tries == 5:
                    log.warning("%d outcome(s) not reported (%s); their tasks run again once their lease expires",
                                len(batch), e)
                    return
                time.sleep(min(5.0, 0.2 * 2 ** tries))
            except (_Fenced, VenomError) as e:
                log.warning("%d outcome(s) not reported: %s", len(batch), e)
                return
        for sent, one in zip(batch, answer.get("outcomes", [])):
            if one.get("status") == 503:
                self._outcomes.put(sent)  # the store failed this one: it goes again with the next report
            elif one.get("status") == 200:
                if "result" in sent:
                    self.completed += 1
                else:
                    self.failed += 1
            else:
                log.warning("task %s: outcome of attempt %s not recorded (%s %s)", one.get("task_id"),
                            one.get("attempt"), one.get("status"), one.get("detail"))

    def _finish_or_release(self):
        deadline = time.monotonic() + self.grace_s
        while self._running and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._running_lock:
            left = [task for task in self._running.values() if not task._reporting]
        for task in left:  # an outcome on its way is reported, not released
            task._cancelled.set()
            self._release(task)

    def _release(self, task):
        try:
            self._attempt_call(task, "release", {})
            log.info("task %s released: it runs again elsewhere", task.id)
        except (_Fenced, _Unavailable, VenomError) as e:
            log.warning("task %s could not be released (%s); it runs again once its lease expires", task.id, e)

    # -- heartbeats -------------------------------------------------------------------------------------

    def _heartbeats(self):
        every = self.heartbeat_s
        while not self._stopping.is_set() or self._running:
            time.sleep(every or 1.0)
            with self._running_lock:
                tasks = list(self._running.values())
            for task in tasks:
                if task._reporting:
                    continue
                body = dict(task._progress_to_send() or {}, worker_id=self.worker_id)
                path = "/api/v1/tasks/%s/attempts/%d/heartbeat" % (task.id, task.attempt)
                try:
                    answer = self._call("POST", path, body, timeout=5)  # one slow beat must not hold the others
                except _Fenced as e:
                    if not task._reporting:
                        log.warning("task %s: %s; stopping it", task.id, e)
                    task.fenced = True
                    task._cancelled.set()
                    continue
                except (_Unavailable, VenomError) as e:
                    log.warning("heartbeat of task %s failed: %s", task.id, e)
                    continue
                if answer.get("cancel_requested"):
                    log.info("task %s was cancelled on the server", task.id)
                    task._cancelled.set()
                elif every is None and answer.get("lease_expires_at"):
                    every = max(0.2, _seconds_until(answer["lease_expires_at"]) / 3)

    # -- HTTP -------------------------------------------------------------------------------------------

    def _attempt_call(self, task, what, body):
        body = dict(body, worker_id=self.worker_id)
        path = "/api/v1/tasks/%s/attempts/%d/%s" % (task.id, task.attempt, what)
        for tries in range(6):
            try:
                return self._call("POST", path, body, timeout=30)
            except _Unavailable:
                if tries == 5:
                    raise
                time.sleep(min(5.0, 0.2 * 2 ** tries))

    def _connection(self, timeout):
        """This thread's kept-alive connection to the server, opened on first use."""
        connection = getattr(self._connections, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=timeout)
            self._connections.connection = connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection

    def _call(self, method, path, body, timeout):
        data = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = "Bearer " + self.key
        connection = self._connection(timeout)
        try:
            connection.request(method, self._base_path + path, body=data, headers=headers)
            response = connection.getresponse()
            status, payload = response.status, response.read()
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (http.client.HTTPException, OSError) as e:
            connection.close()  # the next call opens a fresh one
            raise _Unavailable(str(e) or type(e).__name__)
        if status < 400:
            return json.loads(payload.decode("utf-8"))
        detail = _detail(payload)
        if status == 409:
            raise _Fenced(detail)
        if status >= 500 or status == 429:
            raise _Unavailable("HTTP %d: %s" % (status, detail))
        raise VenomError(status, detail)


def _detail(payload):
    try:
        return json.loads(payload.decode("utf-8")).get("detail")
    except Exception:
        return payload.decode("utf-8", "replace")


def _seconds_until(timestamp):
    """Seconds from now until an ISO-8601 UTC time such as 2026-12-06T10:00:00.123456Z."""
    from datetime import datetime, timezone
    at = datetime.strptime(timestamp.rstrip("Z")[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
    return (at - datetime.now(timezone.utc)).total_seconds()
