"""
The bench's peer (issue 27): a recommendation service of the kind MLIP course
teams build, Flask + numpy behind gunicorn, so `bench:serve` can report
Marquee's figures as ratios to it measured in the same run.

It serves GET /recommend/<userid> from the same artifact bench:serve
synthesises for Marquee (bench/synthetic-als.ts: same users x movies x
factors, same generator and seed): the top 20 movies by dot product of the
user's and the items' float32 factors. No history, no logging, no fallback:
the least a service can do for the same answer shape. BLAS is limited to one
thread per process by the bench (OPENBLAS_NUM_THREADS=1 and friends).

MARQUEE_PEER_MODEL: the artifact directory (manifest.json, model.bin, ids.json).
"""
import json
import os

import numpy as np
from flask import Flask, Response

MODEL_DIR = os.environ["MARQUEE_PEER_MODEL"]
K = 20


def load(model_dir):
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(model_dir, "ids.json")) as f:
        ids = json.load(f)
    tensors = {}
    with open(os.path.join(model_dir, "model.bin"), "rb") as f:
        for t in manifest["tensors"]:
            if t["name"] not in ("userFactors", "itemFactors"):
                continue
            f.seek(t["byteOffset"])
            data = np.frombuffer(f.read(t["byteLength"]), dtype=np.float32)
            tensors[t["name"]] = data.reshape(t["shape"])
    users = {int(u): i for i, u in enumerate(ids["users"])}
    return tensors["userFactors"], tensors["itemFactors"], users, ids["items"]


USER_FACTORS, ITEM_FACTORS, USER_INDEX, ITEM_IDS = load(MODEL_DIR)
app = Flask(__name__)


@app.route("/healthz")
def healthz():
    return "ok"


@app.route("/recommend/<int:userid>")
def recommend(userid):
    row = USER_INDEX.get(userid)
    if row is None:
        return Response("", mimetype="text/plain")
    scores = ITEM_FACTORS @ USER_FACTORS[row]
    top = np.argpartition(-scores, K)[:K]
    top = top[np.argsort(-scores[top])]
    return Response(",".join(ITEM_IDS[i] for i in top), mimetype="text/plain")
