"""OOD Lens next to PyTorch for pairing (a), like with like: a Markdown table.

usage: python3 scripts/torch_replicate_compare.py RUNS_DIR TORCH_RESULT.json...

RUNS_DIR is the runs folder of `npm run bench -- replicate` (default .oodlens/replicate); the JSON
files are the last lines printed by scripts/torch_replicate.py. OOD Lens runs are matched to the
PyTorch results by data set, architecture, loss, tau, seed, epochs and --limit (the same images),
and use their latest evaluation. Each cell is mean +- sample std over the seeds (as the bench's
report), n in the last column. No third-party package is needed.
"""
import json
import math
import os
import sys


def mean_std(values):
    n = len(values)
    m = sum(values) / n
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return m, s, n


def cell(values, scale=1.0, digits=2):
    m, s, n = mean_std([v * scale for v in values])
    return f'{m:.{digits}f} ± {s:.{digits}f}' if n > 1 else f'{m:.{digits}f}'


def ood_lens_runs(runs_dir):
    for name in sorted(os.listdir(runs_dir)):
        run_dir = os.path.join(runs_dir, name)
        try:
            with open(os.path.join(run_dir, 'run.json')) as f:
                run = json.load(f)
        except (OSError, ValueError):
            continue
        eval_dir = os.path.join(run_dir, 'evaluations')
        if run.get('status') != 'done' or not os.path.isdir(eval_dir):
            continue
        evaluations = []
        for e in os.listdir(eval_dir):
            if e.endswith('.json'):
                with open(os.path.join(eval_dir, e)) as f:
                    evaluations.append(json.load(f))
        if evaluations:
            yield run['config'], max(evaluations, key=lambda e: e['createdAt'])


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    runs_dir, files = sys.argv[1], sys.argv[2:]
    torch_results = []
    for path in files:
        with open(path) as f:
            torch_results.append(json.load(f))
    ood_sets = list(torch_results[0]['ood'].keys())
    groups = {}
    for t in torch_results:
        c = t['config']
        key = (c['loss'], c['tau'])
        groups.setdefault(key, {'torch': [], 'lens': [], 'config': c})['torch'].append(t)
    for config, evaluation in ood_lens_runs(runs_dir):
        key = (config['loss'], config['tau'] if config['loss'] == 'logitnorm' else None)
        g = groups.get(key)
        if g is None or config['dataset'] != 'fashion-mnist' or config['arch'] != 'cnn-bn':
            continue
        c = g['config']
        if config['epochs'] != c['epochs'] or config.get('limit') != c['limit'] or config['batchSize'] != c['batch'] or config['seed'] not in [t['config']['seed'] for t in g['torch']]:
            continue
        g['lens'].append((config, evaluation))

    def lens_metric(evaluation, scorer, ood, metric):
        return next(r[metric] for r in evaluation['results'] if r['scorer'] == scorer and r['oodSet'] == ood)

    header = ['configuration', 'side', 'accuracy (%)', '‖f‖ ID', *[f'‖f‖ {o}' for o in ood_sets], *[f'MSP FPR95 {o} (%)' for o in ood_sets],
              'MSP FPR95 avg (%)', 'MSP AUROC avg (%)', 'Energy FPR95 avg (%)', 'seeds']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for (loss, tau), g in groups.items():
        name = f'{loss} (tau {tau})' if loss == 'logitnorm' else loss
        c = g['config']
        lens = g['lens']
        if lens:
            ev = [e for _, e in lens]
            row = [name, 'OOD Lens', cell([e['idAccuracy'] for e in ev], 100), cell([e['logitNorm']['id'] for e in ev]),
                   *[cell([e['logitNorm']['ood'][o] for e in ev]) for o in ood_sets],
                   *[cell([lens_metric(e, 'msp', o, 'fpr95') for e in ev], 100) for o in ood_sets],
                   cell([sum(lens_metric(e, 'msp', o, 'fpr95') for o in ood_sets) / len(ood_sets) for e in ev], 100),
                   cell([sum(lens_metric(e, 'msp', o, 'auroc') for o in ood_sets) / len(ood_sets) for e in ev], 100),
                   cell([sum(lens_metric(e, 'energy', o, 'fpr95') for o in ood_sets) / len(ood_sets) for e in ev], 100),
                   ', '.join(str(cfg['seed']) for cfg, _ in lens)]
            lines.append('| ' + ' | '.join(row) + ' |')
        tr = g['torch']
        row = [name, f"PyTorch {tr[0]['torch']}", cell([t['accuracy'] for t in tr], 100), cell([t['logitNormId'] for t in tr]),
               *[cell([t['logitNormOod'][o] for t in tr]) for o in ood_sets],
               *[cell([t['ood'][o]['msp']['fpr95'] for t in tr], 100) for o in ood_sets],
               cell([t['average']['msp']['fpr95'] for t in tr], 100), cell([t['average']['msp']['auroc'] for t in tr], 100),
               cell([t['average']['energy']['fpr95'] for t in tr], 100), ', '.join(str(t['config']['seed']) for t in tr)]
        lines.append('| ' + ' | '.join(row) + ' |')
    c = torch_results[0]['config']
    print(f"Fashion-MNIST on cnn-bn, {c['trainImages']} training images (--limit {c['limit']}), {c['epochs']} epochs ({c['steps']} steps of {c['batch']}), "
          f"lr {c['lr']} Nesterov, weight decay {c['weightDecay']}, cosine after a {c['warmup']}-epoch warm-up; the same images, batch order and noise on both sides, "
          f"ID = the 10,000 test images; Energy at T = 0.1 for LogitNorm, 1 for CE.\n")
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
