"""The analytics extra is optional: cheap imports, and a clear message when it is missing."""

import subprocess
import sys
import textwrap


def run_python(code):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_importing_the_package_and_cli_does_not_load_heavy_libraries():
    proc = run_python(
        """
        import sys
        import collabd.analytics, collabd.analytics.cli, collabd.analytics.records
        heavy = sorted(m for m in ("numpy", "scipy", "matplotlib") if m in sys.modules)
        print(",".join(heavy) or "none")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "none"


def test_missing_extra_gives_an_install_hint():
    proc = run_python(
        """
        import sys
        sys.modules["scipy"] = None  # makes `import scipy` fail, as if not installed
        from collabd.analytics.extra import MissingExtraError
        try:
            import collabd.analytics.study
        except MissingExtraError as exc:
            print(exc.missing, "|", exc)
        """
    )
    assert proc.returncode == 0, proc.stderr
    missing, message = proc.stdout.strip().split(" | ")
    assert missing == "scipy"
    assert "pip install 'collabd[analytics]'" in message


def test_cli_run_reports_missing_extra_with_an_exit_code():
    proc = run_python(
        """
        import argparse, sys
        sys.modules["matplotlib"] = None
        from collabd.analytics import cli
        parser = argparse.ArgumentParser()
        cli.add_parser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["analytics", "--format", "html"])
        sys.exit(cli.run(args, []))
        """
    )
    assert proc.returncode == 3  # cli.EXIT_MISSING_EXTRA
    assert "needs the optional 'analytics' extra (matplotlib is not installed)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
