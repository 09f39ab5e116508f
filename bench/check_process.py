"""A whole `smtpwizard check` process against a bare aiosmtplib script and against swaks.

    .venv/bin/python bench/check_process.py [--runs 15]

Each sample is a fresh process doing the same steps against the same real lab server on
loopback (connect, greeting, EHLO, STARTTLS with a verified certificate, EHLO, AUTH, QUIT):

- ours: `python -m smtpwizard check --host IP --port P --security starttls --user U
  --password-env PW --ca-file CA`;
- bare: a short aiosmtplib script doing the same (system CA bundle plus the lab CA, as
  `--ca-file` does), run as `python -m` from a byte-compiled module;
- swaks: `swaks --tls --tls-verify --tls-ca-path CA --auth ... --quit-after AUTH`.

Both Python programs run byte-compiled (compileall first: PYTHONDONTWRITEBYTECODE=1 on these
machines would otherwise make every start recompile smtpwizard). Wall time runs from fork to
the moment the child exits (CPU time from its rusage too: it barely depends on how busy the
machine is), and peak memory is the child's VmHWM read at that moment: every
child runs under ptrace with PTRACE_O_TRACEEXIT, which stops it just before its memory is torn
down (ru_maxrss would not do: it counts the bench's own memory inherited at fork). The samples
alternate so that machine noise hits all three alike. Goals: wall <= 1.5x and peak RSS <= 1.3x
the bare script; the swaks ratios are printed for comparison.
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import multiprocessing
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from netlab import LAB_IP, ROOT, serve_lab  # bench/ is this script's directory

BARE = '''"""What a person would write to test these settings with aiosmtplib."""
import asyncio, os, ssl, sys
import aiosmtplib

async def main(host, port, user, ca_file):
    context = ssl.create_default_context()
    context.load_verify_locations(ca_file)
    smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=True, tls_context=context)
    await smtp.connect()
    await smtp.ehlo()
    await smtp.login(user, os.environ["PW"])
    await smtp.quit()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
'''

_PTRACE_TRACEME, _PTRACE_CONT, _PTRACE_SETOPTIONS = 0, 7, 0x4200
_PTRACE_O_TRACEEXIT, _PTRACE_EVENT_EXIT = 0x40, 6
_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def _ptrace(request: int, pid: int, data: int = 0) -> None:
    if _libc.ptrace(request, pid, None, ctypes.c_void_p(data)) == -1:
        raise OSError(ctypes.get_errno(), f"ptrace({request}) failed")


def _vm_hwm(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def sample(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds from fork to exit, CPU seconds, peak RSS in bytes) of one successful run."""
    began = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: be traced, then become argv (stops with SIGTRAP at exec)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            _ptrace(_PTRACE_TRACEME, 0)
            os.execvpe(argv[0], argv, env)  # noqa: S606 (argv is ours, no shell wanted)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)  # stopped at exec
    _ptrace(_PTRACE_SETOPTIONS, pid, _PTRACE_O_TRACEEXIT)
    _ptrace(_PTRACE_CONT, pid)
    took, peak = 0.0, 0
    while True:
        _, status, usage = os.wait4(pid, 0)  # blocking: no polling, no timer granularity
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        if status >> 8 == signal.SIGTRAP | (_PTRACE_EVENT_EXIT << 8):
            took, peak = time.perf_counter() - began, _vm_hwm(pid)
            _ptrace(_PTRACE_CONT, pid)
        else:  # a signal meant for the child: deliver it
            _ptrace(_PTRACE_CONT, pid, os.WSTOPSIG(status))
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise SystemExit(f"{' '.join(argv[:4])} ... failed (status {status:#x})")
    return took, usage.ru_utime + usage.ru_stime, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be positive")
    swaks = shutil.which("swaks")
    if swaks is None:
        raise SystemExit("swaks is not installed (scripts/apt-packages-test.txt lists it)")

    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    no_latency = ctx.Value("d", 0.0)
    lab_process = ctx.Process(
        target=serve_lab,
        args=(there, no_latency, {"check": ["starttls_ok"]}, "check.test"),
        daemon=True,
    )
    lab_process.start()
    workdir = Path(tempfile.mkdtemp(prefix="smtpwizard-bench-"))
    try:
        if not here.poll(60):
            raise SystemExit("the lab did not start within 60 s")
        lab = here.recv()
        port, user = str(lab["direct"]["starttls_ok"]), lab["username"]
        (workdir / "bare_check.py").write_text(BARE)
        for tree in (workdir, ROOT / "smtpwizard"):
            compileall.compile_dir(str(tree), quiet=1)
        env = {**os.environ, "PW": lab["password"], "PYTHONPATH": str(workdir)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ca_file, password = lab["ca_file"], lab["password"]
        commands = {
            "smtpwizard check": [
                *(sys.executable, "-m", "smtpwizard", "check", "--host", LAB_IP, "--port", port),
                *("--security", "starttls", "--user", user, "--password-env", "PW"),
                *("--ca-file", ca_file),
            ],
            "bare aiosmtplib": [sys.executable, "-m", "bare_check", LAB_IP, port, user, ca_file],
            "swaks": [
                *(swaks, "--server", LAB_IP, "--port", port, "--tls", "--tls-verify"),
                *("--tls-ca-path", ca_file, "--auth", "PLAIN", "--auth-user", user),
                *("--auth-password", password, "--quit-after", "AUTH", "--hide-all"),
            ],
        }
        for argv in commands.values():  # warm the disk cache, as a second start would be
            sample(argv, env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        peak: dict[str, list[int]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                took, used, rss = sample(argv, env)
                wall[name].append(took)
                cpu[name].append(used)
                peak[name].append(rss)
    finally:
        here.send("stop")
        lab_process.join(10)
        shutil.rmtree(workdir, ignore_errors=True)

    med = {name: statistics.median(wall[name]) for name in commands}
    used = {name: statistics.median(cpu[name]) for name in commands}
    mem = {name: statistics.median(peak[name]) for name in commands}
    print(f"Medians of {args.runs} runs each, alternating; real lab server on loopback.")
    for name in commands:
        print(
            f"  {name:18} wall {med[name] * 1000:7.1f} ms   CPU {used[name] * 1000:6.1f} ms"
            f"   peak RSS {mem[name] / 2**20:6.1f} MiB"
        )
    ours, bare, swaks_name = "smtpwizard check", "bare aiosmtplib", "swaks"
    wall_ratio, rss_ratio = med[ours] / med[bare], mem[ours] / mem[bare]
    print(f"check process vs bare aiosmtplib: CPU {used[ours] / used[bare]:.2f}x")
    print(f"check process vs bare aiosmtplib: wall {wall_ratio:.2f}x (goal <= 1.5) ", end="")
    print("met" if wall_ratio <= 1.5 else "MISSED")
    print(f"check process vs bare aiosmtplib: peak RSS {rss_ratio:.2f}x (goal <= 1.3) ", end="")
    print("met" if rss_ratio <= 1.3 else "MISSED")
    print(
        f"check process vs swaks: wall {med[ours] / med[swaks_name]:.2f}x, "
        f"CPU {used[ours] / used[swaks_name]:.2f}x, peak RSS {mem[ours] / mem[swaks_name]:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
