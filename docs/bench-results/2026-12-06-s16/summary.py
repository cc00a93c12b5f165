# Summarises a run log of this directory: per fixed-rate run its latency, delivery, node CPU and
# Redis' CPU and command count. python3 summary.py run7.log [x: also the top commands]
import json, re, sys
label = None
rows = []
last = None  # the kind of the last result line: a run's redis line belongs to its send line only
for line in open(sys.argv[1]):
    if line.startswith('==='):
        m = re.match(r'=== (\S+) s(\d) rate (\d+)', line)
        if m: label = (m.group(1), m.group(2))
    elif line.startswith('{"mode":"send"'):
        d = json.loads(line)
        cur = {'label': label, 'p50': d['latency_ms']['p50'], 'p99': d['latency_ms']['p99'],
               'rate': d['msgs_per_s'], 'deliv': d['delivered'] / max(1, d['expected']),
               'cpu': [round(s['cpu_percent']) for s in d['servers']]}
        rows.append(cur)
        last = 'send'
    elif line.startswith('{"mode":"sweep'):
        last = 'sweep'
    elif line.startswith('{"mode":"redis"') and rows and last == 'send':
        d = json.loads(line)
        c = d['commands']
        rows[-1]['redis_cpu'] = round(d['cpu']['used_cpu_user'] + d['cpu']['used_cpu_sys'], 2)
        inner = sum(v['calls'] for k, v in c.items() if k not in ('evalsha', 'eval'))
        rows[-1]['evalsha_s'] = round(c.get('evalsha', {}).get('usec', 0) / 1e6, 2)
        rows[-1]['calls'] = inner
        rows[-1]['top'] = sorted(((v['usec'], k, v['calls']) for k, v in c.items() if k not in ('evalsha', 'eval')), reverse=True)[:6]
for r in rows:
    print(f"{r['label'][0]:7} s{r['label'][1]} p50 {r['p50']:6.1f} p99 {r['p99']:6.1f} rate {r['rate']:7.1f} deliv {r['deliv']:.4f} cpu {r['cpu']} redis_cpu {r.get('redis_cpu')} evalsha {r.get('evalsha_s')}s calls {r.get('calls')}")
    if len(sys.argv) > 2:
        print('        ', ' '.join(f"{k}:{c}/{u//1000}ms" for u, k, c in r.get('top', [])))
