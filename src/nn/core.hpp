// core.hpp -- the core of stepnet: layers, losses, the gradient checker, initialization,
// optimizers, the training loop and its measurements. Needs Armadillo (and LAPACK) only: no
// files beyond a TSV, no plots, no runner. A test or program that includes only this links
// against build/libstepnet_core.a and build/libstepnet_util.a with -larmadillo.
#pragma once

#include "nn/activations.hpp"
#include "nn/avgpool2d.hpp"
#include "nn/batchnorm.hpp"
#include "nn/blocks.hpp"
#include "nn/centroid.hpp"
#include "nn/conv2d.hpp"
#include "nn/dataset.hpp"
#include "nn/dropout.hpp"
#include "nn/error.hpp"
#include "nn/gradcheck.hpp"
#include "nn/graph.hpp"
#include "nn/init.hpp"
#include "nn/inspect.hpp"
#include "nn/kernel.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/maxpool2d.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"
#include "nn/random.hpp"
#include "nn/sequential.hpp"
#include "nn/shape.hpp"
#include "nn/stats.hpp"
#include "nn/synthetic.hpp"
#include "nn/trainer.hpp"
#include "util/files.hpp"
#include "util/format.hpp"
#include "util/strings.hpp"
