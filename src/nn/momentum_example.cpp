#include "nn/momentum_example.hpp"

namespace nn {

// [snippet momentum-by-hand]
// The library's optimizers on one parameter whose gradient we write by hand.
arma::rowvec two_steps(Optimizer& optimizer, arma::mat& w, arma::mat& grad) {
  arma::rowvec trace(3);  // w0 w1 w2
  trace(0) = w(0);
  for (int t = 1; t <= 2; ++t) {
    grad = 4 * w;         // dL/dw of L = 2 w^2
    optimizer.step();
    trace(t) = w(0);
  }
  return trace;
}
// [/snippet]

ValleyRun valley_run(double mu, int steps, double lr) {
  // [snippet valley]
  arma::mat w(2, 1, arma::fill::ones), grad(2, 1);  // (2 x 1) w starts at (1, 1)
  const arma::vec curvature = {1.0, 100.0};
  SGD sgd({{"w", &w, &grad}}, lr, mu);
  ValleyRun run{arma::vec(steps + 1), arma::mat(2, steps + 1)};  // the loss and the path
  for (int t = 0; t <= steps; ++t) {
    run.loss(t) = 0.5 * arma::accu(curvature % arma::square(w));
    run.path.col(t) = w;
    grad = curvature % w;                    // dL/dw
    if (t < steps) sgd.step();
  }
  // [/snippet]
  return run;
}

}  // namespace nn
