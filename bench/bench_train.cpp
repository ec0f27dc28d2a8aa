// bench_train.cpp -- training throughput (images/s) of the lesson 7 architectures, beside
// PyTorch's for the same steps measured in the same run (bench_torch.py; make bench runs both).
//
// Two steps on random 28x28 images (no dataset needed), batch sizes 1 and 64, float64:
//   cls     LeakyReLU(0.01), softmax cross-entropy, SGD(lr 1e-3, momentum 0.9)
//   report  Tanh, MSE on one-hot targets, plain SGD(lr 1e-3)   (the CNN report's step)
//   A  Conv2d(1x28x28 -> 16 filters 7x7, stride 1) -> f -> Linear(16*22*22 -> 10)
//   B  the same with Linear(16*22*22 -> 128) -> f before Linear(128 -> 10)
// One step = net.zero_grad(); forward; loss; backward; optimizer step, through the public API
// (Sequential, the losses, SGD; the net's first layer told that its input is data, as
// nn::train does and as PyTorch skips inputs that need no gradient). No malloc tuning.
// Each cell runs for --seconds after a warm-up. Then a DGEMM rate measured now, a breakdown of
// one step per module (ms and GFLOP/s), and nn::train's own rate on the same data.
//
//   bench_train [--seconds S] [--quick] [--torch FILE] [--no-breakdown] [--no-trainer]
//               [--only "cls A 1"]
// --only: that one cell (step, architecture, any batch size) in every section (for perf record).
// --torch FILE: bench_torch.py's output for this thread count (ratios are printed against it).
// BLAS threads: set OPENBLAS_NUM_THREADS (make bench runs 1 and 2).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
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

enum class Step { cls, report };
const char* step_name(Step s) { return s == Step::cls ? "cls" : "report"; }

// A or B with activation f, seeded so every run builds the same weights.
std::unique_ptr<nn::Sequential> architecture(char which, Step step) {
  nn::seed(1);
  auto net = std::make_unique<nn::Sequential>();
  auto activation = [&] {
    if (step == Step::cls) net->emplace<nn::LeakyReLU>(0.01);
    else net->emplace<nn::Tanh>();
  };
  auto& conv = net->emplace<nn::Conv2d>(image, 16, 7, 7);
  activation();
  const arma::uword features = conv.output_shape().size();  // 16*22*22 = 7744
  if (which == 'B') {
    net->emplace<nn::Linear>(features, 128);
    activation();
    net->emplace<nn::Linear>(128, classes);
  } else {
    net->emplace<nn::Linear>(features, classes);
  }
  net->set_input_grad(false);  // the images are data
  return net;
}

struct Data {
  arma::mat x;       // (784 x n) pixels in [0, 1)
  arma::uvec y;      // (n)
  arma::mat onehot;  // (10 x n)
};

Data random_images(arma::uword n) {
  nn::seed(2);
  Data d{arma::randu<arma::mat>(image.size(), n), arma::randi<arma::uvec>(n, arma::distr_param(0, classes - 1)), {}};
  d.onehot = nn::one_hot(d.y, classes);
  return d;
}

// The network, its optimizer and loss, and one training step on columns [start, start + batch).
struct Trainee {
  Trainee(char arch, Step step_)
      : step(step_), net(architecture(arch, step_)),
        sgd(net->parameters(), 1e-3, step_ == Step::cls ? 0.9 : 0.0) {}
  void train_step(const Data& d, arma::uword start, arma::uword batch) {
    x = d.x.cols(start, start + batch - 1);  // (784 x batch)
    net->zero_grad();
    const arma::mat& out = net->forward(x);
    if (step == Step::cls) {
      cross_entropy.forward(out, d.y.subvec(start, start + batch - 1));
      net->backward(cross_entropy.backward());
    } else {
      mse.forward(out, d.onehot.cols(start, start + batch - 1));
      net->backward(mse.backward());
    }
    sgd.step();
  }
  Step step;
  std::unique_ptr<nn::Sequential> net;
  nn::SGD sgd;
  nn::SoftmaxCrossEntropy cross_entropy;
  nn::MSELoss mse;
  arma::mat x;
};

