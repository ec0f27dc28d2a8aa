// nn.hpp -- the whole stepnet library. Lessons, tests and instructors' tests include this.
#pragma once

#include "nn/activations.hpp"
#include "nn/centroid.hpp"
#include "nn/conv2d.hpp"
#include "nn/data.hpp"
#include "nn/error.hpp"
#include "nn/gradcheck.hpp"
#include "nn/graph.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/maxpool2d.hpp"
#include "nn/module.hpp"
#include "nn/random.hpp"
#include "nn/sequential.hpp"
#include "nn/shape.hpp"
