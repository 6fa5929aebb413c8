#!/usr/bin/python3
"""A PyTorch MDN written as a practitioner writes one: the comparator of `bench/peers/peers.ts`.

torch's default initialisation (nn.Linear: Kaiming-uniform weights, non-zero uniform biases),
inputs and outputs z-scored with the training statistics (scikit-learn's StandardScaler habit),
softmax weights, exp(log sigma) diagonal scales, Adam at a constant learning rate, shuffled
minibatches drawn with replacement (as polymodal draws them), no clipping, no schedule. The test
NLL is reported in nats per point in original units (the z-scoring Jacobian included), evaluated
every `--eval-every` updates; the training time excludes the evaluations.

Usage (Debian's PyTorch with OpenBLAS: apt-get install python3-torch libopenblas0-pthread; without
OpenBLAS, Debian's torch runs on the reference BLAS, about 5× slower per update):
    /usr/bin/python3 peer_mdn.py data.json --components 5 --hidden 128,128,128 --iterations 5000 \
        --batch 128 --lr 1e-3 --seed 0 --eval-every 250
data.json holds {"train": {"x": [[...]], "y": [[...]]}, "test": {"x": ..., "y": ...}}. Prints one
JSON object: {"curve": [[iteration, seconds, nll], ...], "final": nll, "seconds": s}.
"""
import argparse
import json
import math
import os
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("data")
parser.add_argument("--components", type=int, default=5)
parser.add_argument("--hidden", default="128,128,128")
parser.add_argument("--activation", default="gelu", choices=["gelu", "tanh", "relu"])
parser.add_argument("--iterations", type=int, default=5000)
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--eval-every", type=int, default=250)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
import torch  # noqa: E402  (after the thread variables)
import torch.nn as nn  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
LOG2PI = math.log(2 * math.pi)
ACT = {"gelu": nn.GELU, "tanh": nn.Tanh, "relu": nn.ReLU}

with open(args.data) as f:
    data = json.load(f)
xtr = torch.tensor(data["train"]["x"], dtype=torch.float32)
ytr = torch.tensor(data["train"]["y"], dtype=torch.float32)
xte = torch.tensor(data["test"]["x"], dtype=torch.float32)
yte = torch.tensor(data["test"]["y"], dtype=torch.float32)
x_mean, x_std = xtr.mean(0), xtr.std(0).clamp_min(1e-8)
y_mean, y_std = ytr.mean(0), ytr.std(0).clamp_min(1e-8)
K, D = args.components, ytr.shape[1]


class MDN(nn.Module):
    def __init__(self, din, widths, K, D, act):
        super().__init__()
        layers, d = [], din
        for w in widths:
            layers += [nn.Linear(d, w), ACT[act]()]
            d = w
        self.trunk = nn.Sequential(*layers)
        self.pi = nn.Linear(d, K)
        self.mu = nn.Linear(d, K * D)
        self.log_sigma = nn.Linear(d, K * D)
        self.K, self.D = K, D

    def log_prob(self, x, y):
        h = self.trunk(x)
        log_pi = torch.log_softmax(self.pi(h), -1)
        mu = self.mu(h).view(-1, self.K, self.D)
        log_sigma = self.log_sigma(h).view(-1, self.K, self.D)
        z = (y.unsqueeze(1) - mu) * torch.exp(-log_sigma)
        comp = -0.5 * (z * z).sum(-1) - log_sigma.sum(-1) - 0.5 * self.D * LOG2PI
        return torch.logsumexp(log_pi + comp, -1)


widths = [int(w) for w in args.hidden.split(",") if w]
model = MDN(xtr.shape[1], widths, K, D, args.activation)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
xn, yn = (xtr - x_mean) / x_std, (ytr - y_mean) / y_std
xten, yten = (xte - x_mean) / x_std, (yte - y_mean) / y_std
jacobian = torch.log(y_std).sum().item()
gen = torch.Generator().manual_seed(args.seed)


def test_nll():
    with torch.no_grad():
        return -(model.log_prob(xten, yten).mean().item() - jacobian)


curve, seconds = [], 0.0
n = xn.shape[0]
batch = min(args.batch, n)
for it in range(1, args.iterations + 1):
    t0 = time.process_time()
    idx = torch.randint(0, n, (batch,), generator=gen)
    loss = -model.log_prob(xn[idx], yn[idx]).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    seconds += time.process_time() - t0
    if it % args.eval_every == 0 or it == args.iterations:
        nll = test_nll()
        curve.append([it, seconds, nll if math.isfinite(nll) else None])
print(json.dumps({"curve": curve, "final": curve[-1][2], "seconds": seconds}))
