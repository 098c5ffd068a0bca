"""Build hook: the wheel and the sdist carry the built web client (collabd/web/).

Everything else about the package is in pyproject.toml. When the sources of the browser client
(clients/web) and Node.js are there, `build_py` and `sdist` build it first (`npm ci` when its
node_modules are missing or older than the lock file, then `npm run build`, which writes
collabd/web/). The sdist then holds that bundle as package data, so a wheel built from it on a
machine without Node.js still serves the whole client. Without Node.js and without a bundle the
build says so and goes on: the server then explains at / how to build the client.

COLLABD_SKIP_WEB_BUILD=1 skips the step (the bundle already there is used as it is). Editable
installs (`pip install -e .`) skip it too: scripts/setup.sh builds the client itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
WEB_SRC = HERE / "clients" / "web"
BUNDLE = HERE / "collabd" / "web" / "index.html"


def build_web_client() -> None:
    if os.environ.get("COLLABD_SKIP_WEB_BUILD") == "1":
        return
    npm = shutil.which("npm")
    if not (WEB_SRC / "package.json").is_file() or npm is None or shutil.which("node") is None:
        if BUNDLE.is_file():
            return  # an sdist (or a tree) that already carries the built client
        print("WARNING: the web client is not built (no Node.js or no clients/web): this "
              "package will not serve it")
        return
    modules = WEB_SRC / "node_modules" / ".package-lock.json"
    lock = WEB_SRC / "package-lock.json"
    if not modules.is_file() or modules.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=WEB_SRC, check=True)
    subprocess.run([npm, "run", "build", "--silent"], cwd=WEB_SRC, check=True)
    if not BUNDLE.is_file():
        raise RuntimeError(f"npm run build did not write {BUNDLE}")


class BuildPyWithWebClient(build_py):
    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            build_web_client()
        super().run()


class SdistWithWebClient(sdist):
    def run(self) -> None:
        build_web_client()
        super().run()


setup(cmdclass={"build_py": BuildPyWithWebClient, "sdist": SdistWithWebClient})
