// Max pooling: the slide example, the argmax routing, overlapping windows and ties.
#include "core_helpers.hpp"

using testing::Equals;
using testing::grid;

SCENARIO("max pooling the slide example, 2x2 windows with stride 2", "[lesson04][points:4]"
         "[exercise:maxpool2d_backward]") {
  GIVEN("the 1x4x4 input from the slides") {
    const nn::Shape shape{1, 4, 4};
    const arma::vec x = testing::image({grid({{0.2692, 0.4190, 0.2095, 0.9163},
                                              {0.2778, 0.9199, 0.5555, 0.1638},
                                              {0.6936, 0.2328, 0.0553, 0.1798},
                                              {0.3611, 0.3225, 0.9032, 0.5106}})});
    nn::MaxPool2d pool(shape, 2, 2);
    WHEN("pooled") {
      const arma::vec y = pool.forward(x);
      THEN("each window keeps its maximum: [[0.9199 0.9163] [0.6936 0.9032]]") {
        CHECK(pool.output_shape() == nn::Shape{1, 2, 2});
        CHECK_THAT(testing::plane(y, pool.output_shape(), 0),
                   Equals(grid({{0.9199, 0.9163}, {0.6936, 0.9032}})));
      }
    }
    WHEN("upstream ones flow back") {
      pool.forward(x);
      const arma::vec g = pool.backward(arma::ones(4, 1));
      THEN("the 1s land on exactly the four maxima (the argmax mask)") {
        CHECK_THAT(testing::plane(g, shape, 0),
                   Equals(grid({{0, 0, 0, 1}, {0, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}})));
      }
    }
  }
}

SCENARIO("overlapping windows send gradient to a shared maximum twice", "[lesson04][points:2]"
         "[exercise:maxpool2d_backward]") {
  GIVEN("a 1x3x3 image whose centre 9 is the largest, 2x2 windows with stride 1") {
    const nn::Shape shape{1, 3, 3};
    const arma::vec x = testing::image({grid({{1, 2, 3}, {4, 9, 5}, {6, 7, 8}})});
    nn::MaxPool2d pool(shape, 2, 1);
    THEN("all four windows pick 9, and the centre collects the sum of their gradients") {
      const arma::vec y = pool.forward(x);
      CHECK_THAT(testing::plane(y, pool.output_shape(), 0), Equals(grid({{9, 9}, {9, 9}})));
      const arma::vec g = pool.backward(testing::image({grid({{1, 2}, {3, 4}})}));
      CHECK_THAT(testing::plane(g, shape, 0), Equals(grid({{0, 0, 0}, {0, 10, 0}, {0, 0, 0}})));
    }
  }
  GIVEN("a 1x5x5 image, kernel 3, stride 2: windows share their border row and column") {
    nn::MaxPool2d pool(nn::Shape{1, 5, 5}, 3, 2);
    THEN("the output is floor((5-3)/2)+1 = 2 per side") {
      CHECK(pool.output_shape() == nn::Shape{1, 2, 2});
    }
  }
}

SCENARIO("ties go to the first maximum in reading order", "[lesson04][points:2]"
         "[exercise:maxpool2d_backward]") {
  GIVEN("a 2x2 window holding [[1 5] [5 5]]") {
    nn::MaxPool2d pool(nn::Shape{1, 2, 2}, 2, 2);
    pool.forward(testing::image({grid({{1, 5}, {5, 5}})}));
    THEN("only the top-right 5 (first in reading order) receives the gradient") {
      CHECK_THAT(testing::plane(pool.backward(grid({{1}})), nn::Shape{1, 2, 2}, 0),
                 Equals(grid({{0, 1}, {0, 0}})));
    }
  }
}

SCENARIO("each channel and each sample pools on its own", "[lesson04][points:0]") {
  GIVEN("a 2x2x2 image batch of two samples") {
    nn::MaxPool2d pool(nn::Shape{2, 2, 2}, 2, 2);
    arma::mat x(8, 2);
    x.col(0) = testing::image({grid({{1, 2}, {3, 4}}), grid({{-1, -2}, {-3, -4}})});
    x.col(1) = testing::image({grid({{8, 7}, {6, 5}}), grid({{0, 0}, {0, 0.5}})});
    THEN("the maxima are [4, -1] and [8, 0.5]") {
      CHECK_THAT(pool.forward(x), Equals(grid({{4, 8}, {-1, 0.5}})));
    }
  }
}
