// data.hpp -- the data room: real images from files. IDX (plain or gzip), preprocessing,
// Fashion-MNIST and MNIST. Depends on the core (nn/dataset.hpp) and zlib; the core never
// includes it.
#pragma once

#include "data/datasets.hpp"
#include "data/idx.hpp"
#include "data/preprocessing.hpp"
#include "nn/dataset.hpp"
