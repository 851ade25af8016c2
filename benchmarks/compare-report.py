#!/usr/bin/env python3
"""The report of benchmarks/compare: medians, ratios and target checks, as Markdown and JSON.

usage: compare-report.py RESULTS.tsv HEAP.json ENV_JSON OUT.md OUT.json
RESULTS.tsv lines: workload, variant, engine, rep, value, unit (ops/s: higher is better; us: lower).
"""
import json
import statistics
import sys
from collections import defaultdict

tsv, heap_file, env_json, out_md, out_json = sys.argv[1:6]
env = json.loads(env_json)
samples = defaultdict(list)
units = {}
for line in open(tsv):
    w, v, e, r, val, unit = line.rstrip("\n").split("\t")
    samples[(w, v, e)].append(float(val))
    units[(w, v, e)] = unit
try:
    heap = json.load(open(heap_file))
except Exception as ex:  # the heap run failed: say so in the report
    heap = {"error": str(ex)}

med = {k: statistics.median(v) for k, v in samples.items()}


def m(w, v, e):
    return med.get((w, v, e))


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def fmt(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


WORKLOADS = {
    "W1": "4 KiB random write, provisioned",
    "W2": "4 KiB random read, provisioned",
    "W3": "4 KiB random write, fresh (each write allocates)",
    "W4": "64 KiB sequential write, fresh",
    "W5": "4 KiB random write into snapshot-shared blocks",
}
variants = sorted({v for (w, v, e) in med if w in WORKLOADS},
                  key=lambda v: (v.split("-")[1], int(v.split("-")[0][1:])))
targets = []
rows = []


def check(name, value, op, limit, detail):
    ok = None if value is None else (value >= limit if op == ">=" else value <= limit if op == "<=" else value < limit)
    targets.append({"target": name, "value": value, "op": op, "limit": limit, "met": ok, "detail": detail})
    return ok


for w in WORKLOADS:
    for v in variants:
        raw, jt = m(w, v, "raw"), m(w, v, "jthin")
        if jt is None:
            continue
        row = {"workload": w, "what": WORKLOADS[w], "variant": v, "raw": raw, "jthin": jt,
               "raw_java": m(w, v, "raw-java"), "jthin_bgcommit": m(w, v, "jthin-bgcommit")}
        if w == "W5":
            row["qcow2"] = m(w, v, "qcow2-overlay")
            row["qcow2_internal"] = m(w, v, "qcow2-internal")
        else:
            row["qcow2"] = m(w, v, "qcow2")
        row["jthin_over_raw"] = ratio(jt, raw)
        row["jthin_over_raw_java"] = ratio(jt, row["raw_java"])
        row["jthin_over_qcow2"] = ratio(jt, row["qcow2"])
        row["jthin_over_qcow2_internal"] = ratio(jt, row.get("qcow2_internal"))
        if w in ("W1", "W2"):
            check(f"{w} {v}: jthin ≥ 0.8 × raw", row["jthin_over_raw"], ">=", 0.8, "")
        elif w == "W4":
            check(f"{w} {v}: jthin ≥ 0.7 × raw", row["jthin_over_raw"], ">=", 0.7, "")
        elif w == "W3":
            check(f"{w} {v}: jthin ≥ 3 × qcow2 fresh image", row["jthin_over_qcow2"], ">=", 3, "")
        elif w == "W5":
            check(f"{w} {v}: jthin ≥ 2 × qcow2 overlay", row["jthin_over_qcow2"], ">=", 2, "")
            check(f"{w} {v}: jthin ≥ 20 × qcow2 internal-snapshot CoW", row["jthin_over_qcow2_internal"], ">=", 20, "")
        rows.append(row)

w6 = {}
for e in ("jthin-create_snap", "qcow2-snapshot-c", "jthin-thin-snapshot-process"):
    a, b = m("W6", "1g", e), m("W6", "64g", e)
    w6[e] = {"1g_us": a, "64g_us": b, "64g_over_1g": ratio(b, a)}
check("W6: jthin create_snap at 64 GiB mapped ≤ 1.2 × at 1 GiB", w6["jthin-create_snap"]["64g_over_1g"], "<=", 1.2,
      "in-process, including its commit (data sync + metadata writes + fdatasync)")
check("W6: jthin create_snap median < 1 ms (64 GiB mapped)", w6["jthin-create_snap"]["64g_us"], "<", 1000, "µs")
w7 = {}
for op, tpt, jt in (("check", "thin_check", "jthin-check"), ("dump", "thin_dump", "jthin-dump")):
    for layout, what in (("seq", "sequential"), ("scat", "scattered")):
        a, b = m("W7", f"{op}-{layout}", tpt), m("W7", f"{op}-{layout}", jt)
        if a is None:
            continue
        w7[f"{op}-{layout}"] = {"op": op, "layout": what, "tpt_us": a, "jthin_us": b, "jthin_over_tpt_time": ratio(b, a)}
        check(f"W7: jthin {op} no slower than {tpt} ({what} 1 M mappings)", ratio(b, a), "<=", 1.0,
              "process wall time ratio (jthin ÷ tpt)")
heap_mib = heap.get("heap_used_after_gc_mib")
check("Memory: 1 TiB volume, 1 M mapped blocks, default options: heap < 256 MiB", heap_mib, "<", 256,
      "heap in use after GC, in a JVM with -Xmx256m")

# ---- Markdown -------------------------------------------------------------------------------------
L = []
L.append("# jthin vs raw file vs qcow2 — one run, one file system")
L.append("")
L.append(f"Machine: {env['host']}, {env['cpus']} CPUs, {env['memory_gib']} GiB, kernel {env['kernel']}; "
         f"file system: {env['file_system']}. {env['java']}; {env['qemu_img']}; {env['fio']}; "
         f"thin_check {env['thin_check']}. jthin at {env['git_head']}"
         + (f" + {env['git_uncommitted_files']} uncommitted files" if env['git_uncommitted_files'] else "")
         + (" when the run started" if "git_head_at_end" in env else "")
         + (f" (at its end: {env['git_head_at_end']} + {env['git_uncommitted_files_at_end']} uncommitted files;"
            " the measured jars are not rebuilt during a run)"
            if "git_head_at_end" in env and (env['git_head_at_end'], env['git_uncommitted_files_at_end'])
            != (env['git_head'], env['git_uncommitted_files']) else "") + ".")
L.append("")
L.append(f"**Medians of {env['reps']} repetitions, engines alternated (W3–W5 in an order rotated each repetition, so that none always runs first). The machine is shared and noisy: "
         "compare figures only within this run.** Throughput in requests/s (higher is better).")
L.append("")
L.append("- raw (fio): fio psync on a 1 GiB file (W1/W2 fully written with 64 KiB writes; W4 a new sparse file), "
         "`numjobs` = depth, uniform random offsets, the same number of requests as the others.")
L.append("- raw (Java): `jthin bench --raw` on the same file — the JVM's I/O path under the pool, without the engine "
         "(a diagnostic: jthin ÷ raw (Java) is the engine's own cost).")
L.append("- qcow2: `qemu-img bench` on 64 KiB-cluster images (`-t writeback` buffered, `-t none` direct), "
         "`-S $((65536*10127))` scattered order (16,384 requests touch 13,797 distinct clusters: qemu-img wraps "
         "modulo size − request size).")
L.append(f"- jthin: `{env['jthin_bench']}`; W1/W2 uniform random offsets like fio, W3–W5 the same offsets as "
         f"qemu-img; `--commit-interval 0` (commit on flush only: "
         "the durability contract of the other two here), untimed `--warmup` on the same code path and threads, then a "
         "wait (≤ 10 s) for the JIT's compile queue to drain (raw (Java) likewise). "
         "`jthin (bg commit)`: the pool's default background commit every second (data sync + metadata commit).")
L.append(f"- Buffered runs that write new pages (W3, W4, W5) all start the same way: a sync, then {env.get('cold_seconds', '?')} s "
         "of quiet; jthin and raw (Java) also pause that long between warm-up and timed run (`--settle`). This VM returns "
         "free memory to its host (virtio-balloon free page reporting), and a write into a page the host has dropped "
         "waits for the host: fio's W4 ran 42–47k requests/s right after deleting a 1 GiB file and 5.4–5.9k six seconds "
         "later. Without the pause, whichever engine started soonest after a large free won by up to 8 ×.")
L.append("")
L.append("| workload | depth, cache | raw (fio) | qcow2 | jthin | jthin ÷ raw | jthin ÷ qcow2 | raw (Java) | jthin ÷ raw (Java) | notes |")
L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    notes = []
    if r.get("qcow2_internal") is not None:
        notes.append(f"qcow2 internal snapshot: {fmt(r['qcow2_internal'])} (jthin ÷ that = {fmt(r['jthin_over_qcow2_internal'], 1)})")
    if r.get("jthin_bgcommit") is not None:
        notes.append(f"jthin (bg commit): {fmt(r['jthin_bgcommit'])}")
    qname = "overlay " if r["workload"] == "W5" else ""
    L.append(f"| {r['workload']} {r['what']} | {r['variant'].replace('-', ', ').replace('d', 'depth ', 1)} | "
             f"{fmt(r['raw'])} | {qname}{fmt(r['qcow2'])} | {fmt(r['jthin'])} | {fmt(r['jthin_over_raw'], 2)} | "
             f"{fmt(r['jthin_over_qcow2'], 2)} | {fmt(r['raw_java'])} | {fmt(r['jthin_over_raw_java'], 2)} | "
             f"{'; '.join(notes)} |")
L.append("")
L.append("W6 — snapshot creation (µs, median; lower is better):")
L.append("")
L.append("| engine | 1 GiB mapped | 64 GiB mapped | 64 GiB ÷ 1 GiB |")
L.append("|---|---:|---:|---:|")
names = {"jthin-create_snap": "jthin create_snap, in-process, with its commit (fdatasync); both sizes in one process, alternating",
         "jthin-thin-snapshot-process": "`jthin thin snapshot` process (JVM start included)",
         "qcow2-snapshot-c": "`qemu-img snapshot -c` process (preallocation=metadata images)"}
for e, d in w6.items():
    if d["1g_us"] is not None:
        L.append(f"| {names[e]} | {fmt(d['1g_us'])} | {fmt(d['64g_us'])} | {fmt(d['64g_over_1g'], 2)} |")
L.append("")
L.append("W7 — 1 M mappings (64 GiB mapped), process wall time including JVM start (ms, median; lower is better). "
         "Sequential: virtual and data blocks contiguous (thin_dump prints one range); scattered: mapped in random "
         "order, as in an aged pool (1 M single mappings, 76 MB of XML):")
L.append("")
L.append("| operation | layout | thin-provisioning-tools | jthin | jthin ÷ tpt |")
L.append("|---|---|---:|---:|---:|")
for d in w7.values():
    L.append(f"| {d['op']} | {d['layout']} | {fmt(d['tpt_us'] and d['tpt_us'] / 1000)} | "
             f"{fmt(d['jthin_us'] and d['jthin_us'] / 1000)} | {fmt(d['jthin_over_tpt_time'], 2)} |")
L.append("")
L.append("Memory — " + (f"1 TiB thin volume, {heap.get('mapped_blocks_looked_up', 0):,} mapped blocks looked up "
                        f"({heap.get('blocks_read', 0):,} of them read), pool opened "
                        f"with default options, JVM -Xmx256m: **heap in use after GC {heap_mib} MiB** "
                        f"(committed {heap.get('heap_committed_mib')} MiB)." if heap_mib is not None
                        else f"the heap run failed: {heap}"))
L.append("")
L.append("## Targets")
L.append("")
L.append("| target | value | met |")
L.append("|---|---:|---|")
for t in targets:
    val = "—" if t["value"] is None else (f"{t['value']:,.2f}" if abs(t["value"]) < 100 else f"{t['value']:,.0f}")
    met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
    L.append(f"| {t['target']} | {val} | {met} |")
L.append("")
md = "\n".join(L) + "\n"
open(out_md, "w").write(md)
print(md)
json.dump({"environment": env, "rows": rows, "w6": w6, "w7": w7, "memory": heap, "targets": targets,
           "samples": [{"workload": k[0], "variant": k[1], "engine": k[2], "unit": units[k], "values": v,
                        "median": med[k]} for k, v in sorted(samples.items())]},
          open(out_json, "w"), indent=2)
