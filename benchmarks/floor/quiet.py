"""Guard measurements on a shared 2-core machine: wait until no one else uses the CPU, and measure how much CPU
other processes used during a measurement (machine busy time from /proc/stat minus this process and its waited-for
children, from getrusage)."""
import os
import resource
import time

HZ = os.sysconf("SC_CLK_TCK")


def _busy_s() -> float:
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = list(map(int, parts))
    idle = v[3] + v[4]  # idle + iowait
    return (sum(v[:8]) - idle) / HZ  # user nice system idle iowait irq softirq steal


def _mine_s() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def wait_quiet(threshold: float = 0.05, window: float = 1.0, need: int = 3, max_wait: float = 1800) -> float:
    """Block until others' CPU use stays below ``threshold`` cores for ``need`` consecutive windows; returns s
    waited."""
    t0 = time.perf_counter()
    ok = 0
    while ok < need:
        b0, m0 = _busy_s(), _mine_s()
        time.sleep(window)
        others = (_busy_s() - b0) - (_mine_s() - m0)
        ok = ok + 1 if others / window < threshold else 0
        if time.perf_counter() - t0 > max_wait:
            raise TimeoutError("machine never went quiet")
    return time.perf_counter() - t0


class Others:
    """with Others() as o: ...; o.cpu_s = CPU seconds other processes used meanwhile (10 ms resolution; children
    count only once waited for)."""

    def __enter__(self):
        self.b0, self.m0, self.t0 = _busy_s(), _mine_s(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.cpu_s = (_busy_s() - self.b0) - (_mine_s() - self.m0)
        return False
