// nn.hpp -- the whole stepnet library. Lessons, tests and instructors' tests include this.
// The rooms (docs/design.md): the core (nn/core.hpp: layers, losses, training; util/), the
// data room (data/: IDX files, preprocessing, Fashion-MNIST), plot/ (figures) and course/
// (the step-through runner). A program that needs only the core includes nn/core.hpp.
#pragma once

#include "nn/core.hpp"

#include "course/lesson.hpp"
#include "data/data.hpp"
#include "plot/plot.hpp"
