#!/usr/bin/env python3
"""Renders ops/grafana/mingate-dashboard.json's panels from a real Prometheus, without Grafana.

Every panel's own PromQL is run as a range query ($__rate_interval and $instance filled in) and drawn in the
dashboard's grid order, so the picture is what the dashboard shows over that window, not a mock-up.

    scripts/dashboard-snapshot.py --prometheus http://127.0.0.1:9099 --start 1795600000 --end 1795600120 --out docs/dashboard.png
"""
import argparse, json, sys, urllib.parse, urllib.request

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def query_range(base, expr, start, end, step):
    url = base + "/api/v1/query_range?" + urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(url, timeout=30) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise SystemExit(f"prometheus refused {expr!r}: {answer}")
    return answer["data"]["result"]


def legend(template, labels):
    text = template
    for key, value in labels.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--dashboard", default="ops/grafana/mingate-dashboard.json")
    parser.add_argument("--start", type=float, required=True)
    parser.add_argument("--end", type=float, required=True)
    parser.add_argument("--rate-interval", default="15s")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    dashboard = json.load(open(args.dashboard))
    panels = sorted(dashboard["panels"], key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    columns = 2
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(16, 3.1 * rows), squeeze=False)
    step = max(1, int((args.end - args.start) / 200))
    empty = []
    for index, panel in enumerate(panels):
        axis = axes[index // columns][index % columns]
        drawn = 0
        for target in panel["targets"]:
            expr = target["expr"].replace("$__rate_interval", args.rate_interval).replace('instance=~"$instance"', 'instance=~".*"')
            for series in query_range(args.prometheus, expr, args.start, args.end, step):
                points = [(float(t) - args.start, float(v)) for t, v in series["values"] if v not in ("NaN", "+Inf", "-Inf")]
                if not points:
                    continue
                xs, ys = zip(*points)
                axis.plot(xs, ys, label=legend(target.get("legendFormat", ""), series["metric"]) or expr[:40])
                drawn += 1
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        axis.set_title(f'{panel["title"]}  [{unit}]', fontsize=10, loc="left")
        axis.tick_params(labelsize=8)
        axis.grid(alpha=0.3)
        axis.set_xlabel("seconds into the run", fontsize=8)
        if drawn:
            axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        else:
            empty.append(panel["title"])
            axis.text(0.5, 0.5, "no data in this window", ha="center", va="center", transform=axis.transAxes, color="grey")
    for index in range(len(panels), rows * columns):
        axes[index // columns][index % columns].axis("off")
    figure.suptitle(f'{dashboard["title"]} dashboard: panels from Prometheus over a {int(args.end - args.start)} s run', fontsize=13)
    figure.tight_layout(rect=(0, 0, 1, 0.98))
    figure.savefig(args.out, dpi=80)
    print(f"dashboard: {len(panels)} panels, {len(panels) - len(empty)} with data -> {args.out}")
    if empty:
        print("dashboard: no data for: " + "; ".join(empty), file=sys.stderr)


if __name__ == "__main__":
    main()
