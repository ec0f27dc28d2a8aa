// data.hpp -- the data room: real images from files. IDX (plain or gzip), preprocessing,
// Fashion-MNIST and MNIST, and the lessons' standardized splits of Fashion-MNIST. Depends on
// the core (nn/dataset.hpp) and zlib; the core never includes it.
#pragma once

#include "data/datasets.hpp"
#include "data/idx.hpp"
#include "data/preprocessing.hpp"
#include "data/splits.hpp"
#include "nn/dataset.hpp"
