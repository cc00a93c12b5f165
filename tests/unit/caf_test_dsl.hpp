#pragma once
// CAF 0.17.6's dsl.hpp calls an undefined FAIL(...) from request<T>(); route it to CAF_FAIL.
#define FAIL(msg) CAF_FAIL(msg)
#include "caf/test/dsl.hpp"
