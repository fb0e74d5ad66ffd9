#!/usr/bin/env python3
"""Alternated timing runs, for comparing wall times on a machine whose speed drifts.

    scripts/alternate.py N name1 'command 1' name2 'command 2' ...

Runs N rounds; each round runs the commands in turn (output to /dev/null). Prints, for each
command, the median wall time, the median CPU time (user + system) and the median of its
ratio to the first command's wall time in the same round: the ratio to read (docs/performance.md).
"""
import resource
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 4 or len(sys.argv) % 2 != 0:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = list(zip(sys.argv[2::2], sys.argv[3::2]))
    walls = {name: [] for name, _ in commands}
    cpus = {name: [] for name, _ in commands}
    ratios = {name: [] for name, _ in commands}
    for _ in range(rounds):
        wall_of = {}
        for name, command in commands:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, shell=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            walls[name].append(wall)
            cpus[name].append(cpu)
            wall_of[name] = wall
        reference = wall_of[commands[0][0]]
        for name, _ in commands:
            ratios[name].append(wall_of[name] / reference)
    for name, _ in commands:
        print(f"{name:12} wall med {statistics.median(walls[name]):.3f} "
              f"(min {min(walls[name]):.3f})  cpu med {statistics.median(cpus[name]):.3f}  "
              f"ratio med {statistics.median(ratios[name]):.3f} "
              f"(min {min(ratios[name]):.3f} max {max(ratios[name]):.3f})")


if __name__ == "__main__":
    main()
