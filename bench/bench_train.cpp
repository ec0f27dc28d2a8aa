// bench_train.cpp -- training throughput (images/s) of the lesson 7 architectures.
//
// One training step = net.zero_grad(); forward; softmax cross-entropy; backward; SGD update
// (momentum 0.9), on random 28x28 images (no dataset needed), batch sizes 1 and 64:
//   A  Conv2d(1x28x28 -> 16 filters 7x7, stride 1) -> LeakyReLU(0.01) -> Linear(16*22*22 -> 10)
//   B  the same with Linear(16*22*22 -> 128) -> LeakyReLU(0.01) before Linear(128 -> 10)
// Each cell runs for --seconds (after one warm-up second's worth of steps, at least 3 steps)
// and prints images/s next to PyTorch's CPU float64 on one core for the same step (measured
// for the issue: A 850 and 3400 images/s, B 210 and 1360, at batch 1 and 64). Then a
// breakdown of one step per module (forward and backward, ms), and nn::train's own rate on
// the same data (it adds the per-epoch bookkeeping: norms, ratios, the conv delta).
//
//   bench_train [--seconds S] [--quick] [--no-breakdown] [--no-trainer] [--default-malloc]
// BLAS threads: set OPENBLAS_NUM_THREADS (make bench runs 1 and 2).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "nn/nn.hpp"
#include "nn/optim.hpp"
#include "nn/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Rate {
  double wall = 0, cpu = 0;  // images per wall second, per CPU second (all threads)
};

const nn::Shape image{1, 28, 28};
constexpr arma::uword classes = 10;

// A or B, seeded so every run builds the same weights.
std::unique_ptr<nn::Sequential> architecture(char which) {
  nn::seed(1);
  auto net = std::make_unique<nn::Sequential>();
  auto& conv = net->emplace<nn::Conv2d>(image, 16, 7, 7);
  net->emplace<nn::LeakyReLU>(0.01);
  const arma::uword features = conv.output_shape().size();  // 16*22*22 = 7744
  if (which == 'B') {
    net->emplace<nn::Linear>(features, 128);
    net->emplace<nn::LeakyReLU>(0.01);
    net->emplace<nn::Linear>(128, classes);
  } else {
    net->emplace<nn::Linear>(features, classes);
  }
  return net;
}

struct Data {
  arma::mat x;    // (784 x n) pixels in [0, 1)
  arma::uvec y;   // (n)
};

Data random_images(arma::uword n) {
  nn::seed(2);
  return {arma::randu<arma::mat>(image.size(), n), arma::randi<arma::uvec>(n, arma::distr_param(0, classes - 1))};
}

// One training step on columns [start, start + batch) of the data.
void train_step(nn::Sequential& net, nn::SGD& sgd, nn::SoftmaxCrossEntropy& loss, const Data& d,
                arma::uword start, arma::uword batch) {
  const arma::mat x = d.x.cols(start, start + batch - 1);  // (784 x batch)
  const arma::uvec y = d.y.subvec(start, start + batch - 1);
  net.zero_grad();
  loss.forward(net.forward(x), y);
  net.backward(loss.backward());
  sgd.step();
}

// Images per second over at least `seconds`.
Rate throughput(char arch, arma::uword batch, double seconds, const Data& d) {
  auto net = architecture(arch);
  nn::SGD sgd(net->parameters(), 1e-3, 0.9);
  nn::SoftmaxCrossEntropy loss;
  const arma::uword batches = d.x.n_cols / batch;
  arma::uword k = 0;
  // warm-up: caches, page faults, BLAS thread start
  const Clock::time_point warm = Clock::now();
  for (int i = 0; i < 3 || since(warm) < std::min(1.0, seconds / 4); ++i)
    train_step(*net, sgd, loss, d, (k++ % batches) * batch, batch);
  arma::uword images = 0;
  const Clock::time_point start = Clock::now();
  const double cpu_start = cpu_seconds();
  while (images < 3 * batch || since(start) < seconds) {
    train_step(*net, sgd, loss, d, (k++ % batches) * batch, batch);
    images += batch;
  }
  const double n = static_cast<double>(images);
  return {n / since(start), n / (cpu_seconds() - cpu_start)};
}

