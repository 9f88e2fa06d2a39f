#!/bin/sh
# The PyTorch side of replicate pairing (a), on the same images, batch order and noise as
#   npm run bench -- replicate --pairings a --limit 10000 --epochs 6 --seeds 1,2,3,4 --taus 0.01,0.04 --losses ce,logitnorm --ood-count 5000
# (run that first: it writes the Fashion-MNIST IDX cache this reads). A result file that exists is kept.
# PYTHON: a Python with torch 2 and numpy (python3 -m venv V && V/bin/pip install torch numpy).
# One thread: on the shared 2-core machine two threads ran 3x slower than one.
cd "$(dirname "$0")/../.." || exit 1
for seed in ${SEEDS:-1 2 3 4}; do
  for config in ce logitnorm-t0.04; do
    out=docs/torch-reference/a-$config-s$seed.json
    [ -s "$out" ] && continue
    loss=${config%%-*}
    "${PYTHON:-python3}" scripts/torch_replicate.py --loss "$loss" --tau 0.04 --seed "$seed" --limit 10000 --epochs 6 --ood-count 5000 --threads 1 \
      > "$out.tmp" 2>> docs/torch-reference/run-a.log && tail -1 "$out.tmp" > "$out"
    rm -f "$out.tmp"
  done
done
