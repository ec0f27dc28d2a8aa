// Precompiled for every library file (make compiles it once into build/pch/): Armadillo's
// headers are most of a library file's compile time. Only Armadillo and the standard library:
// each source still includes what it uses, and nothing here hides a wrong include direction.
#include <armadillo>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