// Milliseconds per step in each module's forward and backward, plus loss and update.
void breakdown(char arch, arma::uword batch, double seconds, const Data& d) {
  auto net = architecture(arch);
  nn::SGD sgd(net->parameters(), 1e-3, 0.9);
  nn::SoftmaxCrossEntropy loss;
  const std::size_t m = net->size();
  std::vector<double> fwd(m, 0), bwd(m, 0);
  double t_loss = 0, t_update = 0, t_copy = 0;
  arma::uword steps = 0;
  const arma::uword batches = d.x.n_cols / batch;
  const Clock::time_point start = Clock::now();
  while (steps < 3 || since(start) < seconds) {
    const arma::uword s = (steps % batches) * batch;
    Clock::time_point t = Clock::now();
    arma::mat a = d.x.cols(s, s + batch - 1);
    const arma::uvec y = d.y.subvec(s, s + batch - 1);
    net->zero_grad();
    t_copy += since(t);
    for (std::size_t i = 0; i < m; ++i) {
      t = Clock::now();
      a = (*net)[i].forward(a);
      fwd[i] += since(t);
    }
    t = Clock::now();
    loss.forward(a, y);
    arma::mat g = loss.backward();
    t_loss += since(t);
    for (std::size_t i = m; i-- > 0;) {
      t = Clock::now();
      g = (*net)[i].backward(g);
      bwd[i] += since(t);
    }
    t = Clock::now();
    sgd.step();
    t_update += since(t);
    ++steps;
  }
  const double per = 1000.0 / static_cast<double>(steps);
  double total = (t_loss + t_update + t_copy) * per;
  std::printf("  %c, batch %llu: ms per step (forward / backward)\n", arch, static_cast<unsigned long long>(batch));
  for (std::size_t i = 0; i < m; ++i) {
    std::printf("    %-58s %8.3f / %8.3f\n", (*net)[i].name().c_str(), fwd[i] * per, bwd[i] * per);
    total += (fwd[i] + bwd[i]) * per;
  }
  std::printf("    %-58s %8.3f\n", "softmax cross-entropy (forward + backward)", t_loss * per);
  std::printf("    %-58s %8.3f\n", "SGD step (momentum)", t_update * per);
  std::printf("    %-58s %8.3f\n", "batch copy + zero_grad", t_copy * per);
  std::printf("    %-58s %8.3f  (%.0f images/s)\n", "total", total, 1000.0 * batch / total);
}

double trainer_throughput(char arch, arma::uword batch, double seconds, const Data& d) {
  auto net = architecture(arch);
  nn::SGD sgd(net->parameters(), 1e-3, 0.9);
  nn::Dataset set;
  // enough samples for about `seconds` at the raw rate measured above, in whole batches
  const double rate = throughput(arch, batch, 0.3, d).wall;
  const arma::uword n = std::max<arma::uword>(batch * 3, static_cast<arma::uword>(rate * seconds) / batch * batch);
  set.x = arma::repmat(d.x, 1, n / d.x.n_cols + 1).eval().cols(0, n - 1);
  set.y = arma::repmat(d.y, n / d.y.n_elem + 1, 1).eval().rows(0, n - 1);
  set.shape = image;
  nn::TrainConfig config;
  config.epochs = 1;
  config.batch_size = batch;
  config.quiet = true;
  const nn::TrainResult r = nn::train(*net, sgd, set, config);
  return r.history.back().images_per_second;
}

std::string env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  bool show_breakdown = true, show_trainer = true, default_malloc = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--quick") seconds = 0.3;
    else if (a == "--no-breakdown") show_breakdown = false;
    else if (a == "--no-trainer") show_trainer = false;
    else if (a == "--default-malloc") default_malloc = true;
    else {
      std::cerr << "usage: bench_train [--seconds S] [--quick] [--no-breakdown] [--no-trainer] "
                   "[--default-malloc]\n";
      return 2;
    }
  }
  if (!default_malloc) nn::keep_heap_memory();
  const Data d = random_images(640);
  std::printf("stepnet training throughput: forward + backward + SGD(momentum) step, double, "
              "random 28x28 images\n");
  std::printf("OPENBLAS_NUM_THREADS=%s  cores online: %ld  load average: %s\n",
              env("OPENBLAS_NUM_THREADS", "(unset)").c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              first_line("/proc/loadavg").c_str());
  std::printf("malloc: %s\n", default_malloc
                                 ? "glibc defaults (--default-malloc; the nn::train rows turn on keep_heap_memory)"
                                 : "nn::keep_heap_memory() (large temporaries reuse heap memory)");
  std::printf("(a load above the core count means other work shares the cores: numbers are lower bounds;\n"
              " img/CPU-s divides by the process's CPU time instead of the wall clock)\n\n");
  std::printf("  %-4s %6s %10s %10s %10s %16s %8s\n", "arch", "batch", "images/s", "img/CPU-s",
              "ms/step", "PyTorch 1 core", "ratio");
  struct Cell { char arch; arma::uword batch; double torch; };
  const Cell cells[] = {{'A', 1, 850}, {'A', 64, 3400}, {'B', 1, 210}, {'B', 64, 1360}};
  for (const Cell& c : cells) {
    const Rate rate = throughput(c.arch, c.batch, seconds, d);
    std::printf("  %-4c %6llu %10.0f %10.0f %10.3f %16.0f %7.2fx\n", c.arch,
                static_cast<unsigned long long>(c.batch), rate.wall, rate.cpu,
                1000.0 * c.batch / rate.wall, c.torch, rate.wall / c.torch);
    std::fflush(stdout);
  }
  if (show_breakdown) {
    std::printf("\nwhere the time goes (one step, timed module by module):\n");
    for (const Cell& c : cells) breakdown(c.arch, c.batch, std::min(seconds, 1.0), d);
  }
  if (show_trainer) {
    std::printf("\nthrough nn::train (one epoch, shuffled, per-epoch statistics on):\n");
    for (const Cell& c : cells)
      std::printf("  %-4c %6llu %14.0f images/s\n", c.arch, static_cast<unsigned long long>(c.batch),
                  trainer_throughput(c.arch, c.batch, seconds, d));
  }
  return 0;
}
