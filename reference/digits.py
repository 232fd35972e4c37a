"""Handwritten digits for exercise 5: 4,000 MNIST training images shipped with the package (see data/DIGITS.md).

A file is an .npz with "images" (N, 28, 28) uint8 grey levels 0..255 and "labels" (N,) uint8 in 0..9.
`load_digits` turns it into LeNet's input: x[n, 0] = pad(images[n] / 255, 2 zeros each side), 28 -> 32, so a
digit's strokes reach the centre of C5's receptive fields, as in LeCun et al. 1998.
"""
import zipfile
from pathlib import Path

import numpy as np

TRAIN_FILE = Path(__file__).resolve().parent / "data" / "digits_train.npz"
PAD = 2  # (32 - 28) / 2 zero pixels on every side


def _read(path):
    """The file's (images, labels) arrays; ValueError naming the file when it is missing or not such an npz."""
    if not path.is_file():
        raise ValueError(f"digits file {path} does not exist")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):  # a bare .npy holds one array, not two
            raise ValueError("it holds a single array")
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"digits file {path} is not a readable .npz: {error}") from None
    with data:
        if "images" not in data or "labels" not in data:
            raise ValueError(f"digits file {path} must hold arrays 'images' and 'labels', got {sorted(data.files)}")
        return data["images"], data["labels"]


def load_digits(path=None):
    """Digits as network input.

    path: an .npz with "images" (N, 28, 28) uint8 and "labels" (N,) uint8 in 0..9; None = the packaged
    training file (4,000 images). Returns x (N, 1, 32, 32) float64 in [0, 1], zero-padded by 2 pixels on each
    side, and y (N,) int64. A missing or malformed file raises ValueError naming it and what is wrong.
    """
    path = TRAIN_FILE if path is None else Path(path)
    images, labels = _read(path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
        raise ValueError(f"digits file {path}: 'images' must be a non-empty (N, 28, 28) uint8 array, got "
                         f"{images.dtype} {images.shape}")
    if labels.dtype.kind not in "iu" or labels.shape != (len(images),):
        raise ValueError(f"digits file {path}: 'labels' must be ({len(images)},) integers for images "
                         f"{images.shape}, got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"digits file {path}: labels must lie in 0..9, got [{labels.min()}, {labels.max()}]")
    x = np.zeros((len(images), 1, 28 + 2 * PAD, 28 + 2 * PAD))
    x[:, 0, PAD:PAD + 28, PAD:PAD + 28] = images / 255.0  # grey level / 255, inside a 2-pixel zero border
    return x, labels.astype(np.int64)
