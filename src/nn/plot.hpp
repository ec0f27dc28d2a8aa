// Compatibility: DESIGN.md's layout names src/nn/plot.hpp; the file lives in src/plot/plot.hpp now
// (docs/design.md, "The rooms"). New code includes "plot/plot.hpp".
#pragma once
#include "plot/plot.hpp"
