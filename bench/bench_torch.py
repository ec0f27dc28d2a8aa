#!/usr/bin/env python3
"""bench_torch.py -- PyTorch's side of `make bench`: the same steps as bench_train.cpp.

The same two networks on random 28x28 images, float64, CPU, the thread count of
OPENBLAS_NUM_THREADS (torch.set_num_threads), each cell timed for --seconds after a warm-up:
  A  Conv2d(1 -> 16, 7x7) -> f -> Linear(16*22*22 -> 10)
  B  Conv2d(1 -> 16, 7x7) -> f -> Linear(7744 -> 128) -> f -> Linear(128 -> 10)
  step "cls":    f = LeakyReLU(0.01), softmax cross-entropy on labels, SGD(lr 1e-3, momentum 0.9)
  step "report": f = Tanh, MSE 0.5 * ||out - onehot||^2 averaged over the batch, plain SGD(lr 1e-3)
One step = zero_grad; forward; loss; backward; optimizer step, on the next `batch` columns of
640 random images (the input does not require a gradient, as in any PyTorch training loop).

Prints one line per cell, "step arch batch images_per_second images_per_cpu_second" (CPU time
of the whole process, every thread), for bench_train --torch FILE.
Without python3-torch it prints "not measured" lines and exits 0.
"""
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("# PyTorch not measured (apt-get install python3-torch)")
        return 0
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(2)
    n, classes = 640, 10
    x_all = torch.rand(n, 1, 28, 28, dtype=torch.float64)
    y_all = torch.randint(0, classes, (n,))
    onehot_all = torch.nn.functional.one_hot(y_all, classes).to(torch.float64)
    print("# torch %s, %d threads (torch.get_num_threads() = %d), float64" %
          (torch.__version__, args.threads, torch.get_num_threads()))

    def network(arch, act):
        torch.manual_seed(1)
        layers = [torch.nn.Conv2d(1, 16, 7), act(), torch.nn.Flatten()]
        if arch == "B":
            layers += [torch.nn.Linear(16 * 22 * 22, 128), act(), torch.nn.Linear(128, classes)]
        else:
            layers += [torch.nn.Linear(16 * 22 * 22, classes)]
        return torch.nn.Sequential(*layers).double()

    def throughput(step, arch, batch):
        if step == "cls":
            net = network(arch, lambda: torch.nn.LeakyReLU(0.01))
            opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
            loss_of = lambda out, s: torch.nn.functional.cross_entropy(out, y_all[s:s + batch])
        else:
            net = network(arch, torch.nn.Tanh)
            opt = torch.optim.SGD(net.parameters(), lr=1e-3)
            loss_of = lambda out, s: 0.5 * ((out - onehot_all[s:s + batch]) ** 2).sum() / batch
        batches = n // batch
        k = 0

        def one():
            nonlocal k
            s = (k % batches) * batch
            k += 1
            opt.zero_grad()
            loss_of(net(x_all[s:s + batch]), s).backward()
            opt.step()

        warm = time.perf_counter()
        i = 0
        while i < 3 or time.perf_counter() - warm < min(1.0, args.seconds / 4):
            one()
            i += 1
        images = 0
        start, cpu_start = time.perf_counter(), time.process_time()
        while images < 3 * batch or time.perf_counter() - start < args.seconds:
            one()
            images += batch
        return (images / (time.perf_counter() - start), images / (time.process_time() - cpu_start))

    for step in ("cls", "report"):
        for arch in ("A", "B"):
            for batch in (1, 64):
                wall, cpu = throughput(step, arch, batch)
                print("%s %s %d %.1f %.1f" % (step, arch, batch, wall, cpu))
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
