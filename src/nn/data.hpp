// Compatibility: DESIGN.md's layout names src/nn/data.hpp; the file lives in src/data/data.hpp now
// (docs/design.md, "The rooms"). New code includes "data/data.hpp".
#pragma once
#include "data/data.hpp"
