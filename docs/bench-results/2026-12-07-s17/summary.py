#!/usr/bin/env python3
"""Prints one line per run of a run_uploads.sh log: uploads, chat p50/p99, node CPU, upload MiB/s."""
import json, sys
head = None
for line in open(sys.argv[1]):
    if line.startswith('=='):
        head = line.strip('= \n')
        continue
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d.get('mode') == 'send':
        lat = d['latency_ms']
        cpu = d.get('cpu') or d.get('server_cpu') or ''
        print(f"{head}: {d['msgs_per_s']:.0f} msg/s p50 {lat['p50']:.1f} p99 {lat['p99']:.1f} max {lat['max']:.1f} cpu {cpu}")
    elif d.get('mode') == 'upload_load':
        print(f"    uploads {d['uploads']} ({d['mib_per_s']} MiB/s, p50 {d['upload_p50_ms']} ms), refused {d['refused']}, errors {d['errors']}")
