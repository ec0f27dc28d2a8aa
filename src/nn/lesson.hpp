// Compatibility: DESIGN.md's layout names src/nn/lesson.hpp; the file lives in src/course/lesson.hpp now
// (docs/design.md, "The rooms"). New code includes "course/lesson.hpp".
#pragma once
#include "course/lesson.hpp"
