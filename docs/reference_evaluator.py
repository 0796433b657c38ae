#!/usr/bin/env python3
"""Runs a Temper export folder (docs/export-format.md) with NumPy alone, written from the doc.

usage: python3 reference_evaluator.py EXPORT_DIR IMAGES [LABELS]
IMAGES: raw uint8 pixels, N x H x W x C; LABELS: raw uint8, N. Prints JSON: count, top1, logits.
"""
import json, os, sys
import numpy as np

DTYPES = {"int8": "<i1", "int16": "<i2", "float32": "<f4"}

def tensor(folder, ref):
    return np.fromfile(os.path.join(folder, ref["file"]), dtype=DTYPES[ref["dtype"]]).reshape(ref["shape"])

def quantize(x, q):  # q·s with q = round_half_even(clip(x / s, -qn, qp)), float32 throughout
    if not q["quantized"]:
        return x
    s = np.float32(q["step"])
    return np.rint(np.clip(x / s, -q["qn"], q["qp"])).astype(np.float32) * s

def windows(x, kernel, strides, pad_value):  # TensorFlow "same" padding -> [N, OH, OW, C, KH, KW]
    (kh, kw), (sh, sw), (h, w) = kernel, strides, x.shape[1:3]
    oh, ow = -(-h // sh), -(-w // sw)
    ph, pw = max((oh - 1) * sh + kh - h, 0), max((ow - 1) * sw + kw - w, 0)
    x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)), constant_values=pad_value)
    return np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow]

def layer_weight(folder, w):
    return tensor(folder, w["codes"]).astype(np.float32) * np.float32(w["step"]) if w["quantized"] else tensor(folder, w["values"])

def run(folder, pixels):
    m = json.load(open(os.path.join(folder, "model.json")))
    mean, std = (np.array(m["input"]["normalization"][k], dtype=np.float64) for k in ("mean", "std"))
    out = {}
    for node in m["graph"]:
        kind, name, at = node["kind"], node["name"], node["attrs"]
        a = [out[i] for i in node["inputs"]]
        if kind == "input":  # computed in float64, rounded once to float32
            y = pixels * (1 / (255 * std)) + (-mean / std)
        elif kind in ("conv2d", "dense"):
            layer = m["layers"][name]
            x, w = quantize(a[0], layer["input"]), layer_weight(folder, layer["weight"])
            if kind == "conv2d":
                y = np.einsum("nhwcij,ijco->nhwo", windows(x, at["kernel"], at["strides"], 0), w)
            else:
                y = x @ w + tensor(folder, layer["bias"])
        elif kind == "batchnorm":
            bn = m["batchNorms"][name]
            g, b, mu, var = (tensor(folder, bn[k]) for k in ("gamma", "beta", "mean", "variance"))
            y = (a[0] - mu) / np.sqrt(var + np.float32(bn["epsilon"])) * g + b
        elif kind == "relu":
            y = np.maximum(a[0], 0)
        elif kind == "softplus":
            y = np.logaddexp(0, a[0])
        elif kind == "add":
            y = a[0] + a[1]
        elif kind == "flatten":
            y = a[0].reshape(a[0].shape[0], -1)
        elif kind == "global-avg-pool":
            y = a[0].mean(axis=(1, 2))
        elif kind == "max-pool":
            y = windows(a[0], at["size"], at["strides"], -np.inf).max(axis=(4, 5))
        elif kind == "pad-shortcut":
            behind = at["outChannels"] - at["inChannels"] - at["offset"]
            y = np.pad(a[0][:, :: at["strides"][0], :: at["strides"][1]], ((0, 0), (0, 0), (0, 0), (at["offset"], behind)))
        else:
            raise ValueError(f"{folder}: node '{name}' has unknown kind '{kind}'")
        out[name] = y.astype(np.float32)
    return out[m["graph"][-1]["name"]]

if __name__ == "__main__":
    folder = sys.argv[1]
    shape = json.load(open(os.path.join(folder, "model.json")))["input"]["shape"]
    pixels = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, *shape)
    logits = np.concatenate([run(folder, pixels[i : i + 100]) for i in range(0, len(pixels), 100)])
    result = {"count": len(pixels), "logits": logits.tolist()}
    if len(sys.argv) > 3:
        result["top1"] = float(np.mean(logits.argmax(axis=1) == np.fromfile(sys.argv[3], dtype=np.uint8)))
    print(json.dumps(result))