// Images per second over at least `seconds`.
Rate throughput(char arch, Step step, arma::uword batch, double seconds, const Data& d) {
  Trainee t(arch, step);
  const arma::uword batches = d.x.n_cols / batch;
  arma::uword k = 0;
  // warm-up: caches, page faults, BLAS thread start
  const Clock::time_point warm = Clock::now();
  for (int i = 0; i < 3 || since(warm) < std::min(1.0, seconds / 4); ++i)
    t.train_step(d, (k++ % batches) * batch, batch);
  arma::uword images = 0;
  const Clock::time_point start = Clock::now();
  const double cpu_start = cpu_seconds();
  while (images < 3 * batch || since(start) < seconds) {
    t.train_step(d, (k++ % batches) * batch, batch);
    images += batch;
  }
  const double n = static_cast<double>(images);
  return {n / since(start), n / (cpu_seconds() - cpu_start)};
}

// GFLOP/s of C = A * B for (m x k) * (k x n), over about `seconds`, per wall and per CPU second.
Rate gemm_rate(arma::uword m, arma::uword k, arma::uword n, double seconds) {
  nn::seed(3);
  const arma::mat a = arma::randu<arma::mat>(m, k), b = arma::randu<arma::mat>(k, n);
  arma::mat c = a * b;
  arma::uword reps = 0;
  const Clock::time_point start = Clock::now();
  const double cpu_start = cpu_seconds();
  while (reps < 3 || since(start) < seconds) {
    c = a * b;
    ++reps;
  }
  const double gflop = 2.0 * m * k * n * static_cast<double>(reps) / 1e9;
  return {gflop / since(start), gflop / (cpu_seconds() - cpu_start)};
}

// Floating-point operations of module i's forward and backward (0: not a product).
void flops_of(const nn::Module& m, arma::uword batch, double& forward, double& backward) {
  forward = backward = 0;
  if (auto* c = dynamic_cast<const nn::Conv2d*>(&m)) {
    const nn::Shape out = c->output_shape();
    const double product = 2.0 * static_cast<double>(c->weight.n_elem * out.height * out.width * batch);
    forward = product;
    backward = product * (c->input_grad() ? 2 : 1);  // dW, and dX when asked
  } else if (auto* l = dynamic_cast<const nn::Linear*>(&m)) {
    const double product = 2.0 * static_cast<double>(l->weight.n_elem * batch);
    forward = product;
    backward = product * (l->input_grad() ? 2 : 1);
  }
}

// Milliseconds per step in each module's forward and backward (through the fast protocol the
// Sequential uses), plus loss and update; GFLOP/s for the products per CPU second (the process's,
// all threads), against DGEMM's per CPU second: on a loaded machine the wall clock also counts
// the time spent waiting for a core, the CPU clock does not.
void breakdown(char arch, Step step, arma::uword batch, double seconds, const Data& d,
               const Rate& dgemm) {
  Trainee t(arch, step);
  nn::Sequential& net = *t.net;
  const std::size_t m = net.size();
  std::vector<double> fwd(m, 0), bwd(m, 0), fwd_cpu(m, 0), bwd_cpu(m, 0);
  std::vector<arma::mat> outputs(m), grads(m);
  double t_loss = 0, t_update = 0, t_copy = 0;
  arma::uword steps = 0;
  const arma::uword batches = d.x.n_cols / batch;
  arma::mat x;
  const Clock::time_point start = Clock::now();
  while (steps < 3 || since(start) < seconds) {
    const arma::uword s = (steps % batches) * batch;
    Clock::time_point c = Clock::now();
    x = d.x.cols(s, s + batch - 1);
    net.zero_grad();
    t_copy += since(c);
    for (std::size_t i = 0; i < m; ++i) {
      c = Clock::now();
      const double cpu = cpu_seconds();
      net[i].forward_into(i == 0 ? x : outputs[i - 1], outputs[i], true);
      fwd[i] += since(c);
      fwd_cpu[i] += cpu_seconds() - cpu;
    }
    c = Clock::now();
    arma::mat g;
    if (step == Step::cls) {
      t.cross_entropy.forward(outputs.back(), d.y.subvec(s, s + batch - 1));
      g = t.cross_entropy.backward();
    } else {
      t.mse.forward(outputs.back(), d.onehot.cols(s, s + batch - 1));
      g = t.mse.backward();
    }
    t_loss += since(c);
    for (std::size_t i = m; i-- > 0;) {
      c = Clock::now();
      const double cpu = cpu_seconds();
      net[i].backward_into(i + 1 == m ? g : grads[i + 1], grads[i]);
      bwd[i] += since(c);
      bwd_cpu[i] += cpu_seconds() - cpu;
    }
    c = Clock::now();
    t.sgd.step();
    t_update += since(c);
    ++steps;
  }
  const double per = 1000.0 / static_cast<double>(steps);
  double total = (t_loss + t_update + t_copy) * per;
  std::printf("  %c %s, batch %llu: ms per step, forward / backward (GFLOP/s per CPU second, %% of "
              "DGEMM's %.1f)\n",
              arch, step_name(step), static_cast<unsigned long long>(batch), dgemm.cpu);
  for (std::size_t i = 0; i < m; ++i) {
    double ff, bf;
    flops_of(net[i], batch, ff, bf);
    std::printf("    %-54s %7.3f / %7.3f", net[i].name().c_str(), fwd[i] * per, bwd[i] * per);
    if (ff > 0) {
      const double gf = ff / (fwd_cpu[i] * per * 1e6), gb = bf / (bwd_cpu[i] * per * 1e6);
      std::printf("   %5.1f (%3.0f%%) / %5.1f (%3.0f%%)", gf, 100 * gf / dgemm.cpu, gb,
                  100 * gb / dgemm.cpu);
    } else {
      const double n = static_cast<double>(outputs[i].n_elem);
      std::printf("   %5.2f / %5.2f ns per number", fwd[i] * per * 1e6 / n, bwd[i] * per * 1e6 / n);
    }
    std::printf("\n");
    total += (fwd[i] + bwd[i]) * per;
  }
  std::printf("    %-54s %7.3f\n", "loss (forward + backward)", t_loss * per);
  std::printf("    %-54s %7.3f\n", t.sgd.name().c_str(), t_update * per);
  std::printf("    %-54s %7.3f\n", "batch copy + zero_grad", t_copy * per);
  std::printf("    %-54s %7.3f  (%.0f images/s)\n", "total", total, 1000.0 * batch / total);
}

