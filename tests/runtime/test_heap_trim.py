"""Freed heap pages go back to the operating system (runtime/heap.py)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap

import pytest

from collabd.runtime.heap import trimmer

# Fill the heap with 1 KiB blocks (malloc, not pymalloc), keep one in 16 so the freed ones sit
# in the middle of the heap where glibc cannot hand them back by itself, then trim.
CHILD = textwrap.dedent("""
    import json, sys
    from collabd.runtime.heap import trimmer

    def rss_anon():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024

    blocks = [bytes(1000 + i % 7) for i in range(160_000)]
    kept = blocks[::16]
    del blocks
    before = rss_anon()
    trimmer()()
    print(json.dumps({"before": before, "after": rss_anon(), "kept": len(kept)}))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; glibc only")
def test_a_trim_hands_freed_pages_in_the_middle_of_the_heap_back():
    assert trimmer() is not None  # Linux here is glibc: the trim must be found
    out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True,
                         text=True, env={"MALLOC_ARENA_MAX": "1", "PATH": "",
                                         "PYTHONPATH": ":".join(sys.path)},
                         preexec_fn=lambda: resource.setrlimit(  # at most 2 GiB mapped
                             resource.RLIMIT_AS, (2 << 30, 2 << 30))).stdout
    got = json.loads(out)
    freed = 150_000 * 1000  # about 143 MiB freed, 9 MiB kept
    assert got["before"] - got["after"] > freed // 2, got
