#!/usr/bin/python3
"""Regenerate the canonical log-mel reference outputs the dsp tests compare
against, from the inputs in tests/data/mel, with tests/mel_reference.py
(numpy, float64).  Each output's sha256 is checked against the JSON that came
with the canonical vectors; a mismatch is reported (the numbers still are a
float64 reference, so the tests' tolerances stay meaningful).

    /usr/bin/python3 tests/gen_mel_ref.py OUTDIR
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import mel_reference as M  # noqa: E402

DATA = os.path.join(HERE, "data", "mel")
VECTORS = [
    ("sine1k_2s", 80, "chunk"),
    ("sine1k_2s", 128, "chunk"),
    ("noise_7.3s", 80, "chunk"),
    ("noise_7.3s", 128, "chunk"),
    ("noise_7.3s", 80, "raw"),
    ("noise_7.3s", 80, "transcribe"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    bad = 0
    for name, n_mels, mode in VECTORS:
        x = np.fromfile(os.path.join(DATA, name + ".f32"), dtype="<f4")
        out, _ = M.log_mel(x, n_mels, mode, "numpy")
        raw = np.ascontiguousarray(out, dtype="<f4").tobytes()
        stem = f"{name}.mel{n_mels}.{mode}"
        with open(os.path.join(DATA, stem + ".json")) as fh:
            want = json.load(fh)["sha256"]
        if hashlib.sha256(raw).hexdigest() != want:
            print(f"gen_mel_ref: warning: {stem} differs from the canonical "
                  "vector (numpy version?)", file=sys.stderr)
            bad += 1
        tmp = os.path.join(out_dir, stem + ".f32.tmp")
        with open(tmp, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, os.path.join(out_dir, stem + ".f32"))
    for n_mels in (80, 128):
        fb = M.mel_filterbank(n_mels).astype("<f4").tobytes()
        with open(os.path.join(DATA, f"mel_filters_{n_mels}.f32"), "rb") as fh:
            if fh.read() != fb:
                print(f"gen_mel_ref: warning: filterbank {n_mels} differs",
                      file=sys.stderr)
    print(f"gen_mel_ref: {len(VECTORS)} vectors in {out_dir}"
          f"{'' if not bad else f' ({bad} not bit-identical)'}")


if __name__ == "__main__":
    main()