double trainer_throughput(char arch, arma::uword batch, double seconds, const Data& d) {
  auto net = architecture(arch, Step::cls);
  nn::SGD sgd(net->parameters(), 1e-3, 0.9);
  nn::Dataset set;
  // enough samples for about `seconds` at the raw rate measured above, in whole batches
  const double rate = throughput(arch, Step::cls, batch, 0.3, d).wall;
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

// bench_torch.py's lines "step arch batch images_per_second images_per_cpu_second"; comments
// (#) are echoed.
std::map<std::string, Rate> read_torch(const std::string& path, std::string& notes) {
  std::map<std::string, Rate> rates;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') {
      notes += line.substr(1) + "\n";
      continue;
    }
    std::istringstream f(line);
    std::string step, arch, batch;
    Rate rate;
    if (f >> step >> arch >> batch >> rate.wall) {
      if (!(f >> rate.cpu)) rate.cpu = 0;  // not measured
      rates[step + " " + arch + " " + batch] = rate;
    }
  }
  return rates;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  bool show_breakdown = true, show_trainer = true;
  std::string torch_file, only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--quick") seconds = 0.3;
    else if (a == "--torch" && i + 1 < argc) torch_file = argv[++i];
    else if (a == "--no-breakdown") show_breakdown = false;
    else if (a == "--no-trainer") show_trainer = false;
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else {
      std::cerr << "usage: bench_train [--seconds S] [--quick] [--torch FILE] [--no-breakdown] "
                   "[--no-trainer] [--only \"cls A 1\"]\n";
      return 2;
    }
  }
  const Data d = random_images(640);
  std::string torch_notes;
  const std::map<std::string, Rate> torch =
      torch_file.empty() ? std::map<std::string, Rate>{} : read_torch(torch_file, torch_notes);
  std::printf("training throughput: zero_grad + forward + loss + backward + SGD step, float64, "
              "random 28x28 images\n");
  std::printf("OPENBLAS_NUM_THREADS=%s  cores online: %ld  load average: %s\n",
              env("OPENBLAS_NUM_THREADS", "(unset)").c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              first_line("/proc/loadavg").c_str());
  std::printf("PyTorch, measured just before in this run:%s%s", torch_notes.empty() ? " " : "\n",
              torch_notes.empty() ? "not measured (apt-get install python3-torch)\n" : torch_notes.c_str());
  std::printf("(a load above the core count means other work shares the cores: numbers are lower bounds;\n"
              " img/CPU-s divides by the process's CPU time, all threads, instead of the wall clock:\n"
              " on a loaded machine compare the CPU ratio)\n\n");
  std::printf("  %-6s %-4s %6s %10s %10s %10s %10s %10s %7s %7s\n", "", "", "", "stepnet", "",
              "", "PyTorch", "", "ratio", "ratio");
  std::printf("  %-6s %-4s %6s %10s %10s %10s %10s %10s %7s %7s\n", "step", "arch", "batch",
              "images/s", "img/CPU-s", "ms/step", "images/s", "img/CPU-s", "wall", "CPU");
  struct Cell { Step step; char arch; arma::uword batch; };
  const Cell cells[] = {{Step::cls, 'A', 1},    {Step::cls, 'A', 64},    {Step::cls, 'B', 1},
                        {Step::cls, 'B', 64},   {Step::report, 'A', 1},  {Step::report, 'A', 64},
                        {Step::report, 'B', 1}, {Step::report, 'B', 64}};
  std::vector<Cell> chosen(std::begin(cells), std::end(cells));
  if (!only.empty()) {  // any batch size: "cls B 10"
    std::istringstream f(only);
    std::string step;
    char arch = 0;
    unsigned long long batch = 0;
    if (!(f >> step >> arch >> batch) || (step != "cls" && step != "report") ||
        (arch != 'A' && arch != 'B') || batch == 0 || batch > 640) {
      std::cerr << "bench_train: --only wants \"cls|report A|B batch\" (batch 1 to 640), got \""
                << only << "\"\n";
      return 2;
    }
    chosen = {{step == "cls" ? Step::cls : Step::report, arch, batch}};
  }
  for (const Cell& c : chosen) {
    const Rate rate = throughput(c.arch, c.step, c.batch, seconds, d);
    const std::string key = std::string(step_name(c.step)) + " " + c.arch + " " + std::to_string(c.batch);
    const auto t = torch.find(key);
    std::printf("  %-6s %-4c %6llu %10.0f %10.0f %10.3f", step_name(c.step), c.arch,
                static_cast<unsigned long long>(c.batch), rate.wall, rate.cpu, 1000.0 * c.batch / rate.wall);
    if (t != torch.end() && t->second.cpu > 0)
      std::printf(" %10.0f %10.0f %6.2fx %6.2fx\n", t->second.wall, t->second.cpu,
                  rate.wall / t->second.wall, rate.cpu / t->second.cpu);
    else if (t != torch.end())
      std::printf(" %10.0f %10s %6.2fx %7s\n", t->second.wall, "-", rate.wall / t->second.wall, "-");
    else std::printf(" %21s %7s %7s\n", "not measured", "-", "-");
    std::fflush(stdout);
  }
  // DGEMM after the cells: with 2 threads OpenBLAS's worker spins (sched_yield) for a while
  // after a parallel product, and measured first it spun through the first cells.
  const Rate dgemm = gemm_rate(512, 512, 512, std::min(seconds, 1.0));
  std::printf("\nDGEMM 512x512x512 (Armadillo -> BLAS), this run: %.1f GFLOP/s, %.1f per CPU second\n",
              dgemm.wall, dgemm.cpu);
  if (show_breakdown) {
    std::printf("\nwhere the time goes (one step, timed module by module; GEMM shapes of conv at batch 64:\n"
                " forward 16x49 * 49x30976 %.1f, weight gradient 16x30976 * 30976x49 %.1f GFLOP/s per CPU second):\n",
                gemm_rate(16, 49, 30976, std::min(seconds, 0.5)).cpu,
                gemm_rate(16, 30976, 49, std::min(seconds, 0.5)).cpu);
    for (const Cell& c : chosen)
      if (c.step == Step::cls || !only.empty()) breakdown(c.arch, c.step, c.batch, std::min(seconds, 1.0), d, dgemm);
  }
  if (show_trainer) {
    std::printf("\nthrough nn::train (cls step, one epoch, shuffled, per-epoch statistics on):\n");
    for (const Cell& c : chosen)
      if (c.step == Step::cls)
        std::printf("  %-4c %6llu %14.0f images/s\n", c.arch, static_cast<unsigned long long>(c.batch),
                    trainer_throughput(c.arch, c.batch, seconds, d));
  }
  return 0;
}
