"""Checks the Python port of the seeded weights against a snapshot the Java engine wrote.

usage: python3 check_seeded_port.py SNAPSHOT_DIR PRESET SEED   (numpy only; BF16 or F32 files)
"""
import json
import struct
import sys

import numpy as np

import seeded_olmo2 as s


def main():
    snap, preset, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(f"{snap}/model.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    bad = 0
    for name, shape, center, std in s.tensor_specs(preset):
        e = header[name]
        assert tuple(e["shape"]) == shape, (name, e["shape"], shape)
        b, end = e["data_offsets"]
        count = int(np.prod(shape))
        want = s.values(np, s.key(seed, name), count, center, std)
        if e["dtype"] == "BF16":
            got = np.frombuffer(data[b:end], dtype=np.uint16)
            ok = np.array_equal(got, s.bf16_bits_numpy(np, want))
        else:
            got = np.frombuffer(data[b:end], dtype=np.float32)
            ok = np.array_equal(got.view(np.uint32), want.view(np.uint32))
        if not ok:
            bad += 1
            print("MISMATCH", name)
    print("tensors checked:", len(s.tensor_specs(preset)), "mismatches:", bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
